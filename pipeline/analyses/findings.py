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


# Which table each headline measure comes from: a measure is reported only when its table has rows
# in the period, and compared with an earlier period only when the table covers that whole period.
SOURCES = {"dispatches": "dispatches", "first_time_fix": "dispatches", "breach_rate": "dispatches",
           "revenue": "sales", "buyers": "sales", "renewal_rate": "contracts"}
_DATES = {"dispatches": "reported_at", "sales": "order_date", "contracts": "end_date"}


def covers(data: dict[str, pd.DataFrame], table: str, period: Period) -> bool:
    """Whether ``table`` covers ``period``: it has rows in it, and its data began by the time a tenth of the
    period had passed (an export that starts in the middle of a quarter does not measure that quarter).
    Only then is a measure of that period comparable with another."""
    frame = data.get(table)
    if frame is None or not len(frame):
        return False
    dates = frame[_DATES[table]]
    grace = (period.end_exclusive - period.start) / 10
    return bool(dates.min() < period.start + grace) and bool(period.contains(dates).any())


def _period_metrics(data: dict[str, pd.DataFrame], period: Period) -> dict[str, tuple]:
    """The headline measures of ``period``, from the tables that have rows in it."""
    from pipeline.analyses.service import sla
    from pipeline.analyses.stats import wilson_interval

    out: dict[str, tuple] = {}
    d = data["dispatches"][period.contains(data["dispatches"]["reported_at"])]
    if len(d):
        out["dispatches"] = (float(len(d)), None, None)
        known = d["first_time_fix"].dropna()
        if len(known):
            k = int(known.sum())
            out["first_time_fix"] = (k / len(known), *wilson_interval(k, len(known)))
        flags = sla.sla_flags(d, as_of=period.end_exclusive)
        b = flags["breached"].dropna()
        if len(b):
            out["breach_rate"] = (float(b.mean()), *wilson_interval(int(b.sum()), len(b)))
    s = data["sales"][period.contains(data["sales"]["order_date"])]
    if len(s):
        out["revenue"] = (float(s["amount"].sum()), None, None)
        out["buyers"] = (float(s.loc[~s["is_return"].astype(bool), "customer_id"].nunique()), None, None)
    c = data["contracts"]
    decided = c[period.contains(c["end_date"]) & c["renewed"].notna()]
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
    """The headline measures of ``period`` that the data measures, each with the period before it and
    the same period a year earlier where the measure's table covers those periods (None otherwise)."""
    now = _period_metrics(data, period)
    earlier = {}
    for name, other in (("previous", period.previous()), ("year", period.year_earlier())):
        if name == "year" and other == period.previous():
            continue           # a yearly period's year-earlier period is its previous period: not said twice
        values = _period_metrics(data, other)
        earlier[name] = {k: v for k, v in values.items() if covers(data, SOURCES[k], other)}
    return [Metric(key=k, kind=KINDS[k], current=v[0], previous=earlier["previous"].get(k, (None,))[0],
                   ci_low=v[1], ci_high=v[2], year_earlier=earlier.get("year", {}).get(k, (None,))[0])
            for k, v in now.items()]


def ftf_driver(data: dict[str, pd.DataFrame], period: Period,
               min_dispatches: int = DRIVER_MIN_DISPATCHES) -> Driver | None:
    """The symptom whose first-time fix rate moved most between the previous period and this one."""
    d = data["dispatches"]
    if not covers(data, "dispatches", period.previous()):
        return None

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
