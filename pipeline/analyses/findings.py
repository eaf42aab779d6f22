"""Findings: the period's key numbers against the previous period and the same period a year
earlier, each with the direction of its change, and the symptom that moved first-time fix most.

Rates carry their 95% Wilson interval. The sentences the report makes of them are in
:mod:`pipeline.report.sentences`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analyses.period import Period

# Changes smaller than this are reported as "held" (rates: absolute points; counts and money: relative).
HELD_RATE = 0.005
HELD_RELATIVE = 0.01
#: A symptom needs this many dispatches with a known outcome in both periods to be named as a driver.
DRIVER_MIN_DISPATCHES = 5


@dataclass(frozen=True)
class Metric:
    key: str                 # message key suffix: metric.<key>
    kind: str                # count | rate | money
    current: float
    previous: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    year_earlier: float | None = None


@dataclass(frozen=True)
class Driver:
    """The symptom whose first-time fix rate changed most against the previous period."""
    symptom_code: str
    current: float
    previous: float
    dispatches: int


def is_missing(value) -> bool:
    """None or NaN: no value to report."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def _period_metrics(data: dict[str, pd.DataFrame], period: Period) -> dict[str, tuple]:
    from pipeline.analyses.service import sla
    from pipeline.analyses.stats import wilson_interval

    d = data["dispatches"][period.contains(data["dispatches"]["reported_at"])]
    s = data["sales"][period.contains(data["sales"]["order_date"])]
    c = data["contracts"]
    decided = c[period.contains(c["end_date"]) & c["renewed"].notna()]
    out: dict[str, tuple] = {"dispatches": (float(len(d)), None, None)}
    known = d["first_time_fix"].dropna()
    if len(known):
        k = int(known.sum())
        out["first_time_fix"] = (k / len(known), *wilson_interval(k, len(known)))
    if len(d):
        flags = sla.sla_flags(d, as_of=period.end_exclusive)
        b = flags["breached"].dropna()
        if len(b):
            out["breach_rate"] = (float(b.mean()), *wilson_interval(int(b.sum()), len(b)))
    out["revenue"] = (float(s["amount"].sum()), None, None)
    out["buyers"] = (float(s.loc[~s["is_return"].astype(bool), "customer_id"].nunique()), None, None)
    if len(decided):
        k = int(decided["renewed"].astype(bool).sum())
        out["renewal_rate"] = (k / len(decided), *wilson_interval(k, len(decided)))
    return out


KINDS = {"dispatches": "count", "first_time_fix": "rate", "breach_rate": "rate", "revenue": "money",
         "buyers": "count", "renewal_rate": "rate"}


def has_data(data: dict[str, pd.DataFrame], period: Period) -> bool:
    """Whether the data holds any dispatch or sale in ``period``."""
    return any(period.contains(data[t][col]).any() for t, col in
               (("dispatches", "reported_at"), ("sales", "order_date")))


def key_metrics(data: dict[str, pd.DataFrame], period: Period) -> list[Metric]:
    """The headline measures of ``period``, of the period before it and of the same period a year
    earlier (None where the data does not cover that period)."""
    now = _period_metrics(data, period)
    before = _period_metrics(data, period.previous()) if has_data(data, period.previous()) else {}
    year = period.year_earlier()
    # a yearly period's year-earlier period is its previous period: do not say it twice
    year_ago = (_period_metrics(data, year) if year != period.previous() and has_data(data, year) else {})
    return [Metric(key=k, kind=KINDS[k], current=v[0], previous=before.get(k, (None,))[0],
                   ci_low=v[1], ci_high=v[2], year_earlier=year_ago.get(k, (None,))[0])
            for k, v in now.items()]


def ftf_driver(data: dict[str, pd.DataFrame], period: Period,
               min_dispatches: int = DRIVER_MIN_DISPATCHES) -> Driver | None:
    """The symptom whose first-time fix rate moved most between the previous period and this one."""
    d = data["dispatches"]

    def rates(p: Period) -> pd.DataFrame:
        x = d[p.contains(d["reported_at"]) & d["first_time_fix"].notna()]
        x = x[x["symptom_code"].notna() & (x["symptom_code"] != "UNMAPPED")]
        g = x.groupby("symptom_code")["first_time_fix"].agg(["mean", "size"])
        return g[g["size"] >= min_dispatches]

    now, before = rates(period), rates(period.previous())
    both = now.join(before, lsuffix="_now", rsuffix="_before", how="inner")
    if both.empty:
        return None
    both = both.assign(change=(both["mean_now"] - both["mean_before"]).abs())
    both = both.sort_values(["change", "size_now"], ascending=[False, False], kind="mergesort")
    top = both.iloc[0]
    if top["change"] < HELD_RATE:
        return None
    return Driver(symptom_code=str(both.index[0]), current=float(top["mean_now"]),
                  previous=float(top["mean_before"]), dispatches=int(top["size_now"]))


def direction(metric: Metric, against: str = "previous") -> str:
    """``rose``, ``fell``, ``held`` or ``only`` (no value to compare with) against ``previous`` or
    ``year_earlier``."""
    base = getattr(metric, against)
    if is_missing(base):
        return "only"
    delta = metric.current - base
    if metric.kind == "rate":
        held = abs(delta) < HELD_RATE
    else:
        held = abs(delta) <= HELD_RELATIVE * max(abs(base), 1e-9)
    return "held" if held else ("rose" if delta > 0 else "fell")
