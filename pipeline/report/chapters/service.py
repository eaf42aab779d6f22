"""Chapter 2 of the report, after-sales service: each section computed, then shown.

``scope(ch)`` settles which dispatches the chapter looks at; each ``<section>(scope)`` computes the
section's tables from the analyses in :mod:`pipeline.analyses.service` and returns them as data;
each ``show_<section>(ch, result)`` writes the section into the report (paragraphs, tables,
figures, and the CSVs behind them). The notebook ``02_service.ipynb`` is one call of each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.analyses import service
from pipeline.analyses.service import sla
from pipeline.analyses.service.common import UNKNOWN_GROUP
from pipeline.clean.taxonomy import Taxonomy
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.chapters.service_sla import (  # noqa: F401  (the notebook calls them from here)
    LATENESS_CLIP_HOURS,
    AgreementResult,
    ResolutionResult,
    SlaResult,
    agreement_section,
    business_text,
    resolution_section,
    show_agreement,
    show_resolution,
    show_sla,
    show_sla_tier,
    sla_section,
    targets_text,
)
from pipeline.report.charts import base as charts
from pipeline.report.present import interval_texts, translated_headers, values_with_intervals
from pipeline.report.sections import computes, shows

# Symptoms charted by their causes, and the three whose checklists are shown.
CHARTED_SYMPTOMS = 6
CHECKLIST_SYMPTOMS = 3


@dataclass
class Scope:
    """The dispatches chapter 2 looks at.

    ``dispatches``: reported in the period; ``history``: reported before the period's end (causes are
    a property of the machines, not of one quarter, so they are estimated on all of it); ``recent``:
    the twelve months up to the period's end (trends and process measures); ``end``: the period's
    exclusive end, the point in time the SLA and repair clocks are read at.
    """

    chapter: Chapter
    dispatches: pd.DataFrame
    history: pd.DataFrame
    recent: pd.DataFrame
    end: pd.Timestamp
    customers: pd.DataFrame
    taxonomy: Taxonomy
    lang: str
    _flags: dict = field(default_factory=dict, repr=False)

    def label(self, kind: str, code) -> str:
        """A symptom's or a cause's name in the report's language."""
        return self.taxonomy.label(kind, code, self.lang)

    def flags(self, which: str = "period") -> pd.DataFrame:
        """:func:`sla.sla_flags` of the period's (``"period"``) or the twelve months' (``"recent"``) dispatches,
        under the targets in force (built in, or declared in sources.yml) and read at the period's end.
        Whether the export records arrivals and closures at all is judged on the whole table: a
        ticket without an arrival is never a breach in an export that records none."""
        if which not in self._flags:
            every = self.chapter.data["dispatches"]
            cfg = self.chapter.sla
            frame = self.dispatches if which == "period" else self.recent
            self._flags[which] = sla.sla_flags(
                frame, as_of=self.end, targets=cfg.targets, **cfg.clock,
                records_arrivals=bool("arrived_at" in every and every["arrived_at"].notna().any()),
                records_closures=bool("closed_at" in every and every["closed_at"].notna().any()))
        return self._flags[which]


def scope(ch: Chapter) -> Scope:
    end = ch.period.end_exclusive
    every = ch.data["dispatches"]
    history = every[every["reported_at"] < end]
    recent = history[history["reported_at"] >= end - pd.DateOffset(months=12)]
    return Scope(chapter=ch, dispatches=ch.dispatches, history=history, recent=recent, end=end,
                 customers=ch.data["customers"], taxonomy=ch.taxonomy, lang=ch.lang)


def _pct1(ch: Chapter):
    return lambda x: ch.pct(x, 1)


def _hours(ch: Chapter):
    return lambda x: ch.num(x, 1)


@shows("service.intro")
def show_intro(ch: Chapter, s: Scope) -> None:
    t = ch.t
    rk.chapter(t("service.title"))
    rk.paragraph(t("service.intro", period=ch.period_text, organisation=ch.organisation,
                   dispatches=ch.num(len(s.dispatches)),
                   customers=ch.num(s.dispatches["customer_id"].nunique())))


# --------------------------------------------------------------------------- repair time
@dataclass
class RepairResult:
    km: pd.DataFrame               # Kaplan-Meier curves per service level
    summary: pd.DataFrame          # median and p90 per service level
    by_symptom: pd.DataFrame       # the eight most frequent mapped symptoms


