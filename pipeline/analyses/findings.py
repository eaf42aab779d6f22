"""Written findings: the period's key numbers against the previous period and the same period a
year earlier, as sentences.

Every sentence is built from the results through the message catalogue, so it changes when the
data changes and exists in every report language. Rates carry their 95% Wilson interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline.analyses.period import Period
from pipeline.report import i18n

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


def _missing(value) -> bool:
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


def format_value(metric: Metric, value: float | None) -> str:
    if _missing(value):
        return "–"
    if metric.kind == "rate":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}"


def direction(metric: Metric, against: str = "previous") -> str:
    """``rose``, ``fell``, ``held`` or ``only`` (no value to compare with) against ``previous`` or
    ``year_earlier``."""
    base = getattr(metric, against)
    if _missing(base):
        return "only"
    delta = metric.current - base
    if metric.kind == "rate":
        held = abs(delta) < HELD_RATE
    else:
        held = abs(delta) <= HELD_RELATIVE * max(abs(base), 1e-9)
    return "held" if held else ("rose" if delta > 0 else "fell")


def _full_stop(lang: str) -> str:
    return "." if lang == "en" else "。"


def sentence(metric: Metric, lang: str) -> str:
    name = i18n.t(f"metric.{metric.key}", lang)
    text = i18n.t(f"finding.{direction(metric)}", lang, metric=name, current=format_value(metric, metric.current),
                  previous=format_value(metric, metric.previous))
    if not _missing(metric.ci_low) and metric.kind == "rate":
        text = i18n.t("finding.with_interval", lang, sentence=text.rstrip("。."),
                      low=format_value(metric, metric.ci_low), high=format_value(metric, metric.ci_high))
        text += _full_stop(lang)
    year = direction(metric, "year_earlier")
    if year != "only":
        text += ("" if lang != "en" else " ") + i18n.t(
            f"finding.year_{year}", lang, metric=name, year_earlier=format_value(metric, metric.year_earlier))
    return text


def driver_sentence(driver: Driver | None, lang: str) -> str | None:
    """"First-time fix of <symptom> dispatches moved most: from 90% to 60% (12 dispatches)."""
    if driver is None:
        return None
    from pipeline.clean.taxonomy import load_taxonomy

    symptom = load_taxonomy().label("symptoms", driver.symptom_code, lang)
    m = Metric("first_time_fix", "rate", driver.current, driver.previous)
    return i18n.t(f"finding.driver_{direction(m)}", lang, symptom=symptom, n=driver.dispatches,
                  current=format_value(m, driver.current), previous=format_value(m, driver.previous))


def sentences(metrics: list[Metric], lang: str) -> list[str]:
    return [sentence(m, lang) for m in metrics]


def abstract(metrics: list[Metric], period: Period, lang: str, driver: Driver | None = None) -> list[str]:
    """The abstract's paragraphs: what the report covers, then the headline numbers."""
    by_key = {m.key: m for m in metrics}
    intro = i18n.t("abstract.scope", lang, period=period.label,
                   dispatches=format_value(by_key["dispatches"], by_key["dispatches"].current),
                   buyers=format_value(by_key["buyers"], by_key["buyers"].current))
    headline = [sentence(by_key[k], lang) for k in ("first_time_fix", "breach_rate", "revenue", "renewal_rate")
                if k in by_key]
    extra = driver_sentence(driver, lang)
    if extra:
        headline.append(extra)
    joiner = " " if lang == "en" else ""
    return [intro, joiner.join(headline)]


def metrics_table(metrics: list[Metric], lang: str) -> pd.DataFrame:
    """Key numbers with the previous period and the same period a year earlier beside them."""
    rows = []
    for m in metrics:
        ci = ("" if _missing(m.ci_low) or m.kind != "rate"
              else f"{format_value(m, m.ci_low)}–{format_value(m, m.ci_high)}")
        rows.append({i18n.t("col.metric", lang): i18n.t(f"metric.{m.key}", lang),
                     i18n.t("col.current", lang): format_value(m, m.current),
                     i18n.t("col.interval", lang): ci,
                     i18n.t("col.previous", lang): format_value(m, m.previous),
                     i18n.t("col.year_earlier", lang): format_value(m, m.year_earlier)})
    return pd.DataFrame(rows)


def key_numbers_table(data: dict[str, pd.DataFrame], period: Period, lang: str,
                      keys: list[str] | None = None) -> pd.DataFrame:
    """Period-over-period helper for any chapter: the chosen headline measures (``KINDS`` keys)
    with this period, its interval, the previous period and the same period a year earlier,
    ready for ``rk.table``."""
    metrics = key_metrics(data, period)
    if keys is not None:
        unknown = set(keys) - set(KINDS)
        if unknown:
            raise KeyError(f"findings: no headline measure {sorted(unknown)}; choose from {sorted(KINDS)}")
        metrics = [m for m in metrics if m.key in keys]
    return metrics_table(metrics, lang)
