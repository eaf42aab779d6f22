"""pipeline.render: executed notebooks → one numbered report.html and report.pdf."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_notebook, new_output

from pipeline.errors import PipelineError
from pipeline.report import reportkit as rk
from pipeline.report.render import build_html, render_report

HAVE_POPPLER = all(shutil.which(tool) for tool in ("pdftotext", "pdffonts"))
needs_poppler = pytest.mark.skipif(not HAVE_POPPLER, reason="poppler-utils not installed")

PARAGRAPH_ZH = "各服務等級的違約率差異明顯"

SETUP = """\
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from pipeline.report import reportkit as rk
rk.setup(OUT_DIR, LANG)
"""

NB1 = [
    """\
rk.chapter("服務水準")
rk.section("違約率")
rk.paragraph("%s，見{fig:sla}與{tab:sla}。" % PARAGRAPH)
""",
    """\
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(["標準", "加急", "白金"], [0.12, 0.08, -0.03])
ax.set_title("各服務等級違約率")
ax.set_ylabel("違約率")
rk.figure(fig, "sla", "各服務等級違約率", source="派工紀錄")
""",
    """\
df = pd.DataFrame({"服務等級": ["標準", "加急", "<script>alert(1)</script>"], "違約率": [0.12, 0.08, 0.03]})
rk.table(df, "sla", "違約率明細", source="派工紀錄")
print("this stdout must not reach the report")
df  # a stray display: not report content
""",
    """\
rk.section("首次修復率")
rk.paragraph("首次修復率穩定。")
""",
]

NB2 = [
    """\
rk.chapter("客戶價值")
rk.paragraph("價值分布見{fig:value}；第一章的違約率見{fig:sla}。")
fig, ax = plt.subplots(figsize=(5, 3))
ax.hist([1, 2, 2, 3, 3, 3, 4], bins=4)
ax.set_xlabel("客戶價值（萬元）")
rk.figure(fig, "value", "客戶價值分布", source="銷售紀錄")
""",
    """\
long = pd.DataFrame({"LongTableKey": [f"row-{i:03d}" for i in range(120)],
                     "長表數值": [i * 1.5 for i in range(120)]})
rk.table(long, "long", "一百二十列的長表", source="測試")
""",
]

NB3 = [
    """\