@computes("service.repair")
def repair_section(s: Scope) -> RepairResult:
    d = s.dispatches
    by_symptom = service.repair_time_summary(d[d["symptom_code"] != "UNMAPPED"], as_of=s.end, by="symptom_code")
    return RepairResult(km=service.repair_time_km(d, as_of=s.end, by="service_level"),
                        summary=service.repair_time_summary(d, as_of=s.end, by="service_level"),
                        by_symptom=by_symptom.sort_values("tickets", ascending=False).head(8))


@shows("service.repair")
def show_repair(ch: Chapter, s: Scope, r: RepairResult) -> None:
    t = ch.t
    rk.section(t("service.repair_section"))
    rk.save_table(r.km, "repair_time_km")
    rk.paragraph(t("service.repair_text", open=int(r.summary["open"].sum())))
    # a comprehension, not dict(groupby): a GroupBy has a .keys attribute (the column name), which dict() calls
    curves = {level: g for level, g in r.km.groupby("service_level")}  # noqa: C416
    xmax = float(r.summary["p90_ci_high"].max()) if r.summary["p90_ci_high"].notna().any() else None
    fig = charts.survival_curves(curves, xlabel=t("service.hours_axis"), ylabel=t("service.not_restored_axis"),
                                 legend_title=t("service.level_legend"), xmax=xmax * 1.15 if xmax else None)
    rk.figure(fig, "repair", t("service.repair_caption"), ch.source_note)
    rk.table(_repair_shown(ch, r.summary, "service_level"), "repair", t("service.repair_table_caption"),
             ch.source_note)
    rk.save_table(r.by_symptom, "repair_time_by_symptom")
    named = r.by_symptom.assign(symptom=r.by_symptom["symptom_code"].map(lambda c: s.label("symptoms", c)))
    rk.table(_repair_shown(ch, named, "symptom"), "repair_symptom", t("service.repair_symptom_caption"),
             ch.source_note)


def _repair_shown(ch: Chapter, summary: pd.DataFrame, key: str) -> pd.DataFrame:
    hours = _hours(ch)
    shown = summary.assign(
        median_hours=values_with_intervals(summary.median_hours, summary.median_ci_low, summary.median_ci_high, hours),
        p90_hours=values_with_intervals(summary.p90_hours, summary.p90_ci_low, summary.p90_ci_high, hours))
    shown[key] = shown[key].astype("string").fillna(UNKNOWN_GROUP)      # tickets without a level or code
    return translated_headers(shown[[key, "tickets", "open", "median_hours", "p90_hours"]], ch.t)


# --------------------------------------------------------------------------- first-time fix
SECOND_VISIT_REASONS = ("wrong_diagnosis", "part_not_available", "other")


@dataclass
class FixResult:
    first_time_fix: pd.DataFrame   # per service level, the row group="all" last
    second_visits: pd.DataFrame    # per repeat-visit dispatch: why
    reasons: pd.DataFrame          # per reason: dispatches and share


@computes("service.first_time_fix")
def first_time_fix_section(s: Scope) -> FixResult:
    repeats = service.second_visit_reasons(s.dispatches, cause_parts=s.taxonomy.cause_parts)
    reasons = repeats["reason"].value_counts().reindex(list(SECOND_VISIT_REASONS), fill_value=0)
    reasons = reasons.rename("dispatches").rename_axis("reason").reset_index()
    reasons["share"] = reasons["dispatches"] / max(1, reasons["dispatches"].sum())
    return FixResult(first_time_fix=service.first_time_fix(s.dispatches, by="service_level"), second_visits=repeats,
                     reasons=reasons)


@shows("service.first_time_fix")
def show_first_time_fix(ch: Chapter, r: FixResult) -> None:
    t, pct1 = ch.t, _pct1(ch)
    rk.section(t("service.ftf_section"))
    ftf = r.first_time_fix
    rk.save_table(ftf, "first_time_fix")
    total = ftf[ftf["group"] == "all"].iloc[0]
    rk.paragraph(t("service.ftf_text", rate=pct1(total.rate), fixes=int(total.first_time_fixes),
                   dispatches=int(total.dispatches)))
    shown = ftf.assign(rate=ftf["rate"].map(pct1), ci=interval_texts(ftf.ci_low, ftf.ci_high, pct1),
                       group=ftf["group"].replace({"all": t("col.all")}))
    rk.table(translated_headers(shown[["group", "dispatches", "first_time_fixes", "rate", "ci"]], t), "ftf",
             t("service.ftf_caption"), ch.source_note)
    # the reasons name technical support's prediction only where the data records one
    cag = ch.count_values("dispatches", "predicted_cause_code", "period") > 0
    rk.paragraph(t("service.reasons_text" if cag else "service.reasons_text_plain", repeats=len(r.second_visits)))
    names = r.reasons["reason"].map(lambda reason: t(f"service.reason.{reason}"))
    fig = charts.horizontal_bars(names, r.reasons["dispatches"], xlabel=t("service.count_axis"))
    rk.figure(fig, "reasons", t("service.reasons_caption"), ch.source_note)
    rk.table(translated_headers(r.reasons.assign(reason=names, share=r.reasons["share"].map(ch.pct)), t), "reasons",
             t("service.reasons_table_caption"), ch.source_note)


