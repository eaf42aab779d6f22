"""The per-file task: read one raw file and clean its rows, in this process (reading the next large file
ahead on a thread), in a child process for a large file only the slow readers can read, or on a Dask
worker."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from pipeline.clean.cache import load_part, write_part
from pipeline.clean.rows import clean_rows
from pipeline.clean.taxonomy import load_taxonomy
from pipeline.errors import InputError, PipelineError
from pipeline.ingest.read import RawTable, read_raw
from pipeline.runtime.memory import release_freed_memory


def read_and_clean(job, *, run_date, taxonomy, raw: RawTable | None = None, arrow: bool = True):
    """One raw file → ``(kept, rejects, meta)``: the per-partition task (in this process or on a Dask
    worker). ``raw``: the file already read; ``arrow=False``: the Arrow reader has declined it."""
    source, file_sha = job
    if raw is None:
        raw = read_raw(source.path, source.name, source.table, source.options, declared_columns(source),
                       arrow=arrow)
    if source.path.stat().st_size >= RELEASE_BYTES:
        release_freed_memory()       # the parse's buffers, before cleaning makes its own (2M lines: −0.5 GB)
    kept, rej = clean_rows(source, raw, run_date=run_date, taxonomy=taxonomy)
    meta = {"path": source.name, "table": source.table, "sha256": file_sha,
            "encoding": raw.encoding, "rows_read": raw.rows_read,
            "columns": raw.header_map, "warnings": list(raw.warnings),
            **({"events_read": raw.events_read} if raw.events_read is not None else {})}
    return kept, rej, meta


def declared_columns(source) -> dict[str, str]:
    """The canonical → header map sources.yml declares for ``source``, with a state log's update-time
    column (``options.state_log.updated``) as ``updated_at``. (The options were checked on loading.)"""
    log = source.options.get("state_log")
    return {**source.columns, "updated_at": str(log["updated"])} if log else source.columns


# Files at least this large have the memory their reading freed returned before they are cleaned.
RELEASE_BYTES = 16 * 2**20


def read_and_clean_on_worker(job, *, run_date, taxonomy):
    """The dask engine's task: :func:`read_and_clean`, then the worker's freed heap returned to the
    system (a worker that has parsed a 2M-line file otherwise stays at its peak, 1.5 GB or more)."""
    result = read_and_clean(job, run_date=run_date, taxonomy=taxonomy)
    release_freed_memory()
    return result


# A raw file at least this large that the Arrow reader cannot take (a workbook, a CSV with blank
# lines or broken quoting) is read and cleaned in a fresh process that ends with it (pandas engine).
# The csv module and openpyxl make a Python object of every cell, and the kept values end up
# scattered among their freed memory, which stays with the process: 2M lines left 2.7 GB held
# after cleaning where the kept tables need 0.8 GB; in a child, 0.9 GB. Arrow keeps cells in its
# own buffers and gives them back, so its files are cleaned here (isolating them cost 40% of the
# 10M-line benchmark's time and saved nothing). Below the size a process start costs more than it saves.
ISOLATE_BYTES = 64 * 2**20


def _read_fast(job) -> RawTable | None:
    """``job``'s file by the Arrow reader, or None where only the slow readers can read it."""
    source = job[0]
    return read_raw(source.path, source.name, source.table, source.options, declared_columns(source), slow=False)


class ReadAhead:
    """Reads the next large file with the fast reader on a thread while this one is cleaned (pandas
    engine). Arrow parses, and numpy counts the lines, without holding the GIL, so reading file k + 1
    overlaps the Python work of cleaning file k; at most one file is read ahead. A file's read error
    is raised when its turn comes, as it would have been without reading ahead."""

    def __init__(self, jobs: list):
        self._large = [j for j in jobs if j[0].path.stat().st_size >= ISOLATE_BYTES]
        self._next = {id(a): b for a, b in zip(self._large, self._large[1:])}
        self._pending: dict = {}          # id(job) → future of its fast read
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aftercare-read-ahead")

    def read(self, job):
        """``job``'s file by the fast reader (None: it declines the file), then the next one begun."""
        future = self._pending.pop(id(job), None)
        raw = future.result() if future is not None else _read_fast(job)
        following = self._next.get(id(job))
        if following is not None:
            self._pending[id(following)] = self._pool.submit(_read_fast, following)
        return raw

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


