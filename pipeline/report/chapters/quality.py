"""Chapter 1 of the report, the data and its quality: what was read, kept, rejected and merged, and what
no taxonomy rule mapped. Each section is computed from :mod:`pipeline.analyses.quality`, then shown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.analyses import coverage, quality
from pipeline.contract.sections import SECTIONS
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.charts import base as charts
from pipeline.report.present import translated_headers
from pipeline.report.sections import computes, reason, section_name, shows

ACCOUNTING_COLUMNS = ["file", "table", "rows_read", "rows_kept", "rows_rejected", "duplicates", "sha256"]


@dataclass
class AccountingResult:
    files: pd.DataFrame            # per raw file: read = kept + rejected + duplicates
    totals: pd.Series              # the four counts over every file
    warnings: pd.DataFrame         # whole-file warnings (truncated exports, formulas without values)


@computes("quality.accounting")
def accounting_section(ch: Chapter) -> AccountingResult:
    files = quality.accounting_table(ch.manifest)
    totals = files[["rows_read", "rows_kept", "rows_rejected", "duplicates", "states_folded"]].sum()
    return AccountingResult(files=files, totals=totals,
                            warnings=quality.file_warnings(ch.manifest))


@shows("quality.accounting")
def show_accounting(ch: Chapter, r: AccountingResult) -> None:
    t, n = ch.t, r.totals
    rk.chapter(t("quality.title"))
    # a state log's earlier states are neither losses nor copies: named only where a file had them
    states = int(n.states_folded)
    rk.paragraph(t("quality.intro_states" if states else "quality.intro", period=ch.period_text, files=len(r.files),
                   read=ch.num(n.rows_read), kept=ch.num(n.rows_kept), rejected=ch.num(n.rows_rejected),
                   duplicates=ch.num(n.duplicates), states=ch.num(states)))
    rk.section(t("quality.accounting_section"))
    columns = ACCOUNTING_COLUMNS if not states else [*ACCOUNTING_COLUMNS[:-1], "states_folded", "sha256"]
    shown = r.files.assign(sha256=r.files["sha256"].str[:12])[columns]
    rk.table(translated_headers(shown, t), "accounting", t("quality.accounting_caption"), ch.source_note)
    if not r.warnings.empty:
        rk.section(t("quality.warnings_section"))
        rk.paragraph(t("quality.warnings_text", n=r.warnings["file"].nunique()))
        for w in r.warnings.to_dict("records"):
            params = {k: (ch.num(v) if isinstance(v, int) else v) for k, v in w.items() if k not in ("code", "message")}
            rk.paragraph(t(f"warning.{w['code']}", **params))


@dataclass
class CoverageResult:
    tables: pd.DataFrame           # per input table: rows, rows in the period, dates, optional columns filled
    sections: pd.DataFrame         # per report section: chapter, whether it is shown, why not


@computes("quality.coverage")
def coverage_section(ch: Chapter) -> CoverageResult:
    tables = coverage.table_coverage(ch.data, ch.period)
    sections = pd.DataFrame([{"section": key, "chapter": s.chapter, "unmet": ch.unmet(key)}
                             for key, s in SECTIONS.items() if not (s.silent and ch.unmet(key))])
    return CoverageResult(tables=tables, sections=sections)


@shows("quality.coverage")
def show_coverage(ch: Chapter, r: CoverageResult) -> None:
    t = ch.t
    rk.section(t("quality.coverage_section"))
    rk.paragraph(t("quality.coverage_text", period=ch.period_text))

    def day(ts) -> str:
        return "–" if ts is None or pd.isna(ts) else pd.Timestamp(ts).date().isoformat()
    tables = r.tables.assign(table=r.tables["table"].map(lambda name: t(f"table.{name}")),
                             first=r.tables["first"].map(day), last=r.tables["last"].map(day),
                             columns=r.tables["columns"].map(lambda cs: ", ".join(cs) or "–"),
                             columns_missing=r.tables["columns_missing"].map(lambda cs: ", ".join(cs) or "–"))
    rk.table(translated_headers(tables, t), "coverage", t("quality.coverage_caption"), ch.source_note)
    sections = pd.DataFrame({
        "chapter": [ch.t(f"{chapter}.title") for chapter in r.sections["chapter"]],
        "section": [section_name(ch, SECTIONS[key]) for key in r.sections["section"]],
        "shown": [t("quality.section_shown") if not unmet else ch.sentences(reason(ch, u) for u in unmet)
                  for unmet in r.sections["unmet"]]})
    rk.table(translated_headers(sections, t), "sections", t("quality.sections_caption"), ch.source_note,
             max_rows=len(sections))


@computes("quality.rejects")
def rejects_section(ch: Chapter) -> pd.Series:
    """Rejected rows per reason code, most frequent first."""
    reasons = quality.reject_reasons(ch.data["rejects"])
    return reasons.groupby("reason_code")["rows"].sum().sort_values(ascending=False)


@shows("quality.rejects")
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
    local: dict | None = None      # the local taxonomy file's record in the manifest, if one was merged


@computes("quality.mapping")
def mapping_section(ch: Chapter) -> MappingResult:
    dispatches = ch.data["dispatches"]
    return MappingResult(coverage=quality.mapping_coverage(dispatches),
                         unmapped=quality.unmapped_texts(dispatches, taxonomy=ch.taxonomy),
                         local=(ch.manifest.get("taxonomy") or {}).get("local"))


@shows("quality.mapping")
def show_mapping(ch: Chapter, r: MappingResult) -> None:
    t = ch.t
    rk.section(t("quality.mapping_section"))
    values = {k: ch.pct(v, 1) for k, v in r.coverage.items()}
    if r.local:
        show_local_taxonomy(ch, r.local)
    if r.unmapped.empty:
        rk.paragraph(t("quality.all_mapped", **values))
        return
    rk.paragraph(t("quality.mapping_text", **values))
    taxonomy = ch.taxonomy
    shown = r.unmapped.assign(
        kind=r.unmapped["kind"].map(lambda k: t(f"kind.{k}")),
        suggested=[taxonomy.label(f"{k}s", c, ch.lang) if isinstance(c, str) else "–"
                   for k, c in zip(r.unmapped["kind"], r.unmapped["suggested"])],
        similarity=r.unmapped["similarity"].map(lambda v: ch.num(v, 2) if pd.notna(v) else "–"))
    rk.table(translated_headers(shown, t), "unmapped", t("quality.unmapped_caption"), ch.source_note)


def show_local_taxonomy(ch: Chapter, local: dict) -> None:
    """What the deployment's own taxonomy file changed: its changes, and the texts it coded otherwise."""
    t = ch.t
    recoded = local["recoded"]
    rk.paragraph(t("quality.local_taxonomy", file=Path(local["file"]).name, changes=len(local["changes"]),
                   symptoms=recoded["symptoms"]["texts"], symptom_dispatches=recoded["symptoms"]["dispatches"],
                   causes=recoded["causes"]["texts"], cause_dispatches=recoded["causes"]["dispatches"]))
    rows = [{"kind": t(f"kind.{kind[:-1]}"), **r} for kind in ("symptoms", "causes")
            for r in recoded[kind]["listed"][:LOCAL_SHOWN]]
    if rows:
        table = pd.DataFrame(rows)[["kind", "text", "dispatches", "built_in", "local"]]
        rk.table(translated_headers(table, t), "recoded", t("quality.recoded_caption", n=LOCAL_SHOWN),
                 ch.source_note)