# --------------------------------------------------------------------------- diagnosis
@dataclass
class DiagnosisResult:
    causes: pd.DataFrame           # P(cause | symptom) on all history to the period's end
    causes_by_type: pd.DataFrame   # the same per machine type, where a type has enough dispatches
    charted: list                  # the most frequent mapped symptoms, charted
    checklist: pd.DataFrame        # causes in the order an engineer should rule them out
    checklist_symptoms: list       # the symptoms whose checklists are shown


@computes("service.diagnosis")
def diagnosis_section(s: Scope) -> DiagnosisResult:
    causes = service.cause_given_symptom(s.history)
    charted = s.history["symptom_code"].value_counts().drop("UNMAPPED", errors="ignore").head(CHARTED_SYMPTOMS).index
    return DiagnosisResult(
        causes=causes,
        causes_by_type=service.cause_given_symptom(s.history, by="machine_type", min_dispatches=20, keep_unseen=False),
        charted=list(charted), checklist=service.diagnosis_checklist(causes),
        checklist_symptoms=list(charted[:CHECKLIST_SYMPTOMS]))


@shows("service.diagnosis")
def show_diagnosis(ch: Chapter, s: Scope, r: DiagnosisResult) -> None:
    t = ch.t
    rk.section(t("service.diagnosis_section"))
    rk.save_table(r.causes, "cause_given_symptom")
    rk.save_table(r.causes_by_type, "cause_given_symptom_by_type")
    rk.paragraph(t("service.diagnosis_text"))
    if r.causes.attrs.get("left_out"):
        rk.paragraph(t("service.diagnosis_left_out", n=ch.num(r.causes.attrs["left_out"])))
    causes = r.causes
    fig = charts.stacked_shares(causes[causes["symptom_code"].isin(r.charted)], row="symptom_code",
                                column="cause_code", value="probability", xlabel=t("service.share_axis"),
                                legend_title=t("service.cause_legend"),
                                row_labels={c: s.label("symptoms", c) for c in r.charted},
                                column_labels={c: s.label("causes", c) for c in causes["cause_code"].unique()},
                                other_label=t("service.other"))
    rk.figure(fig, "causes", t("service.causes_caption"), ch.source_note)
    shown = causes[causes["symptom_code"].isin(r.charted) & (causes["probability"] >= 0.05)].copy()
    shown["ci"] = interval_texts(shown.ci_low, shown.ci_high, ch.pct)
    shown = shown.assign(symptom=shown["symptom_code"].map(lambda c: s.label("symptoms", c)),
                         cause=shown["cause_code"].map(lambda c: s.label("causes", c)),
                         probability=shown["probability"].map(ch.pct))
    rk.table(translated_headers(shown[["symptom", "cause", "dispatches", "probability", "ci"]], t), "causes",
             t("service.causes_table_caption"), ch.source_note, max_rows=36)

    checklist, major = r.checklist, r.checklist_symptoms
    rk.save_table(checklist, "diagnosis_checklist")
    rk.paragraph(ch.sentences([t("service.checklist_text"), t("service.checklist_left_out", n=ch.num(
        checklist.attrs["left_out"])) if checklist.attrs.get("left_out") else ""]))
    shown = checklist[checklist["symptom_code"].isin(major)].copy()
    shown["symptom_code"] = pd.Categorical(shown["symptom_code"], major)
    shown = shown.sort_values(["symptom_code", "rank"])
    shown = shown.assign(symptom=shown["symptom_code"].astype(str).map(lambda c: s.label("symptoms", c)),
                         cause=shown["cause_code"].map(lambda c: s.label("causes", c)),
                         probability=shown["probability"].map(ch.pct),
                         cumulative=shown["cumulative_observed_share"].map(ch.pct))
    rk.table(translated_headers(shown[["symptom", "rank", "cause", "dispatches", "probability", "cumulative"]], t),
             "checklist", t("service.checklist_caption"), ch.source_note, max_rows=30)
    for i, code in enumerate(major, start=1):
        rows = checklist[checklist["symptom_code"] == code]
        fig = charts.pareto([s.label("causes", c) for c in rows["cause_code"]], rows["observed_share"],
                            ylabel=t("service.share_axis"), cumulative_label=t("service.cumulative_axis"))
        rk.figure(fig, f"pareto_{i}", t("service.pareto_caption", symptom=s.label("symptoms", code)), ch.source_note)


