"""De-duplication: exact copies are counted as duplicates, same-key records resolved by their update stamp."""

from __future__ import annotations

from dataclasses import dataclass, field

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


def deduplicate(table: str, kept: pd.DataFrame, unique_files=frozenset(), distinct_files=frozenset()):
    """Drop exact duplicates (same raw content) and fold or resolve same-key records.

    Returns ``(kept, duplicates, rejects, folded)``: ``duplicates`` counts dropped copies per source
    file, ``folded`` the earlier states folded into a record per source file (:func:`find_duplicates`).
    The result does not depend on the order of the rows.
    """
    found = find_duplicates(table, kept, unique_files, distinct_files)
    return take_columns(found.ordered.copy(deep=False), found.rows), found.duplicates, found.rejects, found.folded


@dataclass
class Duplicates:
    """What :func:`find_duplicates` found: the rows in file order (with folded records' values set),
    the positions to keep, and per source file the exact copies, the folded states and the rejects."""

    ordered: pd.DataFrame
    rows: np.ndarray
    duplicates: dict[str, int]
    rejects: pd.DataFrame
    folded: dict[str, int] = field(default_factory=dict)
    state_records: dict[str, int] = field(default_factory=dict)    # per file: records seen in several states


def find_duplicates(table: str, kept: pd.DataFrame, unique_files=frozenset(), distinct_files=frozenset()) -> Duplicates:
    """Exact copies, and records that appear in several rows, in one keyed pass.

    - A row whose raw content repeats an earlier row's is an exact copy: counted in ``duplicates``.
    - Rows that share a key (KEYS; a sales line without a line number has none of its own, so only
      its exact copies are found) but differ are, by default, successive **states** of one record,
      as a ticket system's state log or an export written twice gives them. They are ordered by
      ``updated_at`` (a state log's declared update time), then the table's update stamp, then
      their place in the files (file name, row); the latest state is kept, the others are counted
      in ``folded``. A kept dispatch takes the earliest ``reported_at`` of its states (the first
      report time) and every record that had several states gets ``updates``, the number of them.
    - In files whose key is declared unique (``unique_files``: ``options.repeated_keys: reject``)
      such rows are versions of a record that should appear once: the one with the latest update
      stamp is kept (the others rejected as ``superseded``); when none is later, all are rejected
      as ``conflicting_duplicate``. Two such rows with the same cleaned content are exact copies.

    - In files whose identical lines are separate events (``distinct_files``: ``options.exact_copies:
      keep``, as CDNOW's master file, where a customer buying the same twice a day writes two equal
      lines), no row without a key of its own is an exact copy of another.

    Only the rows whose key occurs more than once (found by a hash of the key, then compared
    exactly) are looked at row by row.
    """
    kept = _in_file_order(kept)
    kept = kept.set_axis(pd.RangeIndex(len(kept)), axis=0, copy=False)     # reset_index would copy it all
    raw_hash = kept["_raw_hash"].to_numpy()
    keys = list(KEYS[table]) if all(k in kept for k in KEYS[table]) else []
    keyless = np.zeros(len(kept), dtype=bool) if keys else np.ones(len(kept), dtype=bool)
    for k in keys:
        keyless |= kept[k].isna().to_numpy()
    if distinct_files:
        distinct = keyless & kept["source_file"].astype(str).isin(distinct_files).to_numpy()
        if distinct.any():     # each such row its own content: hashed from its place (file, row)
            place = pd.util.hash_pandas_object(kept.loc[distinct, ["source_file", "source_row"]].astype(str),
                                               index=False).to_numpy()
            raw_hash = raw_hash.copy()
            raw_hash[distinct] = place
    rejects, folded, state_records = [], {}, {}
    if not keys:
        alive = ~pd.Series(raw_hash).duplicated(keep="first").to_numpy()
        dropped = ~alive
        return Duplicates(kept, np.flatnonzero(alive), _per_file(kept, dropped),
                          pd.DataFrame(rejects, columns=REJECT_COLUMNS))
    key_hash = kept["_key_hash"].to_numpy() if "_key_hash" in kept else \
        pd.util.hash_pandas_object(kept[keys], index=False).to_numpy()
    if keyless.any():      # (a line without a line number): only its exact copies are its duplicates
        key_hash = np.where(keyless, raw_hash, key_hash)
    # Rows of the same raw content have the same key, so exact copies are among the rows whose key
    # hash repeats: one pass over all the hashes instead of two (a second each at ten million)
    repeated = np.flatnonzero(pd.Series(key_hash).duplicated(keep=False).to_numpy())
    alive = np.ones(len(kept), dtype=bool)
    alive[repeated[pd.Series(raw_hash[repeated]).duplicated(keep="first").to_numpy()]] = False
    # a key hash shared by two living keyed rows makes them candidates; the rest have a unique key
    living = repeated[alive[repeated] & ~keyless[repeated]]
    shared = pd.Series(key_hash[living]).duplicated(keep=False).to_numpy()
    candidates = kept.iloc[living[shared]]
    unique = candidates["source_file"].astype(str).isin(unique_files).to_numpy() if unique_files else \
        np.zeros(len(candidates), dtype=bool)
    if unique.any():
        # a record with a row in a file whose key is declared unique is judged as a unique key
        in_unique = pd.Series(unique, index=candidates.index).groupby(
            [candidates[k] for k in keys], dropna=False, observed=True).transform("any").to_numpy()
    else:
        in_unique = unique
    superseded = np.zeros(len(kept), dtype=bool)
    if in_unique.any():
        _resolve_unique(table, keys, candidates[in_unique], alive, superseded, rejects)
    states = candidates[~in_unique]
    states = states[states.duplicated(keys, keep=False)]
    # superseded and conflicting rows are rejects, folded states are counted apart: neither is a duplicate
    not_copies = superseded
    if len(states):
        kept, losers = _fold_states(table, keys, kept, states, alive, folded, state_records)
        not_copies = superseded.copy()
        not_copies[losers] = True
    counts = _per_file(kept, ~alive & ~not_copies)
    return Duplicates(kept, np.flatnonzero(alive), counts, pd.DataFrame(rejects, columns=REJECT_COLUMNS),
                      folded, state_records)


