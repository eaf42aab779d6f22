"""Acceptance: the sample report in Traditional and Simplified Chinese (and English) as PDF.

The PDF text has the contents heading, Chinese chapter numbers and figure captions; every font is
embedded; the abstract and the references are there; the HTML is byte-identical across runs.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not all(shutil.which(t) for t in ("pdftotext", "pdffonts")),
                                 reason="poppler-utils not installed")]

RUN_DATE = "2026-11-29"
EXPECT = {
    "zh-Hant": ("目錄", "第一章", "圖1-1", "摘要", "參考文獻", "資料字典", "去年同期"),
    "zh-Hans": ("目录", "第一章", "图1-1", "摘要", "参考文献", "数据字典", "去年同期"),
    "en": ("Contents", "Chapter 1", "Figure 1-1", "Abstract", "References", "Data dictionary",
           "a year earlier"),
}


def _cli(*args: str) -> None:
    out = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    raw = tmp_path_factory.mktemp("raw")
    _cli("sample-data", "--out", str(raw), "--customers", "60")
    return raw


def _report(raw: Path, root: Path, lang: str) -> Path:
    _cli("report", "--raw", str(raw), "--processed", str(root / "processed"), "--out", str(root / "reports"),
         "--lang", lang, "--run-date", RUN_DATE)
    (folder,) = [p for p in (root / "reports").iterdir() if not p.name.startswith(".")]
    return folder


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def _fonts(pdf: Path) -> list[str]:
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout.splitlines()
    col = lines[0].index("emb")
    rows = [ln for ln in lines[2:] if ln.strip()]
    return [ln[col:col + 3].strip() for ln in rows]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_chinese_report(raw, tmp_path, lang):
    folder = _report(raw, tmp_path, lang)
    pdf = folder / "report.pdf"
    text = _text(pdf)
    for needle in EXPECT[lang]:
        assert needle in text, (lang, needle)
    caption = "圖" if lang == "zh-Hant" else "图"
    assert len(re.findall(caption + r"\d+-\d+", text)) >= 4
    # no English frame words left in a Chinese report
    for english in ("Contents", "Chapter ", "Figure ", "Table ", "Appendix", "References"):
        assert english not in text, (lang, english)
    fonts = _fonts(pdf)
    assert fonts and all(f == "yes" for f in fonts), fonts
    fontlist = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fontlist
    # the figures were drawn with a CJK font: matplotlib warns "Glyph … missing" otherwise
    import nbformat

    for nb in sorted((folder / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(nb, as_version=4).cells:
            for out in cell.get("outputs", []):
                assert "missing from font" not in str(out.get("text", "")), nb.name


def test_english_report_and_determinism(raw, tmp_path):
    folder = _report(raw, tmp_path, "en")
    text = _text(folder / "report.pdf")
    for needle in EXPECT["en"]:
        assert needle in text, needle
    assert "After-Sales Service and Customer" in text   # the title is not justified across the page
    first = (folder / "report.html").read_bytes()
    again = _report(raw, tmp_path, "en")     # same folders: the parameters appendix names them
    second = (again / "report.html").read_bytes()
    if second != first:
        import difflib

        a = re.sub(rb"base64,[^\"]*", b"B64", first).decode().splitlines()
        b = re.sub(rb"base64,[^\"]*", b"B64", second).decode().splitlines()
        diff = "\n".join(list(difflib.unified_diff(a, b, lineterm="", n=0))[:40])
        pytest.fail("the HTML differs between two runs:\n" + (diff or "(only embedded images differ)"))
