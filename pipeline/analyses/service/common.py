"""Helpers the service analyses share: list columns as long tables, groups and their labels, totals.

List columns (``cause_codes``, ``parts_sent``, ``parts_used``) are exploded to long (row, item) tables
through Arrow's list kernels, never by looping over rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.period import month_labels
from pipeline.analyses.stats import rate_table

UNMAPPED = "UNMAPPED"
# The group of rows without a value in a grouping column.
UNKNOWN_GROUP = "(unknown)"


# --------------------------------------------------------------------------- helpers
def by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def with_month(d: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if "month" in by and "month" not in d:
        d = d.assign(month=month_labels(d["reported_at"]))
    return d


def long_items(d: pd.DataFrame, col: str, name: str) -> pd.DataFrame:
    """(row, item) pairs of a list column; ``row`` is the dispatch's position; repeats dropped.

    Items keep their order within a cell (the first cause is the primary one)."""
    rows, codes, items = long_codes(d, col)
    return pd.DataFrame({"row": rows, name: items[codes]})


_LIST_CELLS = {list, np.ndarray, type(None), float}     # float: NaN, a missing cell (else Arrow refuses it)


def long_codes(d: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A list column as ``(rows, codes, items)``: the item of pair i is ``items[codes[i]]`` (text),
    in row order and, within a cell, in written order, each item once per cell.

    Through Arrow's list kernels when every cell is a list (or missing): ``Series.explode`` on a
    million cells costs seconds, flattening the Arrow list array milliseconds. Any other cell (a
    bare string, a number) takes the general path."""
    column = d[col]
    if isinstance(column.dtype, pd.ArrowDtype) and _is_arrow_list(column.dtype.pyarrow_dtype):
        # already Arrow lists (load_processed(list_columns="arrow")): flattened without a conversion
        import pyarrow as pa

        arr = pa.array(column.array)                 # through __arrow_array__: no copy of the cells
        return _flattened(arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr)
    values = column.to_numpy(dtype=object)
    if set(map(type, values)) <= _LIST_CELLS:
        import pyarrow as pa

        try:
            arr = pa.array(values, type=pa.large_list(pa.large_string()), from_pandas=True)  # one chunk
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = None
        if arr is not None:
            return _flattened(arr)
    s = pd.Series(values, dtype=object)
    e = s.where(s.notna(), None).explode().dropna()
    codes, items = pd.factorize(e.astype(str).to_numpy())
    return _first_per_cell(e.index.to_numpy(dtype="int64"), codes.astype("int64"), np.asarray(items, dtype=object))


def _is_arrow_list(t) -> bool:
    import pyarrow as pa

    return pa.types.is_list(t) or pa.types.is_large_list(t)