def _per_file(kept: pd.DataFrame, mask: np.ndarray) -> dict[str, int]:
    counts = kept["source_file"][mask].value_counts(sort=False)
    return {str(k): int(v) for k, v in counts.items() if v}


def _resolve_unique(table, keys, candidates, alive, superseded, rejects) -> None:
    """Versions of records whose key is declared unique: the same cleaned content is a copy; else the
    latest update stamp wins (``superseded``) or, with none later, all are ``conflicting_duplicate``."""
    candidates = candidates.assign(_content=_content_hash(candidates))
    same = candidates.duplicated(keys + ["_content"], keep="first")
    alive[candidates.index[same.to_numpy()]] = False
    groups = candidates[~same]
    groups = groups[groups.duplicated(keys, keep=False)]
    if not len(groups):
        return
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
    superseded[lose.index.to_numpy()] = True


def _fold_states(table, keys, kept, states, alive, folded, state_records):
    """Fold each record's states into its latest (see :func:`find_duplicates`); returns ``(kept, the
    positions of the folded states)``, ``kept`` with the kept states' ``reported_at`` and ``updates`` set."""
    order = pd.DataFrame({k: states[k] for k in keys})
    if "updated_at" in states:
        order["_updated"] = states["updated_at"]
    stamp_cols = [c for c in UPDATE_STAMP.get(table, []) if c in states]
    if stamp_cols:
        order["_stamp"] = states[stamp_cols].max(axis=1)
    # rows are in file order already (source_file, source_row): the position breaks the last ties
    order["_pos"] = states.index.to_numpy()
    by = [c for c in ("_updated", "_stamp", "_pos") if c in order]
    order = order.sort_values(by, kind="stable", na_position="first")
    grouped = order.groupby(keys, dropna=False, observed=True, sort=False)
    latest = grouped["_pos"].transform("last")
    losers = order.index[order["_pos"].to_numpy() != latest.to_numpy()]
    winners = grouped["_pos"].last().to_numpy()
    n_states = grouped["_pos"].size().to_numpy()
    alive[losers.to_numpy()] = False
    for name, n in kept["source_file"].iloc[losers.to_numpy()].value_counts(sort=False).items():
        if n:
            folded[str(name)] = folded.get(str(name), 0) + int(n)
    for name, n in kept["source_file"].iloc[winners].value_counts(sort=False).items():
        if n:
            state_records[str(name)] = state_records.get(str(name), 0) + int(n)
    kept = kept.copy(deep=False)
    if table == "dispatches" and "reported_at" in kept:
        first_report = states["reported_at"].groupby([states[k] for k in keys], dropna=False, observed=True,
                                                     sort=False).min()
        winner_keys = pd.MultiIndex.from_frame(kept.iloc[winners][keys]) if len(keys) > 1 else \
            pd.Index(kept.iloc[winners][keys[0]])
        reported = kept["reported_at"].to_numpy(copy=True)
        reported[winners] = first_report.reindex(winner_keys).to_numpy()
        kept["reported_at"] = reported
    updates = np.ones(len(kept), dtype=np.int64)
    updates[winners] = n_states
    kept["updates"] = pd.array(updates, dtype="Int64")
    return kept, losers.to_numpy()
