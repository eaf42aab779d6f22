"""pipeline.reportkit: escaping, references, figures and CSV output."""

from __future__ import annotations

import base64
import csv
import io

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipeline.errors import PipelineError
from pipeline.report import reportkit as rk

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "a & b < c > d 'q'",
]


@pytest.fixture
def emitted(monkeypatch, tmp_path):
    """Capture what reportkit displays; returns the list of HTML strings."""
    out: list[str] = []
    monkeypatch.setattr(rk, "emit", out.append)
    rk.setup(tmp_path, "zh-Hant")
    return out


def assert_inert(markup: str) -> BeautifulSoup:
    soup = BeautifulSoup(markup, "html.parser")
    assert soup.find("script") is None
    assert soup.find("svg") is None
    for tag in soup.find_all(True):
        for attr in tag.attrs:
            assert not attr.lower().startswith("on"), (tag.name, attr)
    imgs = soup.find_all("img")
    for img in imgs:
        assert img["src"].startswith("data:image/png;base64,")
    return soup


@pytest.mark.parametrize("hostile", HOSTILE)
def test_paragraph_heading_escape(emitted, hostile):
    rk.chapter(hostile)
    rk.section(hostile)
    rk.paragraph(f"前言 {hostile} 後語")
    for markup in emitted:
        soup = assert_inert(markup)
        assert hostile in soup.get_text()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_table_escape(emitted, tmp_path, hostile):
    df = pd.DataFrame({hostile: [hostile, "ok"], "n": [1, 2]})
    rk.table(df, "hostile", caption=hostile, source=hostile)
    soup = assert_inert(emitted[-1])
    assert soup.find("th").get_text() == hostile
    assert soup.find("td").get_text() == hostile
    assert hostile in soup.find("figcaption").get_text()
    assert hostile in soup.find("p", class_="ac-source").get_text()


@pytest.mark.parametrize("hostile", HOSTILE)
def test_figure_caption_escape(emitted, tmp_path, hostile):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([1, 2], [3, 4])
    rk.figure(fig, "hostile", caption=hostile, source=hostile)
    soup = assert_inert(emitted[-1])
    assert soup.find("img")["alt"] == hostile
    assert soup.find("figcaption").get_text() == hostile
    assert (tmp_path / "figures" / "hostile.png").exists()


def test_paragraph_references():
    markup = rk.paragraph_html("見{fig:sla-1}與{tab:parts_kit}；{other} {fig:bad label} <b>")
    soup = BeautifulSoup(markup, "html.parser")
    refs = soup.find_all("a", class_="ac-ref")
    assert [(a["href"], a["data-ref"]) for a in refs] == [
        ("#fig-sla-1", "fig:sla-1"), ("#tab-parts_kit", "tab:parts_kit")]
    assert all(a.get_text() == "" for a in refs)
    text = soup.get_text()
    assert "{other}" in text and "{fig:bad label}" in text and "<b>" in text
    assert soup.find("b") is None


def test_figure_png_deterministic_and_closed(emitted, tmp_path):
    import matplotlib.pyplot as plt

    pngs = []
    for _ in range(2):
        fig, ax = plt.subplots(figsize=(3, 2))
        ax.bar(["甲", "乙"], [1, -2])
        ax.set_title("違約率 −5%")
        rk.figure(fig, "det", caption="圖說")
        assert not plt.fignum_exists(fig.number)
        pngs.append((tmp_path / "figures" / "det.png").read_bytes())
    assert pngs[0] == pngs[1]
    assert b"Software" not in pngs[0]
    soup = BeautifulSoup(emitted[-1], "html.parser")
    data = soup.find("img")["src"].split(",", 1)[1]
    assert base64.b64decode(data) == pngs[0]
    assert int(soup.find("img")["width"]) > 0


def test_setup_fonts(tmp_path):
    import matplotlib

    rk.setup(tmp_path, "zh-Hant")
    assert matplotlib.rcParams["font.sans-serif"][:2] == ["Noto Sans CJK TC", "DejaVu Sans"]
    assert matplotlib.rcParams["axes.unicode_minus"] is False
    assert matplotlib.rcParams["svg.hashsalt"] == rk.SVG_HASHSALT
    rk.setup(tmp_path, "zh-Hans")
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    rk.setup(tmp_path, "en")
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    with pytest.raises(PipelineError):
        rk.setup(tmp_path, "fr")


def test_csv_bom_and_formula_neutralisation(emitted, tmp_path):
    df = pd.DataFrame({
        "名稱": ['=HYPERLINK("x")', "+cmd", "-5", "@sum", "\tTab", "正常", "-1.5e3", "-"],
        "數值": [-5, 3, 0, 1, 2, 7, 8, 9],
    })
    rk.table(df, "csvcheck", caption="c")
    raw = (tmp_path / "tables" / "csvcheck.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["名稱", "數值"]
    names = [r[0] for r in rows[1:]]
    assert names == ["'=HYPERLINK(\"x\")", "'+cmd", "-5", "'@sum", "'\tTab", "正常", "-1.5e3", "'-"]
    assert rows[1][1] == "-5"  # a number stays a number
    # the report shows the original text, escaped, not the neutralised one
    soup = BeautifulSoup(emitted[-1], "html.parser")
    assert soup.find("td").get_text() == '=HYPERLINK("x")'


def test_table_max_rows_and_save_table(emitted, tmp_path):
    df = pd.DataFrame({"k": range(50), "v": [i / 3 for i in range(50)]})
    rk.table(df, "big", caption="大表", max_rows=10, float_format="{:.2f}")
    soup = BeautifulSoup(emitted[-1], "html.parser")
    assert len(soup.find("tbody").find_all("tr")) == 10
    assert soup.find("tbody").find_all("td")[3].get_text() == "0.33"
    assert "50" in soup.find("p", class_="ac-note").get_text()
    assert len(pd.read_csv(tmp_path / "tables" / "big.csv", encoding="utf-8-sig")) == 50
    n = len(emitted)
    rk.save_table(df, "contract_only")
    assert len(emitted) == n
    assert (tmp_path / "tables" / "contract_only.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_bad_label(emitted):
    with pytest.raises(PipelineError, match="label"):
        rk.table(pd.DataFrame({"a": [1]}), "../evil", caption="x")


def test_emit_marks_output(monkeypatch):
    seen = {}

    def fake_display(obj, raw=False, metadata=None):
        seen.update(obj=obj, raw=raw, metadata=metadata)

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", fake_display)
    rk.chapter("x")
    assert seen["raw"] is True
    assert list(seen["obj"]) == ["text/html"]
    assert seen["metadata"] == {rk.MARK: True}
