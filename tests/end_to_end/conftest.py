"""The report rendered on shapes of data: the sample with a table, a column, rows or events taken away.

The sample's exports are first rewritten as UTF-8 CSVs under the contract's own column names (cleaning
them gives the same processed tables as the originals), so that a shape is made by dropping a column by
its contract name, a file, or rows. Each shape is cleaned and rendered in this process
(:mod:`pipeline.report.direct`, seconds per report) and checked by :func:`check_html`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

SAMPLE_RUN_DATE = "2026-11-29"   # as tests/conftest.py

# The shapes are rendered on a small sample: every section of the full sample still has the data it needs.
SHAPE_CUSTOMERS = 60
SHAPE_PERIOD = "2009Q4"
# What each chapter's sections read: its outputs can change only when one of these processed tables does.
CHAPTER_READS = {
    "02_service": ("dispatches", "customers"),
    "03_customer_value": ("sales", "customers", "contracts"),
    "04_lifecycle": ("sales", "contracts", "dispatches", "customers"),
}
# Tables of a chapter that also read a table its other sections do not: compared only when that one is
# unchanged too (chapter 3's service-and-purchasing model reads the dispatches; the rest of the chapter
# does not, and must not move when they change)
TABLE_READS = {("03_customer_value", "service_purchase_effect"): ("dispatches",),
               ("03_customer_value", "service_effect"): ("dispatches",)}
# Words that must never reach the running text (outside figures and scripts).
BAD_WORDS = re.compile(r"\bnan\b|\bNaN\b|\bNaT\b|\bNone\b|\(unknown\)|\binf\b|\{(?:fig|tab|sec):")


@dataclass
class Rendered:
    html: str
    text: str                                   # the visible text, tags removed
    processed: dict[str, pd.DataFrame]
    tables: dict[str, dict[str, pd.DataFrame]]  # chapter notebook → table name → table
    sections: pd.DataFrame                      # chapter 1's list: section, shown or why not


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<img\b[^>]*>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def check_html(rendered: Rendered) -> None:
    """No nan/None/(unknown) or unresolved reference in the text, no table without rows, no empty figure."""
    bad = sorted({m.group(0) for m in BAD_WORDS.finditer(rendered.text)})
    assert not bad, f"the report's text holds {bad}: " + "; ".join(
        rendered.text[max(0, m.start() - 80):m.end() + 40] for m in BAD_WORDS.finditer(rendered.text))[:1500]
    for table in re.findall(r"<table\b.*?</table>", rendered.html, flags=re.S):
        assert "<td" in table, f"a table without rows: {visible_text(table)[:200]}"
    for img in re.findall(r"<img\b[^>]*>", rendered.html):
        assert re.search(r'src="data:image/[a-z+]+;base64,[A-Za-z0-9+/]{200}', img), "a figure without an image"


def canonical_exports(raw: Path) -> dict[str, tuple[str, pd.DataFrame]]:
    """Each raw export of ``raw`` read as text under the contract's column names: name → (table, frame)."""
    from pipeline.ingest.headers import table_from_filename
    from pipeline.ingest.read import read_raw

    out = {}
    for path in sorted(raw.iterdir()):
        table = table_from_filename(path.name)
        if table is None:
            continue
        frame = read_raw(path, path.name, table, arrow=False).frame
        out[f"{path.stem}.csv"] = (table, frame.reset_index(drop=True))
    return out


class Shapes:
    """Makes a shape's raw folder from the canonical exports, cleans it and renders its report."""

    def __init__(self, exports: dict[str, tuple[str, pd.DataFrame]], root: Path):
        self.exports, self.root = exports, root
        self.made = 0

    def frames(self, table: str) -> dict[str, pd.DataFrame]:
        return {name: frame.copy() for name, (t, frame) in self.exports.items() if t == table}

    def render(self, files: dict[str, tuple[str, pd.DataFrame]] | None = None, *, lang: str = "en",
               **period) -> Rendered:
        from pipeline.clean import clean
        from pipeline.processed import load_processed, write_processed
        from pipeline.report.direct import render_here

        self.made += 1
        folder = self.root / f"shape{self.made}"
        raw, processed, out = folder / "raw", folder / "processed", folder / "report"
        raw.mkdir(parents=True)
        for name, (_table, frame) in (self.exports if files is None else files).items():
            frame.to_csv(raw / name, index=False, encoding="utf-8")
        write_processed(clean(raw, run_date=SAMPLE_RUN_DATE), processed)
        if not period:
            period = {"period": SHAPE_PERIOD}
        html_path = render_here(processed, out, lang=lang, separate=True, **period)
        html = html_path.read_text(encoding="utf-8")
        tables = {chapter.name: {p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
                                 for p in sorted((chapter / "tables").glob("*.csv"))}
                  for chapter in sorted(out.iterdir()) if chapter.is_dir()}
        sections = tables.get("01_data_quality", {}).get("sections", pd.DataFrame())
        return Rendered(html, visible_text(html), load_processed(processed), tables, sections)

    def without(self, table: str | None = None, column: str | None = None, tables: tuple[str, ...] = ()):
        """The exports without ``table``'s ``column`` (or without the whole table, or ``tables``)."""
        gone = set(tables) | ({table} if column is None and table else set())
        files = {}
        for name, (t, frame) in self.exports.items():
            if t in gone:
                continue
            if t == table and column is not None:
                frame = frame.drop(columns=[column], errors="ignore")
            files[name] = (t, frame)
        return files


@pytest.fixture(scope="session")
def shapes(sample_exports, tmp_path_factory) -> Shapes:
    raw, _truth = sample_exports(SHAPE_CUSTOMERS)
    return Shapes(canonical_exports(raw), tmp_path_factory.mktemp("shapes"))


@pytest.fixture(scope="session")
def full(shapes) -> Rendered:
    """The report of the whole small sample: what every shape is compared with."""
    rendered = shapes.render()
    check_html(rendered)
    return rendered


def same_processed(a: pd.DataFrame | None, b: pd.DataFrame | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    # where a row came from, and the names a customer was found under in every table, are bookkeeping
    # that no chapter's numbers read
    drop = ["source_file", "source_row", "aliases"]
    a, b = a.drop(columns=drop, errors="ignore"), b.drop(columns=drop, errors="ignore")
    return list(a.columns) == list(b.columns) and a.astype(str).reset_index(drop=True).equals(
        b.astype(str).reset_index(drop=True))


def assert_unchanged_where_inputs_are(shape: Rendered, full: Rendered) -> list[str]:
    """Every chapter whose processed inputs are the full sample's wrote the same tables; returns the
    chapters compared (a shape that leaves a chapter's inputs alone must not change its numbers)."""
    compared = []
    for chapter, reads in CHAPTER_READS.items():
        if not all(same_processed(shape.processed.get(t), full.processed.get(t)) for t in reads):
            continue
        compared.append(chapter)
        skipped = {name for (ch, name), extra in TABLE_READS.items() if ch == chapter and not all(
            same_processed(shape.processed.get(t), full.processed.get(t)) for t in extra)}
        assert shape.tables[chapter].keys() - skipped == full.tables[chapter].keys() - skipped, chapter
        for name, table in full.tables[chapter].items():
            if name not in skipped:
                pd.testing.assert_frame_equal(shape.tables[chapter][name], table, obj=f"{chapter}/{name}")
    return compared