def read_and_clean_here(job, *, run_date, taxonomy, taxonomy_files, ahead: ReadAhead | None = None):
    """The pandas engine's task: :func:`read_and_clean`, in a fresh process for a large file that
    only the slow readers can read. ``ahead``: large files are read one ahead on a thread."""
    source, _sha = job
    if source.path.stat().st_size >= ISOLATE_BYTES:
        raw = ahead.read(job) if ahead is not None else _read_fast(job)
        if raw is not None:
            result = read_and_clean(job, run_date=run_date, taxonomy=taxonomy, raw=raw)
            del raw
            release_freed_memory()    # the parse's garbage, before the next file adds its own
            return result
        try:
            json.dumps([source.columns, source.options])
        except (TypeError, ValueError):
            pass                 # settings that do not travel as JSON: cleaned here, as a small file is
        else:
            return read_and_clean_isolated(job, run_date=run_date, taxonomy_files=taxonomy_files)
    return read_and_clean(job, run_date=run_date, taxonomy=taxonomy)


def read_and_clean_isolated(job, *, run_date, taxonomy_files):
    """:func:`read_and_clean` in a child interpreter. The task goes as JSON, the result comes back
    as a cache entry (Parquet + JSON) in a private temporary folder: no pickles. A plain subprocess,
    not multiprocessing: spawning would re-run an analyst's unguarded script, forking would copy the
    tables cleaned so far."""
    import subprocess
    import sys
    import tempfile

    source, file_sha = job
    task = {"source": {"path": str(source.path), "name": source.name, "table": source.table,
                       "columns": source.columns, "options": source.options},
            "sha256": file_sha, "run_date": str(pd.Timestamp(run_date).date()),
            "taxonomy": [str(p) for p in taxonomy_files]}
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH"))
                                                       if p)}
    with tempfile.TemporaryDirectory(prefix="aftercare-clean-") as tmp:     # mode 0700: ours alone
        folder = Path(tmp)
        (folder / "task.json").write_text(json.dumps(task, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", "import sys; from pipeline.clean.tasks import run_isolated_task; "
                               "run_isolated_task(sys.argv[1])", str(folder)],
                              capture_output=True, text=True, env=env, check=False)
        error = folder / "error.json"
        if error.exists():
            e = json.loads(error.read_text(encoding="utf-8"))
            if e["input_error"]:
                raise InputError(e["message"], file=e["file"], row=e["row"], column=e["column"])
            raise PipelineError(e["message"])
        entry = load_part(folder, "part")
        if entry is None:
            raise PipelineError(f"{source.name}: the process cleaning this file ended without a result "
                                f"(exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    return entry


def run_isolated_task(folder: str) -> None:
    """The child's side of :func:`read_and_clean_isolated`: writes the part, or ``error.json``."""
    from pipeline.ingest.sources import Source

    folder = Path(folder)
    task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    src = task["source"]
    source = Source(path=Path(src["path"]), name=src["name"], table=src["table"], columns=src["columns"],
                    options=src["options"])
    taxonomy = load_taxonomy(*task["taxonomy"])
    try:
        # the parent sends a file here only when the Arrow reader has declined it
        entry = read_and_clean((source, task["sha256"]), run_date=pd.Timestamp(task["run_date"]),
                                taxonomy=taxonomy, arrow=False)
    except InputError as e:             # raised again in the parent, with its file, row and column
        out = {"input_error": True, "message": e.detail, "file": e.file, "row": e.row, "column": e.column}
    except PipelineError as e:
        out = {"input_error": False, "message": str(e)}
    else:
        write_part(folder, "part", entry)
        return
    (folder / "error.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