rk.chapter("結論")
rk.paragraph("本期整體服務表現良好。")
rk.save_table(pd.DataFrame({"a": [1]}), "contract_only")
""",
]


def make_notebook(cells: list[str], path: Path, out_dir: Path, lang: str) -> Path:
    params = f"OUT_DIR = {str(out_dir)!r}\nLANG = {lang!r}\nPARAGRAPH = {PARAGRAPH_ZH!r}\n"
    nb = new_notebook(cells=[new_code_cell(params), new_code_cell(SETUP)]
                      + [new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def execute(path: Path) -> Path:
    """Execute in place with nbclient and the venv's ``python3`` kernel."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # the venv's kernelspec runs "python", which jupyter_client replaces by sys.executable
    NotebookClient(nb, kernel_name="python3", timeout=120,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return path


META = {
    "title": "售後服務與客戶生命週期報告",
    "subtitle": "2009 Q4",
    "organisation": "現場服務分公司 <b>&</b>",
    "run_date": "2010-01-05",
    "version": "0.1.0",
    "parameters": {"period": "2009Q4", "min_rows": 30, "groups": ["a", "b"],
                   "evil": "<script>alert(1)</script>"},
    "inputs": [{"path": "data/raw/dispatch.csv", "table": "dispatch",
                "sha256": "ab" * 32, "rows_read": 1200, "rows_kept": 1187},
               {"path": "data/raw/<img src=x onerror=alert(1)>.csv", "table": "sales",
                "sha256": "cd" * 32, "rows_read": 10, "rows_kept": 10}],
}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Notebooks for each language, executed once: {lang: (out_dir, [paths])}."""
    result = {}
    for lang in ("zh-Hant", "en"):
        out = tmp_path_factory.mktemp(f"report-{lang}")
        paths = [make_notebook(cells, out / f"{i:02d}.ipynb", out, lang)
                 for i, cells in enumerate((NB1, NB2, NB3), start=1)]
        for p in paths:
            execute(p)
        result[lang] = (out, paths)
    return result


@pytest.fixture(scope="module")
def rendered(executed):
    out = {}
    for lang, (out_dir, paths) in executed.items():
        start = time.perf_counter()
        result = render_report(paths, out_dir, lang=lang, meta=META)
        out[lang] = (result, time.perf_counter() - start)
    return out


def pdftotext(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    return subprocess.run(args + [str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


# --------------------------------------------------------------------------------------------
# HTML

def test_html_zh_hant_structure(rendered):
    result, _ = rendered["zh-Hant"]
    html = result["html"].read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "zh-Hant"
    chapters = [h.get_text(" ", strip=True) for h in soup.select("main h1.ac-chapter")]
    assert chapters == ["第一章 服務水準", "第二章 客戶價值", "第三章 結論"]
    sections = [h.get_text(" ", strip=True) for h in soup.select("h2.ac-section")]
    assert sections == ["1.1 違約率", "1.2 首次修復率"]
    captions = [c.get_text(" ", strip=True) for c in soup.select("main figure figcaption")]
    assert captions == ["圖1-1 各服務等級違約率", "表1-1 違約率明細",
                        "圖2-1 客戶價值分布", "表2-1 一百二十列的長表"]
    toc = [a.get_text(" ", strip=True) for a in soup.select("nav.ac-toc a")]
    assert toc[:3] == ["第一章 服務水準", "1.1 違約率", "1.2 首次修復率"]
    assert toc[-4:] == ["參考文獻", "附錄A 資料字典", "附錄B 執行參數", "附錄C 資料溯源"]
    assert [a["href"] for a in soup.select("nav.ac-toc a")][:2] == ["#ch-1", "#sec-1-1"]
    lof = [a.get_text(" ", strip=True) for a in soup.select(".ac-lof a")]
    assert lof == ["圖1-1 各服務等級違約率", "圖2-1 客戶價值分布"]
    lot = [a.get_text(" ", strip=True) for a in soup.select(".ac-lot a")]
    assert lot == ["表1-1 違約率明細", "表2-1 一百二十列的長表"]
    refs = [(a["href"], a.get_text()) for a in soup.select("a.ac-ref")]
    assert refs == [("#fig-sla", "圖1-1"), ("#tab-sla", "表1-1"),
                    ("#fig-value", "圖2-1"), ("#fig-sla", "圖1-1")]
    assert "目錄" in html and "圖目錄" in html and "表目錄" in html
    assert PARAGRAPH_ZH in soup.get_text()
    # code, stdout and stray displays are not in the report
    assert "rk.chapter" not in html and "this stdout" not in html
    assert "dataframe" not in html
    # title page and provenance
    assert soup.select_one(".ac-doc-subtitle").get_text(" ", strip=True) == "期間 2009 Q4"
    assert "2010-01-05" in soup.select_one(".ac-titlepage").get_text()
    prov = soup.select_one("#appendix-block").get_text()
    assert "ab" * 32 in prov and "1187" in prov and "0.1.0" in prov and "2010-01-05" in prov
    assert "<img src=x onerror=alert(1)>.csv" in prov
    params = soup.select_one("#appendix-parameters-block").get_text()
    assert "2009Q4" in params and '["a", "b"]' in params and "<script>alert(1)</script>" in params
    # references and the data dictionary come from the catalogue
    refs = [li.get_text() for li in soup.select(".ac-reference-list li")]
    assert any("Kaplan" in r and "1958" in r for r in refs) and any("Wilson" in r for r in refs)
    assert any("Fader" in r and "2005" in r for r in refs) and any("2007" in r for r in refs)
    dictionary = soup.select_one("#appendix-dictionary-block").get_text()
    assert "first_time_fix" in dictionary and "是否一次修復" in dictionary and "renewed" in dictionary
    # no abstract block in these notebooks: no abstract page
    assert soup.select_one("#abstract") is None


def test_html_is_inert_and_offline(rendered):
    for lang in rendered:
        html = rendered[lang][0]["html"].read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        assert soup.find("script") is None
        assert soup.find("link") is None
        for tag in soup.find_all(True):
            for attr, value in tag.attrs.items():
                assert not attr.lower().startswith("on"), (tag.name, attr)
                if attr in ("src", "href"):
                    assert not str(value).lower().startswith(("http", "//")), value
                    assert str(value).startswith(("#", "data:image/png;base64,")), value
        text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "DATA", html).lower()
        assert "require.js" not in text and "mathjax" not in text
        assert "mermaid" not in text and "cdn" not in text and "http" not in text
        assert "url(" not in text and "@import" not in text
        assert soup.select("img")[0]["src"].startswith("data:image/png;base64,")
        assert "<script>alert(1)</script>" in soup.get_text()


def test_html_en_labels(rendered):
    soup = BeautifulSoup(rendered["en"][0]["html"].read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "en"
    assert [h.select_one(".ac-num").get_text() for h in soup.select("main h1.ac-chapter")] == [
        "Chapter 1", "Chapter 2", "Chapter 3"]
    assert soup.select_one(".ac-lof a").get_text(" ", strip=True).startswith("Figure 1-1 ")
    assert soup.select_one(".ac-lot a").get_text(" ", strip=True).startswith("Table 1-1 ")
    assert soup.select_one("nav.ac-toc h1").get_text() == "Contents"
    assert [a.get_text() for a in soup.select("a.ac-ref")][:2] == ["Figure 1-1", "Table 1-1"]


def test_html_and_pdf_byte_identical(executed, rendered, tmp_path):
    out_dir, paths = executed["zh-Hant"]
    first = rendered["zh-Hant"][0]
    again = render_report(paths, tmp_path, lang="zh-Hant", meta=META)
    assert again["html"].read_bytes() == first["html"].read_bytes()
    assert again["pdf"].read_bytes() == first["pdf"].read_bytes()


def test_outputs_written(executed, rendered):
    out_dir, _ = executed["zh-Hant"]
    assert (out_dir / "figures" / "sla.png").exists()
    assert (out_dir / "figures" / "value.png").exists()
    for name in ("sla", "long", "contract_only"):
        assert (out_dir / "tables" / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")


# --------------------------------------------------------------------------------------------
# PDF

@needs_poppler
def test_pdf_text_and_fonts(rendered):
    pdf = rendered["zh-Hant"][0]["pdf"]
    text = pdftotext(pdf)
    for needle in ("目錄", "圖目錄", "表目錄", "第一章", "第二章", "圖1-1", "表2-1", PARAGRAPH_ZH,
                   "資料溯源", "2009 Q4"):
        assert needle in text, needle
    # the TOC has page numbers after dotted leaders
    toc_page = pdftotext(pdf, 2)
    assert "目錄" in toc_page
    # page numbers restart at 1 with chapter 1 (page groups); front matter is roman
    assert re.search(r"第一章 服務水準[ .]*\.{3,}[ .]*1\s*$", toc_page, re.M), toc_page
    assert toc_page.split()[-1] == "i"
    chapter_2 = int(re.search(r"第二章 客戶價值[ .]*?(\d+)\s*$", toc_page, re.M).group(1))
    front_pages = 4  # cover, contents, list of figures, list of tables
    page = pdftotext(pdf, front_pages + chapter_2)
    assert "客戶價值" in page and page.split()[-1] == str(chapter_2)
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    header = fonts[0]
    col = header.index("emb")
    rows = [line for line in fonts[2:] if line.strip()]
    assert rows, fonts
    assert any("CJK" in line for line in rows)
    for line in rows:
        assert line[col:col + 3].strip() == "yes", line


@needs_poppler
def test_pdf_en(rendered):
    text = pdftotext(rendered["en"][0]["pdf"])
    for needle in ("Contents", "List of Figures", "Chapter 1", "Figure 1-1", "Table 2-1", "Provenance"):
        assert needle in text, needle


@needs_poppler
def test_pdf_long_table_repeats_header(rendered):
    pdf = rendered["zh-Hant"][0]["pdf"]
    pages_with_header = [n for n in range(1, page_count(pdf) + 1)
                         if "LongTableKey" in pdftotext(pdf, n)]
    assert len(pages_with_header) >= 2, pages_with_header
    # the rows are spread over those pages, none lost
    rows = set()
    for n in pages_with_header:
        rows |= set(re.findall(r"row-\d{3}", pdftotext(pdf, n)))
    assert len(rows) == 120


@needs_poppler
def test_pdf_chapters_start_new_pages(rendered):
    pdf = rendered["zh-Hant"][0]["pdf"]
    starts = {}
    for n in range(1, page_count(pdf) + 1):
        page = pdftotext(pdf, n)
        for label in ("第一章", "第二章", "第三章"):
            lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
            # the running head is the first line; the chapter heading follows it
            if any(ln.startswith(label) for ln in lines[1:3]) and label not in starts:
                starts[label] = n
    assert len(starts) == 3 and len(set(starts.values())) == 3, starts


def test_render_speed(rendered):
    for lang, (_, seconds) in rendered.items():
        assert seconds < 20, (lang, seconds)


# --------------------------------------------------------------------------------------------
# Numbering (pure HTML level: no kernel needed)

def _fragments(extra_figure_in_chapter_1: bool) -> list[str]:
    png = _tiny_png()
    ch1 = [rk.chapter_html("甲"), rk.paragraph_html("見{fig:b}與{tab:t2}。"),
           rk.figure_html(png, "a", "甲圖", None, "zh-Hant")]
    if extra_figure_in_chapter_1:
        ch1.append(rk.figure_html(png, "a2", "新增的圖", None, "zh-Hant"))
    ch2 = [rk.chapter_html("乙"), rk.figure_html(png, "c", "乙圖一", None, "zh-Hant"),
           rk.paragraph_html("參見{fig:a2}。") if extra_figure_in_chapter_1 else "",
           rk.figure_html(png, "b", "乙圖二", None, "zh-Hant")]
    import pandas as pd

    ch2.append(rk.table_html(pd.DataFrame({"x": [1]}), "t2", "乙表", None, "zh-Hant"))
    return ["".join(ch1), "".join(ch2)]


def _tiny_png() -> bytes:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(0.5, 0.5))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _numbers(html: str) -> dict[str, str]:
    soup = BeautifulSoup(html, "html.parser")
    found = {fig["id"]: fig.select_one("figcaption .ac-num").get_text()
             for fig in soup.select("main figure")}
    found["refs"] = [a.get_text() for a in soup.select("a.ac-ref")]
    found["lof"] = [a.get_text(" ", strip=True) for a in soup.select(".ac-lof a")]
    return found


def test_numbering_follows_document_order():
    before = _numbers(build_html(_fragments(False), lang="zh-Hant", meta=META))
    assert before["fig-a"] == "圖1-1"
    assert before["fig-c"] == "圖2-1" and before["fig-b"] == "圖2-2"
    assert before["tab-t2"] == "表2-1"
    assert before["refs"] == ["圖2-2", "表2-1"]

    after = _numbers(build_html(_fragments(True), lang="zh-Hant", meta=META))
    # chapter 1 gained a figure: it is 圖1-2, chapter 2's numbers and the references to them
    # are unchanged, and the reference to the new figure is right
    assert after["fig-a"] == "圖1-1" and after["fig-a2"] == "圖1-2"
    assert after["fig-c"] == "圖2-1" and after["fig-b"] == "圖2-2"
    assert after["refs"] == ["圖2-2", "表2-1", "圖1-2"]
    assert after["lof"] == ["圖1-1 甲圖", "圖1-2 新增的圖", "圖2-1 乙圖一", "圖2-2 乙圖二"]

    # a figure inserted at the start of chapter 2 shifts the later ones and their references
    frags = _fragments(False)
    frags[1] = frags[1].replace(rk.chapter_html("乙"), rk.chapter_html("乙")
                                + rk.figure_html(_tiny_png(), "z", "插入", None, "zh-Hant"))
    shifted = _numbers(build_html(frags, lang="zh-Hant", meta=META))
    assert shifted["fig-z"] == "圖2-1" and shifted["fig-c"] == "圖2-2" and shifted["fig-b"] == "圖2-3"
    assert shifted["refs"] == ["圖2-3", "表2-1"]


def test_unknown_reference_is_a_clear_error():
    frags = [rk.chapter_html("甲") + rk.paragraph_html("見{fig:nope}。")]
    with pytest.raises(PipelineError, match=r"fig:nope.*'nope'"):
        build_html(frags, lang="en", meta=META)


def test_duplicate_label_is_an_error():
    png = _tiny_png()
    frags = [rk.chapter_html("甲") + rk.figure_html(png, "a", "x", None, "en"),
             rk.chapter_html("乙") + rk.figure_html(png, "a", "y", None, "en")]
    with pytest.raises(PipelineError, match="fig:a"):
        build_html(frags, lang="en", meta=META)


def test_figure_before_chapter_is_an_error():
    frags = [rk.figure_html(_tiny_png(), "a", "x", None, "en")]
    with pytest.raises(PipelineError, match="before the first chapter"):
        build_html(frags, lang="en", meta=META)


def test_failed_notebook_raises(tmp_path):
    nb = new_notebook(cells=[new_code_cell("1/0")])
    nb.cells[0].outputs = [new_output("error", ename="ZeroDivisionError",
                                      evalue="division by zero", traceback=[])]
    path = tmp_path / "failed.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(PipelineError, match="failed.ipynb.*ZeroDivisionError"):
        render_report([path], tmp_path, lang="en", meta=META, pdf=False)


def test_hand_written_html_output_is_sanitised(tmp_path):
    """An output that bypasses reportkit still cannot inject script or network links."""
    evil = ('<h1 class="ac-chapter" onclick="x()">甲</h1><script>alert(1)</script>'
            '<img src="http://example.com/x.png" onerror="alert(1)"><a href="https://e.com">l</a>'
            '<p style="background:url(http://e.com)">文</p>')
    nb = new_notebook(cells=[new_code_cell("")])
    nb.cells[0].outputs = [new_output("display_data", data={"text/html": evil},
                                      metadata={rk.MARK: True}),
                           new_output("display_data", data={"text/html": "<p>unmarked</p>"})]
    path = tmp_path / "evil.ipynb"
    nbformat.write(nb, path)
    html = render_report([path], tmp_path, lang="en", meta=META, pdf=False)["html"].read_text()
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    assert "example.com" not in html and "e.com" not in html
    assert "unmarked" not in html
    assert soup.select_one("main h1.ac-chapter").get_text(" ", strip=True) == "Chapter 1 甲"


def test_abstract_moves_to_front_matter_and_short_reports():
    png = _tiny_png()
    fragments = [rk.chapter_html("甲") + rk.figure_html(png, "a", "甲圖", None, "zh-Hant"),
                 rk.abstract_html(["本期摘要見{fig:a}。", "第二段 <b>&</b>"]) + rk.chapter_html("結論")
                 + rk.bullets_html(["議題一", "<script>x</script>"])]
    html = build_html(fragments, lang="zh-Hant", meta=META)
    soup = BeautifulSoup(html, "html.parser")
    abstract = soup.select_one("#abstract")
    assert abstract is not None and abstract.find_parent("main") is None
    assert abstract.h1.get_text() == "摘要"
    assert [p.get_text() for p in abstract.select("p")] == ["本期摘要見圖1-1。", "第二段 <b>&</b>"]
    assert soup.select_one("main .ac-abstract") is None
    # the abstract comes after the title page and before the contents
    order = [el.get("id") for el in soup.select("#title, #abstract, #contents")]
    assert order == ["title", "abstract", "contents"]
    assert [li.get_text() for li in soup.select("main ul.ac-list li")] == ["議題一", "<script>x</script>"]
    short = BeautifulSoup(build_html(fragments, lang="en", meta={**META, "contents": False, "references": False,
                                                                 "data_dictionary": False}), "html.parser")
    assert short.select_one("nav.ac-toc") is None and short.select_one(".ac-references") is None
    assert short.select_one("#appendix-dictionary-block") is None
    assert short.select_one("#appendix-block h1").get_text(" ", strip=True) == "Appendix B Provenance"


def test_wide_tables_get_smaller_type():
    import pandas as pd

    wide = rk.table_html(pd.DataFrame({f"c{i}": [i] for i in range(9)}), "w", "寬表", None, "en")
    narrow = rk.table_html(pd.DataFrame({"a": [1]}), "n", "窄表", None, "en")
    assert 'class="ac-table ac-wide"' in wide and 'class="ac-table"' in narrow
