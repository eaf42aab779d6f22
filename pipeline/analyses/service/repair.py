"""Time to restore: Kaplan-Meier curves of hours from report to close, tickets still open censored."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyses.service.common import (
    by_list,
    with_month,
)


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
    by = by_list(by)
    d = with_month(dispatches, by)
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
    by = by_list(by) or ["group"]
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
