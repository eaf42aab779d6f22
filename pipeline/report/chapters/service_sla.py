"""Chapter 2's service-level sections: response against each level's target, resolution against the targets
sources.yml declares, and the export's own SLA flag set against Aftercare's verdict. The targets in force
are the chapter's (:attr:`pipeline.report.chapter.Chapter.sla`): the built-in ones for 5x9, 7x24x8 and
7x24x4, with what sources.yml declares on top. Re-exported by :mod:`pipeline.report.chapters.service`,
whose notebook calls them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.analyses.service import sla
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.charts import base as charts
from pipeline.report.present import in_tier_order, interval_texts, translated_headers
from pipeline.report.sections import computes, level_list, shows

# Histogram of lateness: breaches more than this many hours late are shown in the last bin.
LATENESS_CLIP_HOURS = 48


def _pct1(ch: Chapter):
    return lambda x: ch.pct(x, 1)


def _hours(ch: Chapter):
    return lambda x: ch.num(x, 1)


# --------------------------------------------------------------------------- SLA
@dataclass
class SlaResult:
    flags: pd.DataFrame            # per dispatch of the period: deadline, breached, lateness
    compliance: pd.DataFrame       # per service level with a response target
    overall: pd.Series             # the whole period
    monthly: pd.DataFrame          # per month of the last twelve
    by_tier: pd.DataFrame
    by_engineer: pd.DataFrame
    late: pd.DataFrame             # the breached dispatches
    lateness: pd.DataFrame         # per service level: how late
    untargeted: pd.Series = None   # dispatches per level that has no response target
    unknown_arrival: int = 0       # closed dispatches with no arrival: response unknown


def _targeted(compliance: pd.DataFrame, targets: dict, kind: str) -> pd.DataFrame:
    """The rows of levels that have a ``kind`` target (a level without one has no rate to show)."""
    response, resolution = sla.split_targets(targets)
    have = response if kind == "response" else resolution
    return compliance[compliance["service_level"].isin(list(have))].reset_index(drop=True)


@computes("service.sla")
def sla_section(s) -> SlaResult:
    flags = s.flags()
    targets = s.chapter.sla.targets
    by_tier = sla.sla_compliance(flags, by="tier", customers=s.customers)
    late = flags[flags["breached"].fillna(False).astype(bool)]
    g = late.groupby("service_level")["lateness_hours"]
    has_target = flags["response_deadline"].notna()
    return SlaResult(flags=flags, compliance=_targeted(sla.sla_compliance(flags), targets, "response"),
                     overall=sla.sla_compliance(flags.assign(_all="all"), by="_all").iloc[0],
                     monthly=sla.sla_compliance(s.flags("recent"), by="month"),
                     by_tier=in_tier_order(by_tier[by_tier["tier"].notna()]),
                     by_engineer=sla.sla_compliance(flags, by="engineer"), late=late,
                     lateness=pd.DataFrame({"late": g.size(), "median_late": g.median(),
                                            "p90_late": g.quantile(0.9)}).reset_index(),
                     untargeted=sla.untargeted_levels(flags["service_level"], targets, "response")
                     if "service_level" in flags else pd.Series(dtype="int64"),
                     unknown_arrival=int((has_target & flags["arrived_at"].isna() & flags["closed_at"].notna()
                                          & (flags["closed_at"] < s.end)).sum()))


def targets_text(ch: Chapter, levels, kind: str = "response") -> str:
    """The ``kind`` targets of ``levels`` in words: ``1 - Critical: within 1 hours; 3 - Moderate: …``."""
    response, resolution = sla.split_targets(ch.sla.targets)
    have = response if kind == "response" else resolution
    parts = []
    for level in levels:
        target = have.get(level)
        if target is None:
            continue
        if target.get("clock") == "business" and "days" in target:
            days = int(target["days"])
            words = ch.t("service.target.next_business_day") if days == 1 else ch.t("service.target.business_days",
                                                                                   days=days)
        else:
            hours = ch.num(float(target["hours"]), 0 if float(target["hours"]).is_integer() else 1)
            words = ch.t("service.target.business_hours" if target.get("clock") == "business"
                         else "service.target.wall", hours=hours)
        parts.append(ch.t("service.target.item", level=level, target=words))
    return ch.t("service.target.separator").join(parts)


def business_text(ch: Chapter, levels, kind: str = "response") -> str:
    """The business clock in one sentence, when a declared target of ``levels`` runs on it ("" otherwise)."""
    response, resolution = sla.split_targets(ch.sla.targets)
    have = response if kind == "response" else resolution
    if not ch.sla.declared or not any(have.get(level, {}).get("clock") == "business" for level in levels):
        return ""
    cfg = ch.sla

    def hour(x):
        return f"{int(x):02d}:{int(round((x % 1) * 60)):02d}"
    holidays = ch.t("service.business_holidays", n=len(cfg.holidays)) if cfg.holidays else ""
    return ch.t("service.business_hours", start=hour(cfg.day_start), end=hour(cfg.day_end), holidays=holidays)


def _builtin_targets_only(ch: Chapter, levels) -> bool:
    """Every level shown is judged by its built-in target (the report then words them as it always has)."""
    response, _ = sla.split_targets(ch.sla.targets)
    clock = ch.sla.clock
    return (clock["day_start"], clock["day_end"], tuple(clock["holidays"])) == (9, 18, ()) and all(
        response.get(level) == sla.DEFAULT_TARGETS.get(level) for level in levels)


@shows("service.sla")
def show_sla(ch: Chapter, r: SlaResult) -> None:
    t, pct1, hours = ch.t, _pct1(ch), _hours(ch)
    rk.section(t("service.sla_section"))
    rk.save_table(r.compliance, "sla_compliance")
    o = r.overall
    numbers = {"breaches": int(o.breaches), "dispatches": int(o.dispatches), "rate": pct1(o.breach_rate),
               "low": pct1(o.ci_low), "high": pct1(o.ci_high)}
    levels = list(r.compliance["service_level"])
    # the built-in wording ("over all levels") only where every level is judged by its built-in target
    builtin = _builtin_targets_only(ch, levels) and not (r.untargeted is not None and len(r.untargeted))
    text = (t("service.sla_text", **numbers) if builtin else
            t("service.sla_text_declared", targets=targets_text(ch, levels),
              **{**numbers, "breaches": ch.num(o.breaches), "dispatches": ch.num(o.dispatches)}))
    extra = [] if builtin else [business_text(ch, levels)]
    if r.untargeted is not None and len(r.untargeted):
        extra.append(t("service.sla_untargeted", levels=level_list(ch, r.untargeted),
                       example=str(r.untargeted.index[0])))
    if r.unknown_arrival:
        extra.append(t("service.sla_unknown_arrival", n=ch.num(r.unknown_arrival)))
    rk.paragraph(ch.sentences([text, *extra]))
    _rate_table(ch, r.compliance, "service_level", "sla", "service.sla_caption")
    fig = charts.rate_with_interval(r.compliance["service_level"], r.compliance["breach_rate"],
                                    r.compliance["ci_low"], r.compliance["ci_high"],
                                    xlabel=t("service.breach_rate_axis"))
    rk.figure(fig, "sla", t("service.sla_fig_caption"), ch.source_note)

    m = r.monthly
    rk.paragraph(t("service.month_text"))
    fig = charts.line_with_band(m["month"], m["breach_rate"], m["ci_low"], m["ci_high"],
                                xlabel=t("service.month_axis"), ylabel=t("service.breach_rate_axis"))
    rk.figure(fig, "sla_month", t("service.month_caption"), ch.source_note)
    _rate_table(ch, m, "month", "sla_month", "service.month_table_caption")

    rk.save_table(r.by_engineer, "sla_by_engineer")
    show_sla_tier(ch, r)

    if not len(r.late):       # nothing arrived late: there is no lateness to chart
        rk.paragraph(t("service.no_late", period=ch.period_text))
        return
    rk.paragraph(t("service.lateness_text", late=len(r.late), clip=LATENESS_CLIP_HOURS))
    fig = charts.histogram(r.late["lateness_hours"], xlabel=t("service.lateness_axis"),
                           ylabel=t("service.count_axis"), bins=24, clip=LATENESS_CLIP_HOURS)
    rk.figure(fig, "lateness", t("service.lateness_caption"), ch.source_note)
    lateness = r.lateness.assign(median_late=r.lateness["median_late"].map(hours),
                                 p90_late=r.lateness["p90_late"].map(hours))
    rk.table(translated_headers(lateness, t), "lateness", t("service.lateness_table_caption"), ch.source_note)


@shows("service.sla_tier")
def show_sla_tier(ch: Chapter, r: SlaResult) -> None:
    """Breaches by customer tier (part of the SLA section; the tier comes from the customer export)."""
    t = ch.t
    # the league table is the workload section's: it is cited only where that section is shown
    league = "" if ch.unmet("service.workload") else t("service.tier_league")
    rk.paragraph(ch.sentences([t("service.tier_text"), league]))
    _rate_table(ch, r.by_tier, "tier", "sla_tier", "service.tier_caption")
    fig = charts.rate_with_interval(r.by_tier["tier"], r.by_tier["breach_rate"], r.by_tier["ci_low"],
                                    r.by_tier["ci_high"], xlabel=t("service.breach_rate_axis"))
    rk.figure(fig, "sla_tier", t("service.tier_fig_caption"), ch.source_note)


def _rate_table(ch: Chapter, table: pd.DataFrame, key: str, label: str, caption: str) -> None:
    """A breach-rate table: the key, dispatches, breaches, the rate and its interval."""
    pct1 = _pct1(ch)
    shown = table.assign(breach_rate=table["breach_rate"].map(pct1),
                         ci=interval_texts(table.ci_low, table.ci_high, pct1))
    rk.table(translated_headers(shown[[key, "dispatches", "breaches", "breach_rate", "ci"]], ch.t), label,
             ch.t(caption), ch.source_note)


# --------------------------------------------------------------------------- resolution against targets
@dataclass
class ResolutionResult:
    compliance: pd.DataFrame       # per service level with a resolution target
    overall: pd.Series             # the period, over those levels
    untargeted: pd.Series          # dispatches per level without a resolution target


@computes("service.sla_resolution")
def resolution_section(s) -> ResolutionResult:
    flags = s.flags()
    targets = s.chapter.sla.targets
    _, resolution = sla.split_targets(targets)
    judged = flags[flags["service_level"].isin(list(resolution)).fillna(False)]
    return ResolutionResult(
        compliance=_targeted(sla.sla_compliance(flags, outcome="resolution_breached"), targets, "resolution"),
        overall=sla.sla_compliance(judged.assign(_all="all"), by="_all", outcome="resolution_breached").iloc[0],
        untargeted=sla.untargeted_levels(flags["service_level"], targets, "resolution"))


@shows("service.sla_resolution")
def show_resolution(ch: Chapter, r: ResolutionResult) -> None:
    t, pct1 = ch.t, _pct1(ch)
    rk.section(t("service.resolution_section"))
    rk.save_table(r.compliance, "sla_resolution_compliance")
    o = r.overall
    levels = list(r.compliance["service_level"])
    parts = [t("service.resolution_text", targets=targets_text(ch, levels, "resolution"),
               breaches=ch.num(o.breaches), dispatches=ch.num(o.dispatches), rate=pct1(o.breach_rate),
               low=pct1(o.ci_low), high=pct1(o.ci_high), undecided=ch.num(int(o.undecided))),
             business_text(ch, levels, "resolution")]
    if len(r.untargeted):
        parts.append(t("service.resolution_untargeted", levels=level_list(ch, r.untargeted)))
    rk.paragraph(ch.sentences(parts))
    _rate_table(ch, r.compliance, "service_level", "sla_resolution", "service.resolution_caption")


# --------------------------------------------------------------------------- the export's own SLA flag
@dataclass
class AgreementResult:
    table: pd.DataFrame            # per outcome (both met, both breached, …): dispatches and share
    flagged: int                   # tickets the export flags
    met: int                       # of them, met by the export's account
    untargeted: pd.Series          # dispatches per level with no target at all


@computes("service.sla_agreement")
def agreement_section(s) -> AgreementResult:
    flags = s.flags()
    made = flags["made_sla"].astype("boolean")
    return AgreementResult(table=sla.sla_agreement(flags), flagged=int(made.notna().sum()),
                           met=int(made.fillna(False).sum()),
                           untargeted=sla.untargeted_levels(flags["service_level"], s.chapter.sla.targets, "any"))


@shows("service.sla_agreement")
def show_agreement(ch: Chapter, r: AgreementResult) -> None:
    t = ch.t
    rk.section(t("service.agreement_section"))
    rk.save_table(r.table, "sla_agreement")
    a = r.table.attrs
    parts = [t("service.agreement_text", period=ch.period_text, met=ch.num(r.met), flagged=ch.num(r.flagged),
               share=ch.pct(r.met / r.flagged if r.flagged else float("nan"), 1),
               agreeing=ch.num(a["agreeing"]), decided=ch.num(a["decided"]), rate=ch.pct(a["agreement"], 1),
               low=ch.pct(a["ci_low"], 1), high=ch.pct(a["ci_high"], 1),
               undecided=ch.num(int(r.table.loc[r.table["outcome"] == "undecided", "dispatches"].sum())))]
    if len(r.untargeted):
        parts.append(t("needs.targets_any", levels=level_list(ch, r.untargeted), example=str(r.untargeted.index[0])))
    rk.paragraph(ch.sentences(parts))
    shown = r.table.assign(outcome=r.table["outcome"].map(lambda o: t(f"service.agreement.{o}")),
                           dispatches=r.table["dispatches"].map(ch.num),
                           share=r.table["share"].map(lambda x: ch.pct(x, 1)))
    rk.table(translated_headers(shown, t), "agreement", t("service.agreement_caption"), ch.source_note)