def _flattened(arr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`long_codes` of an Arrow list array (one chunk)."""
    import pyarrow.compute as pc

    flat = pc.list_flatten(arr)
    rows = pc.list_parent_indices(arr).to_numpy().astype("int64")
    encoded = pc.dictionary_encode(flat)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    valid = flat.is_valid().to_numpy(zero_copy_only=False)
    items = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    return _first_per_cell(rows[valid], codes[valid].astype("int64"), items)


def _first_per_cell(rows: np.ndarray, codes: np.ndarray, items: np.ndarray):
    """Drop an item repeated within one cell (keeping its first place); only cells of two or more
    items are checked, which in dispatch data is a small share."""
    starts = np.r_[True, rows[1:] != rows[:-1]]
    single = starts & np.r_[rows[1:] != rows[:-1], True]
    keep = np.ones(len(rows), dtype=bool)
    multi = np.flatnonzero(~single)
    if len(multi):
        key = rows[multi] * (len(items) + 1) + codes[multi]
        keep[multi] = ~pd.Series(key).duplicated().to_numpy()
    return rows[keep], codes[keep], items


def row_flag(n: int, rows) -> np.ndarray:
    flag = np.zeros(n, dtype=bool)
    flag[np.asarray(rows, dtype="int64")] = True
    return flag


def default_cause_parts() -> dict[str, list[str]]:
    from pipeline.clean.taxonomy import load_taxonomy

    return dict(load_taxonomy().cause_parts)


def group_label(frame: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    if len(by) == 1:
        return frame[by[0]].astype("string").fillna(UNKNOWN_GROUP)
    parts = [frame[c].astype("string").fillna(UNKNOWN_GROUP) for c in by]
    label = parts[0]
    for p in parts[1:]:
        label = label + " / " + p
    return label


def predicted_hit(d: pd.DataFrame, first_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(eligible, correct) per row: eligible when a prediction and at least one cause are known;
    correct when the predicted cause is among the actual causes (``first_only``: is the first one)."""
    n = len(d)
    causes = long_items(d, "cause_codes", "cause")
    if first_only:
        causes = causes.drop_duplicates("row", keep="first")
    pred = d["predicted_cause_code"].reset_index(drop=True)
    has_pred = pred.notna().to_numpy() & (pred.astype("string").str.len() > 0).fillna(False).to_numpy()
    has_cause = row_flag(n, causes["row"].unique())
    match = causes["cause"].to_numpy() == pred.to_numpy()[causes["row"].to_numpy()]
    correct = row_flag(n, causes.loc[match, "row"])
    eligible = has_pred & has_cause
    return eligible, correct & eligible


def with_total(out: pd.DataFrame, f: pd.DataFrame, *, count: str, hits: str, rate: str, confidence: float,
                always: bool) -> pd.DataFrame:
    """Append the ``group="all"`` row (zero counts, NaN rate when nothing is decided)."""

    if always:
        tot = rate_table(f.assign(group="all"), ["group"], "flag", count=count, hits=hits, rate=rate,
                          confidence=confidence)
        out = pd.concat([out, tot], ignore_index=True) if len(out) else tot
    if not (out["group"] == "all").any():
        empty = pd.DataFrame({"group": ["all"], count: [0], hits: [0], rate: [np.nan], "ci_low": [np.nan],
                              "ci_high": [np.nan]})
        out = pd.concat([out, empty], ignore_index=True) if len(out) else empty
    out[count] = out[count].astype("int64")
    out[hits] = out[hits].astype("int64")
    return out


def first_cause(d: pd.DataFrame) -> pd.Series:
    """The first cause named per row (positional index), None when none."""
    e = d["cause_codes"].reset_index(drop=True)
    e = e.where(e.notna(), None).explode()
    first = e[~e.index.duplicated(keep="first")]
    return first.where(first.notna(), None).reindex(range(len(d)))


def covered_rows(need: pd.DataFrame, kit: pd.DataFrame, n: int) -> np.ndarray:
    """Per row: every needed (row, part) pair is present in ``kit`` (row, part) pairs."""
    m = need.merge(kit[["row", "part"]].drop_duplicates(), on=["row", "part"], how="left", indicator=True)
    missing = m.loc[m["_merge"] == "left_only", "row"].unique()
    return ~row_flag(n, missing)


def group_codes(d: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Each row's group number and the groups' key values, as ``d.groupby(keys, dropna=False,
    observed=True, sort=True)`` numbers them; one key is factorized directly (a groupby builds
    more than a count needs)."""
    if len(keys) == 1:
        values = d[keys[0]]
        codes, uniques = pd.factorize(values, sort=True, use_na_sentinel=True)
        missing = codes < 0
        if missing.any():             # dropna=False: the missing key is a group of its own, the last
            codes = np.where(missing, len(uniques), codes)
            uniques = pd.Index(uniques).insert(len(uniques), None)
        return codes.astype("int64"), pd.DataFrame({keys[0]: pd.Index(uniques)})
    grouped = d.groupby(keys, dropna=False, observed=True, sort=True)
    return grouped.ngroup().to_numpy(), grouped.size().index.to_frame(index=False)