# --------------------------------------------------------------------------- the two-part kit
@dataclass
class KitResult:
    kit: pd.DataFrame              # per symptom: the best two-part kit and what it would save
    quarters: int                  # quarters of history the savings are averaged over
    saved_per_quarter: float       # second visits a quarter the kits would have saved
    unmapped_symptom: int = 0      # dispatches left out: their symptom was not confidently coded
    unknown_need: int = 0          # dispatches of a coded symptom whose needed parts cannot be told


@computes("service.kit")
def kit_section(s: Scope) -> KitResult:
    kit = service.parts_kit(s.history, cause_parts=s.taxonomy.cause_parts)
    quarters = max(1, s.history["reported_at"].dt.to_period("Q").nunique())
    kit["second_visits_saved_per_quarter"] = kit["expected_second_visits_saved"] / quarters
    saved = kit.loc[kit["symptom_code"] != "UNMAPPED", "second_visits_saved_per_quarter"].sum()
    coded = kit["symptom_code"] != "UNMAPPED"
    return KitResult(kit=kit, quarters=quarters, saved_per_quarter=saved,
                     unmapped_symptom=int(kit.attrs.get("left_out", 0)),
                     unknown_need=int(kit.loc[coded, "unknown_need"].sum()))


@shows("service.kit")
def show_kit(ch: Chapter, s: Scope, r: KitResult) -> None:
    t = ch.t
    rk.section(t("service.kit_section"))
    rk.save_table(r.kit, "parts_kit")
    rk.paragraph(ch.sentences([
        t("service.kit_text", saved=ch.num(r.saved_per_quarter, 1), quarters=r.quarters)
        if r.saved_per_quarter > 0.05 else t("service.kit_no_gain"),
        t("service.kit_left_out", unmapped=ch.num(r.unmapped_symptom), unknown=ch.num(r.unknown_need))
        if r.unmapped_symptom or r.unknown_need else ""]))
    kit = r.kit
    shown = kit[kit["symptom_code"] != "UNMAPPED"].sort_values("dispatches", ascending=False)
    shown = shown.assign(symptom=shown["symptom_code"].map(lambda c: s.label("symptoms", c)),
                         kit_coverage=shown["kit_coverage"].map(ch.pct),
                         sent_coverage=shown["sent_coverage"].map(ch.pct),
                         saved_per_quarter=shown["second_visits_saved_per_quarter"].map(
                             lambda x: ch.num(round(x, 1) + 0.0, 1)),
                         part_1=shown["part_1"].fillna("–"), part_2=shown["part_2"].fillna("–"))
    rk.table(translated_headers(shown[["symptom", "part_1", "part_2", "dispatches", "kit_coverage", "sent_coverage",
                                       "saved_per_quarter"]], t), "kit", t("service.kit_caption"), ch.source_note)


# --------------------------------------------------------------------------- CAG
@dataclass
class CagResult:
    overall: pd.Series             # the twelve months' accuracy
    by_level: pd.DataFrame
    confusion: pd.DataFrame        # predicted × actual cause, the five most frequent
    misses: pd.DataFrame           # per symptom: how often the prediction missed


@computes("service.cag")
def cag_section(s: Scope) -> CagResult:
    return CagResult(overall=service.cag_accuracy(s.recent).iloc[-1],
                     by_level=service.cag_accuracy(s.recent, by="service_level"),
                     confusion=service.cag_confusion(s.recent, top=5),
                     misses=service.cag_misses_by_symptom(s.recent, include_unmapped=False))


