"""A per-customer service review, shown: the summary and agenda, the period's dispatches against the SLA,
machines, open tickets and contracts. Every number comes from :func:`pipeline.report.reviews.customer_review`;
``review.ipynb`` is one call of each."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.clean.taxonomy import Taxonomy
from pipeline.report import reportkit as rk
from pipeline.report import reviews
from pipeline.report.chapter import Chapter
from pipeline.report.charts.review import dispatch_timeline


@dataclass
class ReviewScope:
    review: reviews.Review
    cadence: str                   # quarterly or half-yearly
    source: str                    # the source note under the review's tables
    taxonomy: Taxonomy

    def symptom(self, code, lang: str) -> str:
        return "" if code is None or pd.isna(code) else self.taxonomy.label("symptoms", code, lang)


def open_review(ch: Chapter, customer_id: str, frequent_per_quarter: float) -> ReviewScope:
    review = reviews.customer_review(ch.data, str(customer_id), ch.period)
    due = reviews.due_customers(ch.data, ch.period, frequent_per_quarter)
    row = due[due["customer_id"] == review.customer_id]
    return ReviewScope(review=review, cadence=row["cadence"].iloc[0] if len(row) else "half-yearly",
                       source=ch.t("review.source", period=ch.period.label), taxonomy=ch.taxonomy)


def _when(ts) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M")


def _day(ts) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).strftime("%Y-%m-%d")


def _yes_no(ch: Chapter, values) -> list[str]:
    yes, no, undecided = ch.t("review.yes"), ch.t("review.no"), ch.t("review.undecided")
    return [undecided if pd.isna(v) else (yes if v else no) for v in values]


def show_summary(ch: Chapter, s: ReviewScope) -> None:
    t, review, n = ch.t, s.review, s.review.numbers
    rk.chapter(t("review.chapter"))
    rk.paragraph(t("review.summary", customer=review.customer_name, customer_id=review.customer_id,
                   tier=review.tier or t("review.tier_unknown"), cadence=t(f"review.cadence.{s.cadence}"),
                   period=ch.period.label, dispatches=n["dispatches"], breaches=n["breaches"], decided=n["decided"],
                   repeat=n["repeat_visits"], open=n["open_tickets"]))
    if n["renewal_date"] is not None:
        rk.paragraph(t("review.renewal", date=_day(n["renewal_date"])))
    else:
        rk.paragraph(t("review.no_renewal"))
    rk.section(t("review.agenda_section"))
    rk.bullets(reviews.agenda(review, ch.lang))


def show_dispatches(ch: Chapter, s: ReviewScope) -> None:
    t, d = ch.t, s.review.dispatches
    rk.section(t("review.dispatches_section"))
    if not len(d):
        rk.paragraph(t("review.no_dispatches"))
        return
    rk.paragraph(t("review.dispatches_text"))
    fig = dispatch_timeline(d, ch.period.end_exclusive, xlabel=t("review.timeline_x"),
                            on_time_label=t("review.timeline_on_time"), breached_label=t("review.timeline_breached"),
                            open_label=t("review.timeline_open"), deadline_label=t("review.timeline_deadline"))
    rk.figure(fig, "timeline", t("review.timeline_caption"), s.source)
    table = pd.DataFrame({
        t("review.col.ticket"): d["ticket_id"],
        t("review.col.level"): d["service_level"].fillna(""),
        t("review.col.reported"): d["reported_at"].map(_when),
        t("review.col.deadline"): d["response_deadline"].map(_when),
        t("review.col.arrived"): d["arrived_at"].map(_when),
        t("review.col.breached"): _yes_no(ch, d["breached"]),
        t("review.col.visits"): d["visits"].map(lambda v: "" if pd.isna(v) else str(int(v))),
        t("review.col.symptom"): d["symptom_code"].map(lambda c: s.symptom(c, ch.lang)),
        t("review.col.parts"): d["parts"],
    })
    rk.table(table, "dispatches", t("review.dispatches_caption"), s.source)


def show_machines_and_contracts(ch: Chapter, s: ReviewScope) -> None:
    t, review = ch.t, s.review
    rk.section(t("review.machines_section"))
    m = review.machines
    if len(m):
        rk.table(pd.DataFrame({t("review.col.machine"): m["machine"], t("review.col.serial"): m["serial"],
                               t("review.col.dispatches"): m["dispatches"],
                               t("review.col.last"): m["last_reported"].map(_day)}),
                 "machines", t("review.machines_caption"), s.source)
    else:
        rk.paragraph(t("review.no_machines"))

    rk.section(t("review.open_section"))
    o = review.open_tickets
    if len(o):
        rk.table(pd.DataFrame({t("review.col.ticket"): o["ticket_id"],
                               t("review.col.reported"): o["reported_at"].map(_when),
                               t("review.col.symptom"): o["symptom_code"].map(lambda c: s.symptom(c, ch.lang))}),
                 "open_tickets", t("review.open_caption"), s.source)
    else:
        rk.paragraph(t("review.no_open"))

    rk.section(t("review.contracts_section"))
    k = review.contracts
    if len(k):
        rk.table(pd.DataFrame({t("review.col.contract"): k["contract_id"],
                               t("review.col.level"): k["service_level"].fillna(""),
                               t("review.col.start"): k["start_date"].map(_day),
                               t("review.col.end"): k["end_date"].map(_day),
                               t("review.col.fee"): k["annual_fee"],
                               t("review.col.renewed"): _yes_no(ch, k["renewed"])}),
                 "contracts", t("review.contracts_caption"), s.source, float_format="{:,.0f}")
    else:
        rk.paragraph(t("review.no_renewal"))
