"""Service analysis of dispatches (DOMAIN.md: dispatch workflow, fault analysis, ch. 4 §3 and §5).

Input is the processed ``dispatches`` table (CONTRACT.md, "Processed output"). Every function is
pure (DataFrame in, DataFrame out) and vectorised: list columns (``cause_codes``, ``parts_sent``,
``parts_used``) are handled by exploding them to long (row, item) tables, never by looping over
rows. Rates are fractions 0–1; durations are hours; intervals are 95% unless ``confidence`` says
otherwise (Wilson score intervals for proportions, see :func:`pipeline.stats.wilson_interval`).

Conventions used throughout:

- A dispatch's **actual causes** are its ``cause_codes`` (a cell may name two causes); a dispatch
  with no cause code has an unknown cause and is left out of cause statistics.
- A dispatch's **needed parts** (:func:`needed_parts_long`) are its ``parts_used`` when that list
  is non-empty; otherwise they are derived from its causes through ``cause_parts`` (default: the
  ``cause_parts`` table of ``taxonomy.yml``), e.g. ``DISK_LOGICAL`` needs no part. When neither
  gives an answer (no parts used recorded and no cause, or a cause the mapping does not know) the
  need is unknown and the dispatch is left out of parts statistics. (After cleaning, a missing
  ``parts_used`` and an empty one both arrive as ``[]``, so the two cannot be told apart.)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyses.period import month_labels
from pipeline.analyses.stats import wilson_interval

__all__ = [
    "first_time_fix", "second_visit_reasons", "needed_parts_long", "needed_parts",
    "repair_durations", "kaplan_meier", "repair_time_km", "repair_time_summary",
    "cause_given_symptom", "diagnosis_checklist", "parts_kit",
    "cag_accuracy", "cag_confusion", "cag_misses_by_symptom", "workload", "engineer_league",
]

UNMAPPED = "UNMAPPED"


# --------------------------------------------------------------------------- helpers
def _by_list(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _with_month(d: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if "month" in by and "month" not in d:
        d = d.assign(month=month_labels(d["reported_at"]))
    return d


def _long(d: pd.DataFrame, col: str, name: str) -> pd.DataFrame:
    """(row, item) pairs of a list column; ``row`` is the dispatch's position; repeats dropped.

    Items keep their order within a cell (the first cause is the primary one)."""
    rows, codes, items = _long_codes(d, col)
    return pd.DataFrame({"row": rows, name: items[codes]})


_LIST_CELLS = {list, np.ndarray, type(None), float}     # float: NaN, a missing cell (else Arrow refuses it)


def _long_codes(d: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
    """:func:`_long_codes` of an Arrow list array (one chunk)."""
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


def _row_flag(n: int, rows) -> np.ndarray:
    flag = np.zeros(n, dtype=bool)
    flag[np.asarray(rows, dtype="int64")] = True
    return flag


def _default_cause_parts() -> dict[str, list[str]]:
    from pipeline.clean.taxonomy import load_taxonomy

    return dict(load_taxonomy().cause_parts)


def _group_label(frame: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    if len(by) == 1:
        return frame[by[0]].astype("string").fillna("(unknown)")
    parts = [frame[c].astype("string").fillna("(unknown)") for c in by]
    label = parts[0]
    for p in parts[1:]:
        label = label + " / " + p
    return label


def _predicted_hit(d: pd.DataFrame, first_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(eligible, correct) per row: eligible when a prediction and at least one cause are known;
    correct when the predicted cause is among the actual causes (``first_only``: is the first one)."""
    n = len(d)
    causes = _long(d, "cause_codes", "cause")
    if first_only:
        causes = causes.drop_duplicates("row", keep="first")
    pred = d["predicted_cause_code"].reset_index(drop=True)
    has_pred = pred.notna().to_numpy() & (pred.astype("string").str.len() > 0).fillna(False).to_numpy()
    has_cause = _row_flag(n, causes["row"].unique())
    match = causes["cause"].to_numpy() == pred.to_numpy()[causes["row"].to_numpy()]
    correct = _row_flag(n, causes.loc[match, "row"])
    eligible = has_pred & has_cause
    return eligible, correct & eligible


def _with_total(out: pd.DataFrame, f: pd.DataFrame, *, count: str, hits: str, rate: str, confidence: float,
                always: bool) -> pd.DataFrame:
    """Append the ``group="all"`` row (zero counts, NaN rate when nothing is decided)."""
    from pipeline.analyses.service.sla import _rate_table

    if always:
        tot = _rate_table(f.assign(group="all"), ["group"], "flag", count=count, hits=hits, rate=rate,
                          confidence=confidence)
        out = pd.concat([out, tot], ignore_index=True) if len(out) else tot
    if not (out["group"] == "all").any():
        empty = pd.DataFrame({"group": ["all"], count: [0], hits: [0], rate: [np.nan], "ci_low": [np.nan],
                              "ci_high": [np.nan]})
        out = pd.concat([out, empty], ignore_index=True) if len(out) else empty
    out[count] = out[count].astype("int64")
    out[hits] = out[hits].astype("int64")
    return out


