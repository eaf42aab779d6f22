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
from pipeline.processed import load_manifest, load_processed
from pipeline.report import i18n


def data_end(data: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """The last day the data covers: the latest dispatch report or order date."""
    candidates = [data["dispatches"]["reported_at"].max(), data["sales"]["order_date"].max()]
    candidates = [c for c in candidates if pd.notna(c)]
    if not candidates:
        from pipeline.errors import PipelineError
        raise PipelineError("the processed data holds no dated dispatches or sales")
    return max(candidates).normalize()


def resolve_period(data, period: str = "", start: str = "", end: str = "", run_date=None) -> Period:
    """The chosen period, or by default the latest complete quarter of the data as of ``run_date``."""
    if period or start or end:
        return parse_period(period or None, start=start or None, end=end or None)
    return latest_complete_quarter(data_end(data), run_date)


@dataclass
class Chapter:
    data: dict[str, pd.DataFrame]
    manifest: dict
    period: Period
    lang: str
    out_dir: Path
    params: dict = field(default_factory=dict)

    def t(self, key: str, **values) -> str:
        return i18n.t(key, self.lang, **values)

    @property
    def source_note(self) -> str:
        """The one-line source note under figures and tables."""
        files = len(self.manifest["files"])
        return self.t("doc.source_note", files=files, period=self.period.label)

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
                 lang: str = "en") -> Chapter:
    from pipeline.report import reportkit

    i18n.check_language(lang)
    data = load_processed(processed_dir)
    manifest = load_manifest(processed_dir)
    chosen = resolve_period(data, period, start, end, manifest.get("run_date"))
    out = Path(out_dir)
    reportkit.setup(out, lang)
    return Chapter(data=data, manifest=manifest, period=chosen, lang=lang, out_dir=out,
                   params={"processed_dir": processed_dir, "period": chosen.label, "lang": lang})