@shows("service.cag")
def show_cag(ch: Chapter, s: Scope, r: CagResult) -> None:
    t, pct1 = ch.t, _pct1(ch)
    rk.section(t("service.cag_section"))
    acc = r.overall
    rk.save_table(r.by_level, "cag_accuracy")
    rk.paragraph(t("service.cag_text", correct=int(acc.correct), predictions=int(acc.predictions),
                   rate=pct1(acc.accuracy), low=pct1(acc.ci_low), high=pct1(acc.ci_high)))

    def cause_name(c):
        return t("service.other") if c == "OTHER" else s.label("causes", c)
    named = r.confusion.rename(index=cause_name, columns=cause_name)
    fig = charts.confusion_heatmap(named.div(named.sum(axis=1).replace(0, 1), axis=0),
                                   xlabel=t("service.actual_axis"), ylabel=t("service.predicted_axis"))
    rk.figure(fig, "cag", t("service.cag_caption"), ch.source_note)
    rk.table(named.rename_axis(index=t("col.predicted"), columns=None).reset_index(), "cag",
             t("service.cag_table_caption"), ch.source_note)
    misses = r.misses
    shown = misses.assign(symptom=misses["symptom_code"].map(lambda c: s.label("symptoms", c)),
                          miss_rate=misses["miss_rate"].map(ch.pct),
                          ci=interval_texts(misses.ci_low, misses.ci_high, ch.pct),
                          top_missed_cause=misses["top_missed_cause"].map(
                              lambda c: s.label("causes", c) if isinstance(c, str) else "–"))
    rk.table(translated_headers(shown[["symptom", "predictions", "misses", "miss_rate", "ci", "top_missed_cause"]],
                                t), "cag_misses", t("service.cag_misses_caption"), ch.source_note, max_rows=6)


# --------------------------------------------------------------------------- workload
@dataclass
class WorkloadResult:
    workload: pd.DataFrame         # the twelve months by engineer, customer and month
    per_month: pd.DataFrame
    customers: pd.DataFrame        # the period's dispatches by customer
    league: pd.DataFrame           # the period's engineers: first-time fix and breaches


@computes("service.workload")
def workload_section(s: Scope) -> WorkloadResult:
    load = service.workload(s.recent)
    flags = s.flags()
    return WorkloadResult(workload=load,
                          per_month=load[(load["dimension"] == "month") & (load["key"] != UNKNOWN_GROUP)],
                          customers=service.workload(s.dispatches, dimensions=("customer_id",)),
                          league=service.engineer_league(s.dispatches, flags))


@shows("service.workload")
def show_workload(ch: Chapter, r: WorkloadResult) -> None:
    t = ch.t
    rk.section(t("service.workload_section"))
    rk.save_table(r.workload, "workload")
    rk.paragraph(t("service.workload_text"))
    fig = charts.columns_over_time(r.per_month, "key", "dispatches", xlabel=t("service.month_axis"),
                                   ylabel=t("service.count_axis"))
    rk.figure(fig, "workload", t("service.workload_caption"), ch.source_note)
    rk.table(translated_headers(r.per_month[["key", "dispatches"]].rename(columns={"key": "month"}), t), "workload",
             t("service.workload_caption"), ch.source_note)
    top = r.customers.assign(share=r.customers["share"].map(ch.pct))[["label", "dispatches", "share"]]
    rk.table(translated_headers(top.rename(columns={"label": "customer"}), t), "top_customers",
             t("service.top_customers_caption"), ch.source_note, max_rows=10)
    league = r.league
    shown = league.assign(
        ftf_rate=values_with_intervals(league.ftf_rate, league.ftf_ci_low, league.ftf_ci_high, ch.pct),
        breach_rate=values_with_intervals(league.breach_rate, league.breach_ci_low, league.breach_ci_high, ch.pct))
    rk.table(translated_headers(shown[["engineer", "dispatches", "ftf_dispatches", "ftf_rate", "sla_dispatches",
                                       "breaches", "breach_rate"]], t), "league", t("service.league_caption"),
             ch.source_note, max_rows=25)


# --------------------------------------------------------------------------- the thesis's table 4-1
@computes("service.thesis_table")
def thesis_table_section(ch: Chapter) -> pd.DataFrame:
    """The thesis's table 4-1 as cleaned (empty when the data does not hold it)."""
    return service.thesis_table_4_1(ch.data["dispatches"])


@shows("service.thesis_table")
def show_thesis_table(ch: Chapter, thesis: pd.DataFrame) -> None:
    t = ch.t
    rk.section(t("service.thesis_section"))
    rk.paragraph(t("service.thesis_text"))
    shown = thesis.assign(date=thesis["reported_on"].astype(str), customer=thesis["customer_name"],
                          type_model=thesis["machine_type_model"],
                          cause_codes=thesis["cause_codes"].map(lambda c: " + ".join(c) if c is not None else "–"))
    rk.table(translated_headers(shown[["date", "symptom_text", "symptom_code", "type_model", "customer",
                                       "cause_codes"]], t), "thesis_4_1", t("service.thesis_caption"), ch.source_note)
