"""The findings as sentences: the key numbers, their changes and the driver of first-time fix, through
the message catalogue, so that every sentence changes when the data changes and exists in every
report language."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.findings import KINDS, Driver, Metric, direction, is_missing, key_metrics
from pipeline.analyses.period import Period
from pipeline.report import i18n


def format_value(metric: Metric, value: float | None) -> str:
    if is_missing(value):
        return "–"
    if metric.kind == "rate":
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}"



def _full_stop(lang: str) -> str:
    return "." if lang == "en" else "。"


def sentence(metric: Metric, lang: str) -> str:
    name = i18n.t(f"metric.{metric.key}", lang)
    text = i18n.t(f"finding.{direction(metric)}", lang, metric=name, current=format_value(metric, metric.current),
                  previous=format_value(metric, metric.previous))
    if not is_missing(metric.ci_low) and metric.kind == "rate":
        text = i18n.t("finding.with_interval", lang, sentence=text.rstrip("。."),
                      low=format_value(metric, metric.ci_low), high=format_value(metric, metric.ci_high))
        text += _full_stop(lang)
    year = direction(metric, "year_earlier")
    if year != "only":
        text += ("" if lang != "en" else " ") + i18n.t(
            f"finding.year_{year}", lang, metric=name, year_earlier=format_value(metric, metric.year_earlier))
    return text


def driver_sentence(driver: Driver | None, lang: str, taxonomy=None) -> str | None:
    """"First-time fix of <symptom> dispatches moved most: from 90% to 60% (12 dispatches)."""
    if driver is None:
        return None
    from pipeline.clean.taxonomy import load_taxonomy

    symptom = (taxonomy or load_taxonomy()).label("symptoms", driver.symptom_code, lang)
    m = Metric("first_time_fix", "rate", driver.current, driver.previous)
    return i18n.t(f"finding.driver_{direction(m)}", lang, symptom=symptom, n=driver.dispatches,
                  current=format_value(m, driver.current), previous=format_value(m, driver.previous))


def sentences(metrics: list[Metric], lang: str) -> list[str]:
    return [sentence(m, lang) for m in metrics]


def abstract(metrics: list[Metric], period: Period, lang: str, driver: Driver | None = None,
             taxonomy=None) -> list[str]:
    """The abstract's paragraphs: what the report covers, then the headline numbers it measured."""
    by_key = {m.key: m for m in metrics}
    values = {k: format_value(by_key[k], by_key[k].current) for k in ("dispatches", "buyers") if k in by_key}
    scope = ("abstract.scope" if len(values) == 2 else "abstract.scope_dispatches" if "dispatches" in values
             else "abstract.scope_sales" if values else "abstract.scope_none")
    intro = i18n.t(scope, lang, period=period.title(lang), **values)
    headline = [sentence(by_key[k], lang) for k in ("first_time_fix", "breach_rate", "revenue", "renewal_rate")
                if k in by_key]
    extra = driver_sentence(driver, lang, taxonomy)
    if extra:
        headline.append(extra)
    joiner = " " if lang == "en" else ""
    return [intro, joiner.join(headline)] if headline else [intro]


def metrics_table(metrics: list[Metric], lang: str) -> pd.DataFrame:
    """Key numbers with the previous period and the same period a year earlier beside them."""
    rows = []
    for m in metrics:
        ci = ("" if is_missing(m.ci_low) or m.kind != "rate"
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
