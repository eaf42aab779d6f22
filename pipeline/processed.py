"""The seam between cleaning and analysis: the processed tables written and read back.

Written once per run by :func:`write_processed` (one atomic swap of the whole folder); read by the
notebooks, the analysts and the benchmarks through :func:`load_processed` and
:func:`read_processed_table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.contract import PROCESSED_COLUMNS

if TYPE_CHECKING:
    from pipeline.clean import CleanResult

import json
import shutil
from pathlib import Path

import pandas as pd

from pipeline.clean.cache import CACHE_DIR_NAME, write_part
from pipeline.errors import PipelineError
from pipeline.runtime.atomic import atomic_dir

PARTITION_ROWS = 1_000_000


# Rows converted to Arrow at a time when writing: converting a whole table of ten million rows
# would hold a second copy of it (its text made into Arrow strings) next to the first.
WRITE_CHUNK_ROWS = 1_000_000


def write_table(table: pd.DataFrame, path: Path, *, partitioned: bool = False,
                partition_rows: int = PARTITION_ROWS) -> None:
    """One processed table: a single Parquet file, or (``partitioned``) a folder ``path/`` of parts
    ``part.00000.parquet`` … of ``partition_rows`` rows each, one schema, in row order.

    Either way ``pd.read_parquet(path)`` (and Dask's ``read_parquet``) reads the whole table back.
    The table is converted to Arrow a million rows at a time, against one schema for the whole table
    (a chunk whose text column is all missing must not make it a column of nulls): the one pyarrow
    would infer from every row, found from a telling value per column (:func:`_sampled_schema`).
    """
    import pyarrow as pa

    if not partitioned and len(table) <= WRITE_CHUNK_ROWS:
        table.to_parquet(path, index=False)
        return
    try:
        _write_chunks(table, path, _sampled_schema(table), partitioned, partition_rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # a value the sampled type does not fit: the schema from every row, as pyarrow infers it
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        _write_chunks(table, path, pa.Schema.from_pandas(table, preserve_index=False), partitioned, partition_rows)


def _sampled_schema(table: pd.DataFrame):
    """The schema pyarrow infers for ``table``, from one row per column: an object column's first
    value that says what it holds (not missing; a list with items if there is one). pyarrow's own
    inference reads every cell of every text column (6 s at ten million rows). A later value of
    another kind makes its chunk's conversion fail, and :func:`write_table` then infers from every row."""
    import pyarrow as pa

    if not len(table):
        return pa.Schema.from_pandas(table, preserve_index=False)
    sample = {}
    for c in table.columns:
        column = table[c]
        if column.dtype != object:
            sample[c] = column.iloc[:1].reset_index(drop=True)
            continue
        first = telling = None
        for part in (column.iloc[:1024], column):      # the head first; the whole column if need be
            values = part.to_numpy()
            for v in values[pd.notna(values)]:
                first = v if first is None else first
                if not (isinstance(v, list) and not v):
                    telling = v
                    break
            if telling is not None:
                break
        sample[c] = pd.Series([telling if telling is not None else first], dtype=object)
    return pa.Schema.from_pandas(pd.DataFrame(sample), preserve_index=False)


def _write_chunks(table: pd.DataFrame, path: Path, schema, partitioned: bool, partition_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def chunks(rows: int):
        for start in range(0, max(len(table), 1), max(int(rows), 1)):
            yield pa.Table.from_pandas(table.iloc[start:start + rows], schema=schema, preserve_index=False)

    if partitioned:
        path.mkdir()
        for i, part in enumerate(chunks(partition_rows)):
            pq.write_table(part, path / f"part.{i:05d}.parquet")
        return
    with pq.ParquetWriter(path, schema) as writer:
        for part in chunks(WRITE_CHUNK_ROWS):
            writer.write_table(part)


def write_processed(result: CleanResult, out_dir, *, partitioned: bool | None = None) -> Path:
    """Write the processed tables, rejects, customer-name resolutions and manifest as one atomic swap.

    ``partitioned`` (default: when the run used the dask engine): the row tables (dispatches, sales,
    contracts, rejects) are written as folders of Parquet parts, which Dask workers read in parallel.
    """
    out_dir = Path(out_dir)
    if partitioned is None:
        partitioned = result.manifest.get("engine") == "dask"
    with atomic_dir(out_dir) as tmp:
        for name, table in result.tables.items():
            write_table(table, tmp / f"{name}.parquet", partitioned=partitioned and name != "customers")
        write_table(result.rejects, tmp / "rejects.parquet", partitioned=partitioned)
        result.customer_names.to_parquet(tmp / "customer_names.parquet", index=False)
        # seconds differ from run to run: they go beside the manifest, so that the same inputs give
        # the same manifest byte for byte
        manifest = {k: v for k, v in result.manifest.items() if k != "stages"}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        (tmp / "timings.json").write_text(json.dumps(result.manifest.get("stages", []), indent=2) + "\n",
                                          encoding="utf-8")
        if result.cache_keys and (result.cache_new or result.cache_dir is not None):
            cache = tmp / CACHE_DIR_NAME
            cache.mkdir()
            for key in result.cache_keys:
                if key in result.cache_new:
                    write_part(cache, key, result.cache_new[key])
                elif result.cache_dir is not None:
                    for suffix in (".parquet", ".rejects.parquet", ".json"):
                        shutil.copy2(result.cache_dir / f"{key}{suffix}", cache / f"{key}{suffix}")
        keep = out_dir / ".gitkeep"
        if keep.exists():
            (tmp / ".gitkeep").touch()
    return out_dir


def read_processed_table(path, columns=None, *, list_columns: str = "python",
                         text_columns: str = "python") -> pd.DataFrame:
    """One processed table (a Parquet file or a folder of parts).

    ``list_columns="arrow"`` keeps list columns (``cause_codes``, ``parts_sent``, ``parts_used``) as
    Arrow lists (``pd.ArrowDtype``), otherwise each cell is a numpy array; ``text_columns="arrow"``
    keeps plain text columns (ids, names) as Arrow strings instead of a Python string per cell.
    Either is read without making a Python object per cell (a million ticket ids: 0.33 s → 0.02 s);
    the pipeline's functions accept both forms.
    """
    for name, value in (("list_columns", list_columns), ("text_columns", text_columns)):
        if value not in ("python", "arrow"):
            raise ValueError(f"{name} must be 'python' or 'arrow', not {value!r}")
    if list_columns == text_columns == "python":
        return pd.read_parquet(path, columns=columns)
    import pyarrow as pa
    import pyarrow.parquet as pq

    def mapper(t):
        if list_columns == "arrow" and (pa.types.is_list(t) or pa.types.is_large_list(t)):
            return pd.ArrowDtype(t)
        if text_columns == "arrow" and (pa.types.is_string(t) or pa.types.is_large_string(t)):
            return pd.ArrowDtype(t)
        return None

    return pq.read_table(path, columns=columns).to_pandas(types_mapper=mapper)


def load_processed(processed_dir, *, list_columns: str = "python") -> dict[str, pd.DataFrame]:
    """The processed tables, as analysts and notebooks use them.

    A table is a Parquet file or a folder of Parquet parts (written by the dask engine); both read
    the same. ``list_columns``: ``"python"`` (default) gives each list cell as a Python list;
    ``"arrow"`` keeps the list columns Arrow-backed, read without a per-row conversion (about a
    second per million dispatches saved), which the service functions read directly.
    """
    processed_dir = Path(processed_dir)
    if not (processed_dir / "manifest.json").exists():
        raise PipelineError(f"{processed_dir}: no processed data (manifest.json missing); run `python -m pipeline "
                            f"clean` or `make report` first")
    out = {name: read_processed_table(processed_dir / f"{name}.parquet", list_columns=list_columns) for name in
           [*PROCESSED_COLUMNS, "rejects", "customer_names"]}
    if list_columns == "arrow":
        return out
    for name in ("dispatches",):
        for col in ("cause_codes", "parts_sent", "parts_used"):
            out[name][col] = out[name][col].map(lambda v: list(v) if v is not None else [])
    return out


def load_manifest(processed_dir) -> dict:
    return json.loads((Path(processed_dir) / "manifest.json").read_text(encoding="utf-8"))