def _first_cause(d: pd.DataFrame) -> pd.Series:
    """The first cause named per row (positional index), None when none."""
    e = d["cause_codes"].reset_index(drop=True)
    e = e.where(e.notna(), None).explode()
    first = e[~e.index.duplicated(keep="first")]
    return first.where(first.notna(), None).reindex(range(len(d)))


# --------------------------------------------------------------------------- first-time fix
def first_time_fix(dispatches: pd.DataFrame, by: str | Sequence[str] | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """First-time-fix rate: the share of dispatches fixed in one visit (``first_time_fix.csv``).

    A dispatch counts when its ``first_time_fix`` flag is known (``visits`` recorded); a fix is
    ``visits == 1``. Columns: ``group`` (the value of ``by``; several ``by`` columns are joined with
    " / " and also kept as columns; ``"all"`` for the whole table, always the last row),
    ``dispatches``, ``first_time_fixes``, ``rate`` (0–1), ``ci_low``, ``ci_high`` (Wilson).
    ``by="month"`` uses the report month.
    """
    by = _by_list(by)
    d = _with_month(dispatches, by)
    flag = d["first_time_fix"] if "first_time_fix" in d else (d["visits"] == 1)
    f = pd.DataFrame({"flag": flag.astype("boolean")}, index=d.index)
    f["group"] = _group_label(d, by) if by else "all"
    for c in by:
        f[c] = d[c]
    cols = ["group", *by] if by else ["group"]
    from pipeline.analyses.service.sla import _rate_table

    out = _rate_table(f, cols, "flag", count="dispatches", hits="first_time_fixes", rate="rate",
                      confidence=confidence)
    return _with_total(out, f, count="dispatches", hits="first_time_fixes", rate="rate", confidence=confidence,
                       always=bool(by))


def second_visit_reasons(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                         ) -> pd.DataFrame:
    """Why a repeat-visit dispatch (``visits`` ≥ 2) needed more than one visit.

    ``reason`` is, in this order of precedence:

    - ``wrong_diagnosis``: CAG's ``predicted_cause_code`` is known and is not among the actual
      ``cause_codes`` (which must be known);
    - ``part_not_available``: the diagnosis was right but the needed parts (see
      :func:`needed_parts_long`) were not all in ``parts_sent``;
    - ``other``: everything else, including no prediction, unknown causes, or a right diagnosis
      with the right parts (engineer experience, customer availability, …).

    One row per repeat-visit dispatch: ``ticket_id``, ``symptom_code``, ``engineer``, ``visits``,
    ``predicted_cause_code``, ``reason``; index of the input kept.
    """
    d = dispatches
    n = len(d)
    repeat = (pd.to_numeric(d["visits"], errors="coerce") >= 2).fillna(False).to_numpy(dtype=bool)
    eligible, correct = _predicted_hit(d)
    need, known = needed_parts_long(d, cause_parts=cause_parts)
    sent = _long(d, "parts_sent", "part")
    covered = _covered(need, sent, n)
    reason = np.where(eligible & ~correct, "wrong_diagnosis",
                      np.where(correct & known & ~covered, "part_not_available", "other"))
    cols = [c for c in ("ticket_id", "symptom_code", "engineer", "visits", "predicted_cause_code") if c in d]
    out = d.loc[repeat, cols].copy()
    out["reason"] = reason[repeat]
    return out


# --------------------------------------------------------------------------- parts
def needed_parts_long(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """The parts each dispatch needed, as long (``row``, ``part``) pairs, and a per-row ``known`` flag.

    ``row`` is the dispatch's position (0..n-1). Need = ``parts_used`` when non-empty, else the
    union of ``cause_parts[c]`` over the dispatch's causes (``cause_parts=None``: the mapping in
    ``taxonomy.yml``). Unknown (``known`` False) when ``parts_used`` is empty and there is no cause
    or a cause the mapping lacks. A known need may be empty (no part needed).
    """
    d = dispatches
    n = len(d)
    cause_parts = _default_cause_parts() if cause_parts is None else cause_parts
    used = _long(d, "parts_used", "part") if "parts_used" in d else pd.DataFrame({"row": [], "part": []})
    has_used = _row_flag(n, used["row"].unique())

    causes = _long(d, "cause_codes", "cause")
    causes = causes[~has_used[causes["row"].to_numpy()]]
    mapping = pd.DataFrame([(c, p) for c, parts in cause_parts.items() for p in (list(parts) or [None])],
                           columns=["cause", "part"])
    joined = causes.merge(mapping, on="cause", how="left", indicator=True)
    unknown_cause_rows = joined.loc[joined["_merge"] == "left_only", "row"].unique()
    derived_known = _row_flag(n, causes["row"].unique()) & ~_row_flag(n, unknown_cause_rows)
    derived = joined.loc[derived_known[joined["row"].to_numpy()] & joined["part"].notna(), ["row", "part"]]
    need = pd.concat([used, derived], ignore_index=True).drop_duplicates(ignore_index=True)
    need["row"] = need["row"].astype("int64")
    return need, has_used | derived_known


def needed_parts(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                 ) -> pd.Series:
    """Per dispatch, the sorted list of parts needed (see :func:`needed_parts_long`); None when unknown."""
    need, known = needed_parts_long(dispatches, cause_parts=cause_parts)
    lists = need.sort_values(["row", "part"]).groupby("row")["part"].agg(list)
    out = pd.Series([[] for _ in range(len(dispatches))], dtype=object)
    out.loc[lists.index] = lists
    out[~known] = None
    out.index = dispatches.index
    return out


def _covered(need: pd.DataFrame, kit: pd.DataFrame, n: int) -> np.ndarray:
    """Per row: every needed (row, part) pair is present in ``kit`` (row, part) pairs."""
    m = need.merge(kit[["row", "part"]].drop_duplicates(), on=["row", "part"], how="left", indicator=True)
    missing = m.loc[m["_merge"] == "left_only", "row"].unique()
    return ~_row_flag(n, missing)


def parts_kit(dispatches: pd.DataFrame, *, max_parts: int = 2,
              cause_parts: Mapping[str, Sequence[str]] | None = None,
              include_unmapped: bool = False) -> pd.DataFrame:
    """The best kit of at most ``max_parts`` spare parts to ship per symptom (``parts_kit.csv``).

    For each ``symptom_code``, the set of ≤ ``max_parts`` parts maximising ``kit_coverage`` =
    P(all needed parts are in the kit), estimated as the share of the symptom's dispatches (with a
    known need, see :func:`needed_parts_long`) whose need is a subset of the kit. A dispatch needing
    no part is always covered. Search is exhaustive over the parts needed by some dispatch of the
    symptom. Ties go to the smaller kit, then to the kit whose parts are needed most often, then
    alphabetically.

    Columns: ``symptom_code``, ``part_1`` … ``part_<max_parts>`` (None where the kit is smaller),
    ``kit_coverage``, ``dispatches`` (with known need), ``unknown_need`` (dispatches left out),
    ``sent_coverage`` (share whose ``parts_sent`` covered the need: the kits support actually
    sent), ``expected_second_visits_saved`` = ``dispatches × (kit_coverage − sent_coverage)``, the
    number of the period's dispatches that would have avoided a parts-caused second visit had this
    kit been sent (negative when the shipped parts did better), assuming one extra visit per
    uncovered need. ``UNMAPPED`` and missing symptoms are left out unless ``include_unmapped``.
    """
    d = dispatches.reset_index(drop=True)
    n = len(d)
    need, known = needed_parts_long(d, cause_parts=cause_parts)
    sent_cov = _covered(need, _long(d, "parts_sent", "part"), n)
    sym = d["symptom_code"]
    keep = sym.notna().to_numpy() & (include_unmapped | (sym != UNMAPPED).to_numpy())
    rows_out = []
    part_cols = [f"part_{i + 1}" for i in range(max_parts)]
    for symptom in sorted(sym[keep].unique()):
        in_sym = (sym == symptom).to_numpy() & keep
        rows = np.flatnonzero(in_sym & known)
        unknown = int((in_sym & ~known).sum())
        rec = {"symptom_code": symptom, **{c: None for c in part_cols}}
        if len(rows) == 0:
            rows_out.append({**rec, "kit_coverage": np.nan, "dispatches": 0, "unknown_need": unknown,
                             "sent_coverage": np.nan, "expected_second_visits_saved": np.nan})
            continue
        sub = need[np.isin(need["row"].to_numpy(), rows)]
        incidence = (pd.crosstab(sub["row"], sub["part"]).reindex(rows, fill_value=0) > 0)
        parts = list(incidence.columns)
        m = incidence.to_numpy()
        freq = m.sum(axis=0)
        best_key, best_kit, best_cov = None, (), float((m.sum(axis=1) == 0).mean())
        for size in range(1, min(max_parts, len(parts)) + 1):
            for kit in itertools.combinations(range(len(parts)), size):
                outside = np.ones(len(parts), dtype=bool)
                outside[list(kit)] = False
                cov = float((m[:, outside].sum(axis=1) == 0).mean())
                key = (-cov, size, -int(freq[list(kit)].sum()), tuple(sorted(parts[i] for i in kit)))
                if best_key is None or key < best_key:
                    best_key, best_kit, best_cov = key, kit, cov
        names = sorted((parts[i] for i in best_kit), key=lambda p: (-int(freq[parts.index(p)]), p))
        for c, p in zip(part_cols, names):
            rec[c] = p
        sent = float(sent_cov[rows].mean())
        rows_out.append({**rec, "kit_coverage": best_cov, "dispatches": len(rows), "unknown_need": unknown,
                         "sent_coverage": sent, "expected_second_visits_saved": len(rows) * (best_cov - sent)})
    cols = ["symptom_code", *part_cols, "kit_coverage", "dispatches", "unknown_need", "sent_coverage",
            "expected_second_visits_saved"]
    out = pd.DataFrame(rows_out, columns=cols)
    out["dispatches"] = out["dispatches"].astype("int64")
    out["unknown_need"] = out["unknown_need"].astype("int64")
    return out


# --------------------------------------------------------------------------- repair time (Kaplan-Meier)
def repair_durations(dispatches: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per dispatch: ``hours`` to restore and whether it is an ``event`` (closed) or censored.

    ``hours`` = closed_at − reported_at in wall-clock hours for a ticket closed by ``as_of``; a
    ticket still open at ``as_of`` (no ``closed_at``, or closed after ``as_of``) is censored at
    ``as_of − reported_at``. ``usable`` is False for a ticket reported after ``as_of``, without a
    report time, or closed before it was reported (data error). Row-wise, no cross-row state.
    """
    as_of = pd.Timestamp(as_of)
    rep = pd.to_datetime(dispatches["reported_at"])
    closed = pd.to_datetime(dispatches["closed_at"])
    event = closed.notna() & (closed <= as_of)
    end = closed.where(event, as_of)
    hours = (end - rep) / pd.Timedelta(hours=1)
    usable = rep.notna() & (rep <= as_of) & (hours >= 0)
    return pd.DataFrame({"hours": hours, "event": event.astype(bool), "usable": usable.astype(bool)},
                        index=dispatches.index)


def kaplan_meier(durations, events, *, confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier product-limit estimate (numpy), one row per distinct observed time.

    Columns: ``time``, ``at_risk`` (n_j, observations with time ≥ t_j), ``events`` (d_j),
    ``censored``, ``survival`` S(t_j) = Π (1 − d_i/n_i), ``std_err`` (Greenwood:
    S·sqrt(Σ d_i/(n_i(n_i − d_i)))), ``ci_low``, ``ci_high`` (log-log transform:
    S^exp(∓z·sqrt(Σ…)/log S); NaN where S is 0; (1, 1) where S is 1). A censored observation tied
    with events is at risk at that time (censoring after events).
    """
    t = np.asarray(durations, dtype=float)
    e = np.asarray(events, dtype=bool)
    ok = ~np.isnan(t)
    t, e = t[ok], e[ok]
    times, inv = np.unique(t, return_inverse=True)
    d = np.bincount(inv, weights=e.astype(float), minlength=len(times))
    c = np.bincount(inv, weights=(~e).astype(float), minlength=len(times))
    n = len(t) - np.concatenate([[0.0], np.cumsum(d + c)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - d / n)
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
        gw = np.cumsum(term)
        se = np.where(surv > 0, surv * np.sqrt(gw), 0.0)
        z = stats.norm.ppf(0.5 + confidence / 2)
        logs = np.log(surv)
        k = z * np.sqrt(gw) / logs
        low = np.where(surv >= 1, 1.0, surv ** np.exp(-k))
        high = np.where(surv >= 1, 1.0, surv ** np.exp(k))
        low = np.where((surv <= 0) | ~np.isfinite(gw), np.nan, low)
        high = np.where((surv <= 0) | ~np.isfinite(gw), np.nan, high)
    return pd.DataFrame({"time": times, "at_risk": n.astype("int64"), "events": d.astype("int64"),
                         "censored": c.astype("int64"), "survival": surv, "std_err": se,
                         "ci_low": low, "ci_high": high})


def _quantile_time(times: np.ndarray, curve: np.ndarray, level: float) -> float:
    """Smallest time at which a decreasing step curve is ≤ ``level``; NaN if never (not reached)."""
    hit = np.flatnonzero(curve <= level + 1e-12)
    return float(times[hit[0]]) if len(hit) else np.nan


def repair_time_km(dispatches: pd.DataFrame, as_of, by: str | Sequence[str] | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival table of hours to restore (reported → closed), per group.

    ``survival`` at ``time`` hours is the estimated share of tickets not yet restored. Tickets
    open at ``as_of`` are censored at ``as_of`` (see :func:`repair_durations`), not dropped. The
    table is :func:`kaplan_meier` with the ``by`` columns in front (``group="all"`` when ``by`` is
    None).
    """
    by = _by_list(by)
    d = _with_month(dispatches, by)
    dur = repair_durations(d, as_of)
    frame = pd.concat([d[by], dur], axis=1)[dur["usable"]]
    if not by:
        frame = frame.assign(group="all")
        by = ["group"]
    tables = []
    for key, g in frame.groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        tab = kaplan_meier(g["hours"], g["event"], confidence=confidence)
        for col, val in zip(by, key):
            tab.insert(list(by).index(col), col, val)
        tables.append(tab)
    cols = [*by, "time", "at_risk", "events", "censored", "survival", "std_err", "ci_low", "ci_high"]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=cols)


def repair_time_summary(dispatches: pd.DataFrame, as_of, by: str | Sequence[str] | None = None,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Median and 90th percentile of hours to restore, from the Kaplan-Meier curve, per group.

    The q-quantile is the smallest time with S(t) ≤ 1 − q; its interval is the same quantile read
    off the pointwise log-log confidence band (Brookmeyer–Crowley style: lower from ``ci_low``,
    upper from ``ci_high``). NaN means "not reached within follow-up" (too many tickets still open).
    Columns: the ``by`` columns (or ``group="all"``), ``tickets``, ``closed``, ``open`` (censored),
    ``median_hours``, ``median_ci_low``, ``median_ci_high``, ``p90_hours``, ``p90_ci_low``,
    ``p90_ci_high``.
    """
    table = repair_time_km(dispatches, as_of, by=by, confidence=confidence)
    by = _by_list(by) or ["group"]
    rows = []
    for key, g in table.groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        t = g["time"].to_numpy()
        rec = dict(zip(by, key))
        rec.update(tickets=int(g["events"].sum() + g["censored"].sum()), closed=int(g["events"].sum()),
                   open=int(g["censored"].sum()))
        for name, q in (("median", 0.5), ("p90", 0.9)):
            rec[f"{name}_hours"] = _quantile_time(t, g["survival"].to_numpy(), 1 - q)
            rec[f"{name}_ci_low"] = _quantile_time(t, g["ci_low"].fillna(0).to_numpy(), 1 - q)
            rec[f"{name}_ci_high"] = _quantile_time(t, g["ci_high"].fillna(0).to_numpy(), 1 - q)
        rows.append(rec)
    return pd.DataFrame(rows, columns=[*by, "tickets", "closed", "open", "median_hours", "median_ci_low",
                                       "median_ci_high", "p90_hours", "p90_ci_low", "p90_ci_high"])


# --------------------------------------------------------------------------- cause given symptom
def _group_codes(d: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
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


def cause_given_symptom(dispatches: pd.DataFrame, *, prior: float = 0.5, min_dispatches: int = 5,
                        by: str | Sequence[str] | None = None, confidence: float = 0.95,
                        include_unmapped: bool = False, keep_unseen: bool = True,
                        first_only: bool = False) -> pd.DataFrame:
    """Distribution of actual causes per symptom, Dirichlet-smoothed (``cause_given_symptom.csv``).

    ``first_only=True`` counts only the first (primary) cause of each dispatch, so mentions equal
    dispatches and ``probability`` estimates P(primary cause | symptom).

    **Unit: a (dispatch, cause) mention.** A dispatch whose cell names two causes contributes one
    mention to each (repeats within a cell count once); ``probability`` is the posterior mean share
    of mentions for that cause, i.e. "when this symptom is reported, how often is X among the
    causes, relative to all causes named". Dispatches with no cause code are left out.

    Model: for a symptom with mention counts n_c over the K causes seen for *any* symptom in the
    input (N = Σ n_c), a symmetric Dirichlet(``prior``) prior gives the posterior mean
    (n_c + prior) / (N + K·prior) and the Beta(n_c + prior, N − n_c + (K − 1)·prior) marginal, whose
    equal-tailed quantiles give ``ci_low``/``ci_high`` (``confidence``, default 95%).

    Columns: ``symptom_code``, the ``by`` columns (e.g. ``machine_type``), ``cause_code``,
    ``dispatches`` (dispatches of the symptom naming the cause, = n_c), ``probability``, ``ci_low``,
    ``ci_high``, ``symptom_dispatches`` (dispatches of the symptom with a known cause),
    ``mentions`` (N). A symptom (or symptom × group) with fewer than ``min_dispatches`` such
    dispatches is left out. ``keep_unseen=False`` drops rows with n_c = 0. ``UNMAPPED`` and missing
    symptoms are left out unless ``include_unmapped``. Rows ordered by key, then probability.
    """
    by = _by_list(by)
    d = _with_month(dispatches, by).reset_index(drop=True)
    keys = ["symptom_code", *by]
    cols = [*keys, "cause_code", "dispatches", "probability", "ci_low", "ci_high", "symptom_dispatches",
            "mentions"]
    sym = d["symptom_code"]
    keep = (sym.notna() & (include_unmapped | (sym != UNMAPPED))).to_numpy()
    rows, codes, items = _long_codes(d, "cause_codes")
    # counted on integer codes: group × cause cells by bincount, not by grouping a million strings
    rank = np.argsort(np.argsort(items, kind="stable"), kind="stable")
    all_causes, codes = np.sort(items, kind="stable"), rank[codes]      # causes in sorted order
    K = len(all_causes)
    if first_only:
        first = np.r_[True, rows[1:] != rows[:-1]]
        rows, codes = rows[first], codes[first]
    chosen = keep[rows]
    rows, codes = rows[chosen], codes[chosen]
    group, labels = _group_codes(d, keys)
    G = len(labels)
    if K == 0 or G == 0 or len(rows) == 0:
        return pd.DataFrame(columns=cols)
    cells = np.bincount(group[rows] * K + codes, minlength=G * K).reshape(G, K)
    mentions = cells.sum(axis=1)
    distinct_rows = rows[np.r_[True, rows[1:] != rows[:-1]]]          # rows ascend: no sort needed
    symptom_dispatches = np.bincount(group[distinct_rows], minlength=G)
    kept = np.flatnonzero((symptom_dispatches > 0) & (symptom_dispatches >= min_dispatches))
    if len(kept) == 0:
        return pd.DataFrame(columns=cols)
    out = labels.iloc[np.repeat(kept, K)].reset_index(drop=True)
    out["cause_code"] = np.tile(all_causes, len(kept))
    out["dispatches"] = cells[kept].ravel().astype("int64")
    out["symptom_dispatches"] = np.repeat(symptom_dispatches[kept], K).astype("int64")
    out["mentions"] = np.repeat(mentions[kept], K).astype("int64")
    a = out["dispatches"] + prior
    b = out["mentions"] - out["dispatches"] + (K - 1) * prior
    out["probability"] = a / (a + b)
    tail = (1 - confidence) / 2
    out["ci_low"] = stats.beta.ppf(tail, a, b)
    out["ci_high"] = stats.beta.ppf(1 - tail, a, b)
    if not keep_unseen:
        out = out[out["dispatches"] > 0]
    out = out.sort_values([*keys, "probability", "cause_code"], ascending=[True] * len(keys) + [False, True])
    return out[cols].reset_index(drop=True)


def diagnosis_checklist(cause_table: pd.DataFrame, *, include_unseen: bool = False) -> pd.DataFrame:
    """Per symptom (and group), the causes to rule out in order: most probable first.

    Input: :func:`cause_given_symptom`. Columns added: ``rank`` (1 = check first),
    ``cumulative_probability`` (posterior share covered by checking causes 1..rank; does not reach
    1 when unseen causes are dropped), ``observed_share`` (the raw share of mentions, n_c / N) and
    ``cumulative_observed_share``. Rows with no observed dispatch are dropped unless
    ``include_unseen``.
    """
    t = cause_table
    if not include_unseen:
        t = t[t["dispatches"] > 0]
    extra = {"cause_code", "dispatches", "probability", "ci_low", "ci_high", "symptom_dispatches",
             "mentions"}
    keys = [c for c in t.columns if c not in extra]
    t = t.sort_values([*keys, "probability", "cause_code"],
                      ascending=[True] * len(keys) + [False, True]).reset_index(drop=True)
    g = t.groupby(keys, dropna=False, sort=False)
    t = t.assign(rank=g.cumcount() + 1, probability=t["probability"].astype(float),
                 dispatches=t["dispatches"].astype("int64"), mentions=t["mentions"].astype(float))
    g = t.groupby(keys, dropna=False, sort=False)
    t["cumulative_probability"] = g["probability"].cumsum()
    t["observed_share"] = t["dispatches"] / t["mentions"]
    t["cumulative_observed_share"] = t.groupby(keys, dropna=False, sort=False)["observed_share"].cumsum()
    return t[[*keys, "rank", "cause_code", "dispatches", "probability", "ci_low", "ci_high",
              "cumulative_probability", "observed_share", "cumulative_observed_share"]]


# --------------------------------------------------------------------------- CAG diagnosis
def cag_accuracy(dispatches: pd.DataFrame, by: str | Sequence[str] | None = None,
                 confidence: float = 0.95, *, first_only: bool = False) -> pd.DataFrame:
    """Accuracy of CAG's predicted cause: correct when ``predicted_cause_code`` ∈ ``cause_codes``
    (``first_only=True``: when it is the first, primary cause named).

    Counts dispatches with both a prediction and at least one known cause. Columns: ``group``
    (``"all"`` last; ``by`` columns kept), ``predictions``, ``correct``, ``accuracy`` (0–1),
    ``ci_low``, ``ci_high`` (Wilson).
    """
    by = _by_list(by)
    d = _with_month(dispatches, by)
    eligible, correct = _predicted_hit(d, first_only)
    f = pd.DataFrame({"flag": pd.array(np.where(eligible, correct, False), dtype="boolean")}, index=d.index)
    f.loc[~eligible, "flag"] = pd.NA
    f["group"] = _group_label(d, by) if by else "all"
    for c in by:
        f[c] = d[c]
    from pipeline.analyses.service.sla import _rate_table

    cols = ["group", *by]
    out = _rate_table(f, cols, "flag", count="predictions", hits="correct", rate="accuracy",
                      confidence=confidence)
    return _with_total(out, f, count="predictions", hits="correct", rate="accuracy", confidence=confidence,
                       always=bool(by))


def cag_confusion(dispatches: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """Crosstab of CAG's predicted cause (rows) against the actual cause (columns), counts.

    Actual cause: the predicted cause when the cell names it (so the diagonal agrees with
    :func:`cag_accuracy` for two-cause cells), else the first cause named. Only dispatches with a
    prediction and a known cause. The ``top`` most frequent actual causes are kept; every other code
    on either axis is pooled as ``OTHER``. Row and column order: the top causes by frequency, then
    ``OTHER``.
    """
    d = dispatches.reset_index(drop=True)
    eligible, correct = _predicted_hit(d)
    pred = d["predicted_cause_code"].astype(object)
    actual = pd.Series(np.where(correct, pred, _first_cause(d)), dtype=object)
    pred, actual = pred[eligible], actual[eligible]
    main = list(actual.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[:top])
    lab = lambda s: s.where(s.isin(main), "OTHER")  # noqa: E731
    tab = pd.crosstab(lab(pred).rename("predicted"), lab(actual).rename("actual"))
    order = main + ["OTHER"]
    return tab.reindex(index=[o for o in order if o in tab.index or o != "OTHER"],
                       columns=[o for o in order if o in tab.columns or o != "OTHER"], fill_value=0)


def cag_misses_by_symptom(dispatches: pd.DataFrame, confidence: float = 0.95,
                          include_unmapped: bool = True) -> pd.DataFrame:
    """Per symptom: how often CAG's prediction missed, and what it missed.

    Columns: ``symptom_code``, ``predictions``, ``misses``, ``miss_rate`` (0–1), ``ci_low``,
    ``ci_high`` (Wilson), ``top_wrong_prediction`` (the most frequent predicted code among misses),
    ``top_missed_cause`` (the most frequent first actual cause among misses); sorted by misses.
    """
    d = dispatches.reset_index(drop=True)
    eligible, correct = _predicted_hit(d)
    f = pd.DataFrame({"symptom_code": d["symptom_code"], "eligible": eligible, "miss": eligible & ~correct,
                      "pred": d["predicted_cause_code"], "first": _first_cause(d)})
    f = f[f["eligible"] & f["symptom_code"].notna()]
    if not include_unmapped:
        f = f[f["symptom_code"] != UNMAPPED]
    g = f.groupby("symptom_code")
    out = pd.DataFrame({"predictions": g.size(), "misses": g["miss"].sum()}).reset_index()
    out["predictions"] = out["predictions"].astype("int64")
    out["misses"] = out["misses"].astype("int64")
    out["miss_rate"] = out["misses"] / out["predictions"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["misses"], out["predictions"], confidence)
    misses = f[f["miss"]]

    def mode(col):
        c = misses.groupby(["symptom_code", col]).size().rename("n").reset_index()
        c = c.sort_values(["symptom_code", "n", col], ascending=[True, False, True])
        return c.drop_duplicates("symptom_code").set_index("symptom_code")[col]

    out["top_wrong_prediction"] = out["symptom_code"].map(mode("pred"))
    out["top_missed_cause"] = out["symptom_code"].map(mode("first"))
    return out.sort_values(["misses", "symptom_code"], ascending=[False, True]).reset_index(drop=True)


# --------------------------------------------------------------------------- workload
def workload(dispatches: pd.DataFrame, dimensions: Sequence[str] = ("engineer", "customer_id", "month")
             ) -> pd.DataFrame:
    """Dispatch counts per engineer, per customer and per report month, in one long table.

    Columns: ``dimension`` (``engineer`` | ``customer_id`` | ``month``), ``key`` (the engineer,
    customer id, or ``YYYY-MM``; ``(unknown)`` for missing), ``label`` (the customer name for
    customers, else the key), ``dispatches``, ``share`` (of all dispatches, 0–1). Months with no
    dispatch between the first and last month are listed with 0. Sorted by dimension, then by
    dispatches (months: chronologically).
    """
    d = _with_month(dispatches, ["month"])
    total = len(d)
    frames = []
    for dim in dimensions:
        key = d[dim].astype("string").fillna("(unknown)")
        counts = key.value_counts().rename("dispatches")
        if dim == "month" and len(counts):
            known = counts.drop("(unknown)", errors="ignore")
            span = pd.period_range(min(known.index), max(known.index), freq="M").strftime("%Y-%m")
            counts = counts.reindex(list(span) + (["(unknown)"] if "(unknown)" in counts else []),
                                    fill_value=0)
            counts = counts.rename_axis("key").reset_index()
        else:
            counts = counts.rename_axis("key").reset_index()
            counts = counts.sort_values(["dispatches", "key"], ascending=[False, True])
        if dim == "customer_id" and "customer_name" in d:
            names = (pd.DataFrame({"key": key, "name": d["customer_name"]}).dropna()
                     .drop_duplicates("key").set_index("key")["name"])
            counts["label"] = counts["key"].map(names).fillna(counts["key"])
        else:
            counts["label"] = counts["key"]
        counts.insert(0, "dimension", dim)
        frames.append(counts)
    out = pd.concat(frames, ignore_index=True)
    out["dispatches"] = out["dispatches"].astype("int64")
    out["share"] = out["dispatches"] / total if total else np.nan
    return out[["dimension", "key", "label", "dispatches", "share"]]


def engineer_league(dispatches: pd.DataFrame, flags: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per engineer: volume, first-time-fix rate and breach rate, with their denominators.

    ``flags`` is :func:`pipeline.sla.sla_flags` output, joined on ``ticket_id``. Columns:
    ``engineer`` (``(unknown)`` for missing), ``dispatches``, ``ftf_dispatches`` (visits known),
    ``first_time_fixes``, ``ftf_rate``, ``ftf_ci_low``, ``ftf_ci_high``, ``sla_dispatches``
    (breach decided), ``breaches``, ``breach_rate``, ``breach_ci_low``, ``breach_ci_high``. Sorted
    by dispatches. Small denominators make rates noisy: read the intervals.
    """
    d = dispatches
    eng = d["engineer"].astype("string").fillna("(unknown)")
    ftf = d["first_time_fix"] if "first_time_fix" in d else (d["visits"] == 1)
    base = pd.DataFrame({"engineer": eng.to_numpy(), "ticket_id": d["ticket_id"].to_numpy(),
                         "ftf": pd.array(ftf, dtype="boolean")})
    fl = flags[["ticket_id", "breached"]].drop_duplicates("ticket_id")
    base = base.merge(fl, on="ticket_id", how="left")
    g = base.groupby("engineer")
    out = pd.DataFrame({
        "dispatches": g.size(),
        "ftf_dispatches": g["ftf"].count(),
        "first_time_fixes": g["ftf"].sum(),
        "sla_dispatches": g["breached"].count(),
        "breaches": g["breached"].sum(),
    }).reset_index()
    for c in ("dispatches", "ftf_dispatches", "first_time_fixes", "sla_dispatches", "breaches"):
        out[c] = out[c].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ftf_rate"] = out["first_time_fixes"] / out["ftf_dispatches"].replace(0, np.nan)
        out["breach_rate"] = out["breaches"] / out["sla_dispatches"].replace(0, np.nan)
    out["ftf_ci_low"], out["ftf_ci_high"] = wilson_interval(out["first_time_fixes"], out["ftf_dispatches"],
                                                            confidence)
    out["breach_ci_low"], out["breach_ci_high"] = wilson_interval(out["breaches"], out["sla_dispatches"],
                                                                  confidence)
    out = out.sort_values(["dispatches", "engineer"], ascending=[False, True]).reset_index(drop=True)
    return out[["engineer", "dispatches", "ftf_dispatches", "first_time_fixes", "ftf_rate", "ftf_ci_low",
                "ftf_ci_high", "sla_dispatches", "breaches", "breach_rate", "breach_ci_low", "breach_ci_high"]]
