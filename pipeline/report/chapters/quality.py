"""Chapter 1 of the report, the data and its quality: what was read, kept, rejected and merged, and what
no taxonomy rule mapped. Each section is computed from :mod:`pipeline.analyses.quality`, then shown."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.analyses import quality
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.charts import base as charts
from pipeline.report.present import translated_headers

ACCOUNTING_COLUMNS = ["file", "table", "rows_read", "rows_kept", "rows_rejected", "duplicates", "sha256"]


@dataclass
class AccountingResult:
    files: pd.DataFrame            # per raw file: read = kept + rejected + duplicates
    totals: pd.Series              # the four counts over every file
    warnings: pd.DataFrame         # whole-file warnings (truncated exports, formulas without values)


def accounting_section(ch: Chapter) -> AccountingResult:
    files = quality.accounting_table(ch.manifest)
    return AccountingResult(files=files, totals=files[["rows_read", "rows_kept", "rows_rejected", "duplicates"]].sum(),
                            warnings=quality.file_warnings(ch.manifest))


def show_accounting(ch: Chapter, r: AccountingResult) -> None:
    t, n = ch.t, r.totals
    rk.chapter(t("quality.title"))
    rk.paragraph(t("quality.intro", period=ch.period.label, files=len(r.files), read=ch.num(n.rows_read),
                   kept=ch.num(n.rows_kept), rejected=ch.num(n.rows_rejected), duplicates=ch.num(n.duplicates)))
    rk.section(t("quality.accounting_section"))
    shown = r.files.assign(sha256=r.files["sha256"].str[:12])[ACCOUNTING_COLUMNS]
    rk.table(translated_headers(shown, t), "accounting", t("quality.accounting_caption"), ch.source_note)
    if not r.warnings.empty:
        rk.section(t("quality.warnings_section"))
        rk.paragraph(t("quality.warnings_text", n=r.warnings["file"].nunique()))
        for w in r.warnings.to_dict("records"):
            params = {k: (ch.num(v) if isinstance(v, int) else v) for k, v in w.items() if k not in ("code", "message")}
            rk.paragraph(t(f"warning.{w['code']}", **params))


def rejects_section(ch: Chapter) -> pd.Series:
    """Rejected rows per reason code, most frequent first."""
    reasons = quality.reject_reasons(ch.data["rejects"])
    return reasons.groupby("reason_code")["rows"].sum().sort_values(ascending=False)


def show_rejects(ch: Chapter, by_reason: pd.Series) -> None:
    t = ch.t
    rk.section(t("quality.rejects_section"))
    if by_reason.empty:
        rk.paragraph(t("quality.no_rejects"))
        return
    rk.paragraph(t("quality.rejects_text"))
    fig = charts.horizontal_bars([t(f"reason.{r}") for r in by_reason.index], by_reason.values,
                                 xlabel=t("quality.rows"))
    rk.figure(fig, "rejects", t("quality.rejects_caption"), ch.source_note)


@dataclass
class MappingResult:
    coverage: dict                 # shares of symptom and cause texts a taxonomy rule mapped
    unmapped: pd.DataFrame         # the texts no rule mapped, most frequent first


def mapping_section(ch: Chapter) -> MappingResult:
    dispatches = ch.data["dispatches"]
    return MappingResult(coverage=quality.mapping_coverage(dispatches), unmapped=quality.unmapped_texts(dispatches))


def show_mapping(ch: Chapter, r: MappingResult) -> None:
    t = ch.t
    rk.section(t("quality.mapping_section"))
    values = {k: ch.pct(v, 1) for k, v in r.coverage.items()}
    if r.unmapped.empty:
        rk.paragraph(t("quality.all_mapped", **values))
        return
    rk.paragraph(t("quality.mapping_text", **values))
    shown = r.unmapped.assign(kind=r.unmapped["kind"].map(lambda k: t(f"kind.{k}")))
    rk.table(translated_headers(shown, t), "unmapped", t("quality.unmapped_caption"), ch.source_note)


def customers_section(ch: Chapter) -> pd.DataFrame:
    """Customer names merged into another customer, with the score."""
    return quality.customer_merges(ch.data["customer_names"])


def show_customers(ch: Chapter, merges: pd.DataFrame) -> None:
    t = ch.t
    rk.section(t("quality.customers_section"))
    if merges.empty:
        rk.paragraph(t("quality.no_merges"))
        return
    rk.paragraph(t("quality.merges_text", n=len(merges)))
    rk.table(translated_headers(merges[["name", "canonical_name", "score"]], t), "merges",
             t("quality.merges_caption"), ch.source_note)
