"""Written findings: the period's key numbers against the previous period, as sentences.

Every sentence is built from the results through the message catalogue, so it changes when the
data changes and exists in every report language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from pipeline import i18n
from pipeline.period import Period

# Changes smaller than this are reported as "held" (rates: absolute points; counts and money: relative).
HELD_RATE = 0.005
HELD_RELATIVE = 0.01


@dataclass(frozen=True)
class Metric:
    key: str                 # message key suffix: metric.<key>
    kind: str                # count | rate | money
    current: float
    previous: float | None
    ci_low: float | None = None
    ci_high: float | None = None


def _period_metrics(data: dict[str, pd.DataFrame], period: Period) -> dict[str, tuple]:
    from pipeline import sla
    from pipeline.stats import wilson_interval

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
    out["buyers"] = (float(s.loc[~s["is_return"], "customer_id"].nunique()), None, None)
    if len(decided):
        k = int(decided["renewed"].sum())
        out["renewal_rate"] = (k / len(decided), *wilson_interval(k, len(decided)))
    return out


KINDS = {"dispatches": "count", "first_time_fix": "rate", "breach_rate": "rate", "revenue": "money",
         "buyers": "count", "renewal_rate": "rate"}


def key_metrics(data: dict[str, pd.DataFrame], period: Period) -> list[Metric]:
    """The headline measures of ``period`` and of the period before it (None where it has no data)."""
    now = _period_metrics(data, period)
    before_period = period.previous()
    has_before = any(before_period.contains(data[t][col]).any() for t, col in
                     (("dispatches", "reported_at"), ("sales", "order_date")))
    before = _period_metrics(data, before_period) if has_before else {}
    return [Metric(key=k, kind=KINDS[k], current=v[0], previous=before.get(k, (None,))[0], ci_low=v[1], ci_high=v[2])
            for k, v in now.items()]


def format_value(metric: Metric, value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if metric.kind == "rate":
        return f"{100 * value:.1f}%"
    if metric.kind == "money":
        return f"{value:,.0f}"
    return f"{value:,.0f}"


def direction(metric: Metric) -> str:
    """``rose``, ``fell``, ``held`` or ``only`` (no previous value)."""
    if metric.previous is None or (isinstance(metric.previous, float) and math.isnan(metric.previous)):
        return "only"
    delta = metric.current - metric.previous
    if metric.kind == "rate":
        held = abs(delta) < HELD_RATE
    else:
        held = abs(delta) <= HELD_RELATIVE * max(abs(metric.previous), 1e-9)
    return "held" if held else ("rose" if delta > 0 else "fell")


def sentence(metric: Metric, lang: str) -> str:
    name = i18n.t(f"metric.{metric.key}", lang)
    text = i18n.t(f"finding.{direction(metric)}", lang, metric=name, current=format_value(metric, metric.current),
                  previous=format_value(metric, metric.previous))
    if metric.ci_low is not None and metric.kind == "rate":
        text = i18n.t("finding.with_interval", lang, sentence=text.rstrip("。."),
                      low=format_value(metric, metric.ci_low), high=format_value(metric, metric.ci_high))
        text += "。" if lang != "en" else "."
    return text


def sentences(metrics: list[Metric], lang: str) -> list[str]:
    return [sentence(m, lang) for m in metrics]


def metrics_table(metrics: list[Metric], lang: str) -> pd.DataFrame:
    rows = [{i18n.t("col.metric", lang): i18n.t(f"metric.{m.key}", lang),
             i18n.t("col.current", lang): format_value(m, m.current),
             i18n.t("col.previous", lang): format_value(m, m.previous)} for m in metrics]
    return pd.DataFrame(rows)
