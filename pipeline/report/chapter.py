"""What every report notebook does first: load the processed data, settle the period, set up output.

A notebook's parameters cell holds only strings; :func:`open_chapter` validates them, so a bad
period or language stops with one clear message before any analysis runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.analyses.period import Period, latest_complete_quarter, parse_period
from pipeline.errors import PipelineError
from pipeline.processed import load_manifest, load_processed
from pipeline.report import i18n

# The tables whose dates place the report's period (contracts' end dates run into the future).
DATED_TABLES = {"dispatches": "reported_at", "sales": "order_date"}


def data_spans(data: dict[str, pd.DataFrame]) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """First and last day of each dated table that has rows."""
    out = {}
    for table, column in DATED_TABLES.items():
        frame = data.get(table)
        if frame is not None and len(frame) and frame[column].notna().any():
            out[table] = (frame[column].min().normalize(), frame[column].max().normalize())
    return out


def _spans_text(spans: dict) -> str:
    return "; ".join(f"{table} cover {first.date()} to {last.date()}" for table, (first, last) in spans.items())


def default_period(data: dict[str, pd.DataFrame], run_date=None) -> Period:
    """The latest complete quarter in which every table that has rows has data: when the dispatch export
    ends before the sales export (or the other way round), the quarter where both still have data. When no
    quarter has data of every table, the latest complete quarter of the data; when that quarter has no data
    at all (the data cover less than a quarter's end), the quarter the data end in."""
    spans = data_spans(data)
    if not spans:
        raise PipelineError("the processed data holds no dated dispatches or sales")
    latest = latest_complete_quarter(max(last for _, last in spans.values()), run_date)
    quarter = latest_complete_quarter(min(last for _, last in spans.values()), run_date)
    first_common = max(first for first, _ in spans.values())
    while quarter.end >= first_common:
        if all(quarter.contains(data[t][c]).any() for t, c in DATED_TABLES.items() if t in spans):
            return quarter
        quarter = quarter.previous()
    if not any(latest.contains(data[t][c]).any() for t, c in DATED_TABLES.items() if t in spans):
        last = max(last for _, last in spans.values())
        return parse_period(f"{last.year}Q{(last.month - 1) // 3 + 1}")
    return latest


def resolve_period(data, period: str = "", start: str = "", end: str = "", run_date=None) -> Period:
    """The chosen period, or by default :func:`default_period`. A period the data does not reach at all is
    one clear error naming what the data covers."""
    if not (period or start or end):
        return default_period(data, run_date)
    chosen = parse_period(period or None, start=start or None, end=end or None)
    spans = data_spans(data)
    if spans and not any(first <= chosen.end and last >= chosen.start for first, last in spans.values()):
        raise PipelineError(f"period {chosen.title()} is outside the data: {_spans_text(spans)}; choose a period "
                            f"in that range, or leave PERIOD empty for the latest complete quarter")
    return chosen


@dataclass
class Chapter:
    data: dict[str, pd.DataFrame]
    manifest: dict
    period: Period
    lang: str
    out_dir: Path
    params: dict = field(default_factory=dict)
    organisation_name: str = ""
    # chapters whose short "nothing to show" page has been written (once per chapter)
    explained: set = field(default_factory=set)
    _unmet: dict = field(default_factory=dict, repr=False)
    _cache: dict = field(default_factory=dict, repr=False)

    def unmet(self, section: str) -> list:
        """The needs of report section ``section`` (:mod:`pipeline.contract.sections`) the data does not
        meet in this chapter's period; empty when the section can be shown."""
        if section not in self._unmet:
            from pipeline.analyses.coverage import section_unmet

            self._unmet[section] = section_unmet(section, self.data, self.period, self.sla.targets)
        return self._unmet[section]

    @property
    def sla(self):
        """The SLA targets and business calendar in force: the built-in ones with what sources.yml declared
        (recorded by the clean in the manifest, :func:`pipeline.analyses.service.sla.targets_from_manifest`)."""
        if "sla" not in self._cache:
            from pipeline.analyses.service.sla import targets_from_manifest

            self._cache["sla"] = targets_from_manifest(self.manifest)
        return self._cache["sla"]

    def count_values(self, table: str, column: str, when: str) -> int:
        """Rows of ``table`` in the span ``when`` whose ``column`` holds a value."""
        from pipeline.analyses.coverage import Need, unmet

        found = unmet(Need("values", table, column, 1 << 62, when), self.data, self.period)
        return found.have if found is not None else 0

    @property
    def taxonomy(self):
        """The taxonomy the clean coded with: the built-in one, with the deployment's own file
        merged over it when there was one (recorded in the manifest)."""
        if "taxonomy" not in self._cache:
            from pipeline.clean.taxonomy_local import taxonomy_from_manifest

            self._cache["taxonomy"] = taxonomy_from_manifest(self.manifest)
        return self._cache["taxonomy"]

    @property
    def organisation(self) -> str:
        """The service organisation's name (sources.yml's ``organisation``), or the catalogue's neutral one."""
        return self.organisation_name or self.t("doc.organisation")

    @property
    def period_text(self) -> str:
        """The period as the running text names it (:meth:`Period.title`)."""
        return self.period.title(self.lang)

    def sentences(self, parts) -> str:
        """Sentences run together as the language writes them: a space between English ones, none in Chinese."""
        return ("" if self.lang.startswith("zh") else " ").join(p for p in parts if p)

    def t(self, key: str, **values) -> str:
        return i18n.t(key, self.lang, **values)

    @property
    def source_note(self) -> str:
        """The one-line source note under figures and tables."""
        files = len(self.manifest["files"])
        return self.t("doc.source_note", files=files, period=self.period_text)

    def in_period(self, table: str, column: str, period: Period | None = None) -> pd.DataFrame:
        frame = self.data[table]
        return frame[(period or self.period).contains(frame[column])]

    @property
    def dispatches(self) -> pd.DataFrame:
        """Dispatches reported in the period."""
        return self.in_period("dispatches", "reported_at")

    @property
    def sales(self) -> pd.DataFrame:
        """Sales lines ordered in the period."""
        return self.in_period("sales", "order_date")

    # number formats used in prose and tables
    def pct(self, x: float, digits: int = 0) -> str:
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.{digits}f}%"

    def num(self, x: float, digits: int = 0) -> str:
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{digits}f}"


def open_chapter(processed_dir: str, out_dir: str, period: str = "", start: str = "", end: str = "",
                 lang: str = "en", organisation: str = "") -> Chapter:
    from pipeline.report import reportkit

    i18n.check_language(lang)
    data = load_processed(processed_dir)
    manifest = load_manifest(processed_dir)
    chosen = resolve_period(data, period, start, end, manifest.get("run_date"))
    out = Path(out_dir)
    reportkit.setup(out, lang)
    return Chapter(data=data, manifest=manifest, period=chosen, lang=lang, out_dir=out,
                   params={"processed_dir": processed_dir, "period": chosen.label, "lang": lang},
                   organisation_name=organisation)
