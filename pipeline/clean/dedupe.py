"""De-duplication: exact copies are counted as duplicates, same-key records resolved by their update stamp."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.columns import (
    distinct_text,
)
from pipeline.contract import KEYS, LIST_COLUMNS, REJECT_COLUMNS, REJECT_REASONS, UPDATE_STAMP
from pipeline.runtime.frames import take_columns
from pipeline.runtime.text import normalise_key, normalise_text


def _content_hash(frame: pd.DataFrame) -> np.ndarray:
    # service_level_text is the level as written: two spellings of one level are the same content
    cols = [c for c in frame.columns
            if c not in ("source_file", "source_row", "_raw_hash", "_key_hash", "service_level_text")]
    part = frame[cols].copy()
    for c in cols:   # lists (cause codes, parts) are not hashable: join them; the rest hashes as it is
        if c in LIST_COLUMNS or (part[c].dtype == object and part[c].map(type).eq(list).any()):
            part[c] = part[c].map(lambda v: "\x1f".join(v) if isinstance(v, list) else v)
    try:
        return pd.util.hash_pandas_object(part, index=False).values
    except TypeError:
        return pd.util.hash_pandas_object(part.astype(str), index=False).values


# How each key column of KEYS is made from the raw text: (raw column, normaliser, empty → None).
# Must match the cleaners above (ticket_id = key_categorical(...), line_no = present_categorical(...)); the hash built
# from it only has to give equal keys equal hashes, and de-duplication compares the keys themselves.
KEY_SOURCES = {"dispatches": [("ticket_id", normalise_key, False)],
               "sales": [("order_id", normalise_key, False), ("line_no", normalise_text, True)],
               "contracts": [("contract_id", normalise_key, False)], "customers": []}


def key_hash(frame: pd.DataFrame, table: str) -> np.ndarray:
    """A 64-bit hash of each raw row's key (KEYS), hashed once per distinct value: hashing the
    cleaned key columns of ten million rows later would cost seconds."""
    out = np.zeros(len(frame), dtype=np.uint64)
    for column, normalise, empty_is_none in KEY_SOURCES[table]:
        codes, mapped = distinct_text(frame, column, normalise)
        if empty_is_none:
            mapped = np.where(mapped == "", None, mapped)
        hashed = pd.util.hash_array(mapped.astype(object), categorize=False)
        out = out * np.uint64(1_000_003) ^ hashed[codes]
    return out


def _in_file_order(kept: pd.DataFrame) -> pd.DataFrame:
    """The rows in (source_file, source_row) order; most runs give them so already, and the check
    costs far less than reordering every column of ten million rows."""
    files = kept["source_file"]
    codes = files.cat.codes.to_numpy() if isinstance(files.dtype, pd.CategoricalDtype) else \
        pd.factorize(files.to_numpy(dtype=object), sort=True)[0]
    rows = kept["source_row"].to_numpy(dtype=np.int64)
    key = codes.astype(np.int64) * (int(rows.max(initial=0)) + 1) + rows
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return kept
    return kept.take(np.argsort(key, kind="stable"))


def deduplicate(table: str, kept: pd.DataFrame):
    """Drop exact duplicates (same raw content) and same-key records.

    Returns ``(kept, duplicates, rejects)``: ``duplicates`` counts dropped copies per source file; a
    key seen with different content keeps the version with the latest update stamp (the other
    copies rejected as ``superseded``) or, when no version is later, rejects all copies as
    ``conflicting_duplicate``. The result does not depend on the order of the rows.

    Only the rows whose key occurs more than once (found by a hash of the key, then compared
    exactly) are looked at row by row; the table is copied once, at the end.
    """
    ordered, rows, counts, rejects = find_duplicates(table, kept)
    return take_columns(ordered.copy(deep=False), rows), counts, rejects


def find_duplicates(table: str, kept: pd.DataFrame):
    """:func:`deduplicate` up to the copy: ``(the rows in file order, positions to keep, duplicates
    per file, rejects)``."""
    kept = _in_file_order(kept)
    kept = kept.set_axis(pd.RangeIndex(len(kept)), axis=0, copy=False)     # reset_index would copy it all
    raw_hash = kept["_raw_hash"].to_numpy()
    keys = [k for k in KEYS[table] if k in kept and kept[k].notna().any()]
    if table == "sales" and "line_no" not in keys:
        keys = []   # without line numbers an invoice's lines share its id: only exact copies are duplicates
    rejects = []
    if keys:
        key_hash = kept["_key_hash"].to_numpy() if keys == KEYS[table] and "_key_hash" in kept else \
            pd.util.hash_pandas_object(kept[keys], index=False).to_numpy()
        # Rows of the same raw content have the same key, so exact copies are among the rows whose key
        # hash repeats: one pass over all the hashes instead of two (a second each at ten million)
        repeated = np.flatnonzero(pd.Series(key_hash).duplicated(keep=False).to_numpy())
        alive = np.ones(len(kept), dtype=bool)
        alive[repeated[pd.Series(raw_hash[repeated]).duplicated(keep="first").to_numpy()]] = False
        # a key hash shared by two living rows makes them candidates; the rest have a unique key
        living = repeated[alive[repeated]]
        shared = pd.Series(key_hash[living]).duplicated(keep=False).to_numpy()
        candidates = kept.iloc[living[shared]]
        candidates = candidates.assign(_content=_content_hash(candidates))
        same = candidates.duplicated(keys + ["_content"], keep="first")
        alive[candidates.index[same.to_numpy()]] = False
        groups = candidates[~same]
        groups = groups[groups.duplicated(keys, keep=False)]
        if len(groups):
            stamp_cols = [c for c in UPDATE_STAMP.get(table, []) if c in groups]
            stamp = groups[stamp_cols].max(axis=1) if stamp_cols else pd.Series(pd.NaT, index=groups.index)
            groups = groups.assign(_stamp=stamp)
            latest = groups.groupby(keys, dropna=False, observed=True)["_stamp"].transform("max")
            n_latest = groups.assign(_is=groups["_stamp"] == latest).groupby(
                keys, dropna=False, observed=True)["_is"].transform("sum")
            winner = (groups["_stamp"] == latest) & (n_latest == 1)
            has_winner = winner.groupby([groups[k] for k in keys], dropna=False, observed=True).transform("any")
            lose = groups[~winner]
            for row in lose.itertuples():
                code = "superseded" if has_winner[row.Index] else "conflicting_duplicate"
                rejects.append({"table": table, "source_file": row.source_file, "source_row": row.source_row,
                                "reason_code": code,
                                "reason": f"{'/'.join(keys)} {'/'.join(str(getattr(row, k)) for k in keys)!r}: "
                                          f"{REJECT_REASONS[code]}", "raw": ""})
            alive[lose.index.to_numpy()] = False
            # rejected, not duplicates: counted in the rejects, so out of the duplicate count below
            superseded = np.zeros(len(kept), dtype=bool)
            superseded[lose.index.to_numpy()] = True
        else:
            superseded = None
    else:
        alive = ~pd.Series(raw_hash).duplicated(keep="first").to_numpy()
        superseded = None
    dropped = ~alive if superseded is None else ~alive & ~superseded
    counts = kept["source_file"][dropped].value_counts(sort=False)
    counts = {str(k): int(v) for k, v in counts.items() if v}
    return kept, np.flatnonzero(alive), counts, pd.DataFrame(rejects, columns=REJECT_COLUMNS)