# recoded texts shown per kind (the manifest lists more)
LOCAL_SHOWN = 10


@computes("quality.customers")
def customers_section(ch: Chapter) -> pd.DataFrame:
    """Customer names merged into another customer, with the score."""
    return quality.customer_merges(ch.data["customer_names"])


@shows("quality.customers")
def show_customers(ch: Chapter, merges: pd.DataFrame) -> None:
    t = ch.t
    rk.section(t("quality.customers_section"))
    if merges.empty:
        rk.paragraph(t("quality.no_merges"))
        return
    rk.paragraph(t("quality.merges_text", n=len(merges)))
    rk.table(translated_headers(merges[["name", "canonical_name", "score"]], t), "merges",
             t("quality.merges_caption"), ch.source_note)


@computes("quality.vocabulary")
def vocabulary_section(ch: Chapter) -> pd.DataFrame:
    """Per table and column, the service levels and tiers outside the built-in vocabulary, with their rows."""
    return coverage.outside_vocabulary(ch.data)


@shows("quality.vocabulary")
def show_vocabulary(ch: Chapter, outside: pd.DataFrame) -> None:
    t = ch.t
    rk.section(t("quality.vocabulary_section"))

    def example(column: str, fallback: str) -> str:
        values = outside.loc[outside["column"] == column, "value"]
        return str(values.iloc[0]) if len(values) else fallback
    rk.paragraph(t("quality.vocabulary_text", rows=ch.num(int(outside["rows"].sum())),
                   level_example=example("service_level", "Value 2"), tier_example=example("tier", "Corporate")))
    shown = outside.assign(table=outside["table"].map(lambda name: t(f"table.{name}")),
                           column=outside["column"].map(lambda c: t(f"col.{c}")), rows=outside["rows"].map(ch.num))
    rk.table(translated_headers(shown, t), "vocabulary", t("quality.vocabulary_caption"), ch.source_note,
             max_rows=40)
