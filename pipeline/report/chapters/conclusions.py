"""Chapter 5 of the report, conclusions, and the abstract: every sentence generated from the results
(:mod:`pipeline.analyses.findings`, put into words by :mod:`pipeline.report.sentences`), never typed in."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.analyses import findings
from pipeline.report import reportkit as rk
from pipeline.report import sentences
from pipeline.report.chapter import Chapter
from pipeline.report.sections import computes, shows


@dataclass
class ConclusionsResult:
    metrics: list                  # the key numbers: this period, the previous one, a year earlier
    driver: findings.Driver | None  # the symptom behind the largest move in first-time fix


@computes("conclusions.findings")
def conclusions_section(ch: Chapter) -> ConclusionsResult:
    return ConclusionsResult(metrics=findings.key_metrics(ch.data, ch.period),
                             driver=findings.ftf_driver(ch.data, ch.period))


@shows("conclusions.findings")
def show_conclusions(ch: Chapter, r: ConclusionsResult) -> None:
    t = ch.t
    # the abstract: the renderer moves it to the front matter, after the title page
    rk.abstract(sentences.abstract(r.metrics, ch.period, ch.lang, r.driver, ch.taxonomy))
    rk.chapter(t("conclusions.title"))
    rk.paragraph(t("conclusions.intro"))
    for sentence in sentences.sentences(r.metrics, ch.lang):
        rk.paragraph(sentence)
    driver_text = sentences.driver_sentence(r.driver, ch.lang, ch.taxonomy)
    if driver_text:
        rk.paragraph(driver_text)
    rk.table(sentences.metrics_table(r.metrics, ch.lang), "key_numbers", t("conclusions.caption"), ch.source_note)
