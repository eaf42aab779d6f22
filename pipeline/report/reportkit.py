"""What report notebooks call to put content into the report.

A report notebook shows no code: the report is made only of the ``text/html`` outputs these
functions display (each tagged ``{"aftercare": true}`` in the output metadata, so a stray
``df.head()`` never reaches the report). Every value taken from data is HTML-escaped; the only
markup a caller can ask for are the references ``{fig:label}`` / ``{tab:label}`` in
:func:`paragraph`. Chapter, section, figure and table numbers are filled in by
:mod:`pipeline.render`, so they stay right when content is added or moved::

    from pipeline.report import reportkit as rk
    rk.setup(out_dir, "zh-Hant")
    rk.chapter("服務水準")
    rk.section("違約率")
    rk.paragraph("各服務等級的違約率見{fig:sla}。")
    rk.figure(fig, "sla", "各服務等級違約率", source="派工紀錄")
    rk.table(df, "sla", "違約率", source="派工紀錄", max_rows=20)

Figures go to ``<out_dir>/figures/<label>.png`` and tables to ``<out_dir>/tables/<label>.csv``
(UTF-8 with BOM, spreadsheet formulas neutralised).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import math
import numbers
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.report.i18n import check_language, t

#: Labels become file names and HTML ids: keep them plain.
LABEL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: ``{fig:label}`` / ``{tab:label}`` inside paragraph text.
REF_RE = re.compile(r"\{(fig|tab):([A-Za-z0-9][A-Za-z0-9_-]*)\}")
#: Output metadata key that marks report content.
MARK = "aftercare"
FIGURE_DPI = 200
#: Tables with more columns than this are set in a smaller type so they fit the page width.
WIDE_TABLE_COLUMNS = 7
SVG_HASHSALT = "aftercare"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ReportContext:
    out_dir: Path
    lang: str

    @property
    def figures_dir(self) -> Path:
        return self.out_dir / "figures"

    @property
    def tables_dir(self) -> Path:
        return self.out_dir / "tables"


_CTX: ReportContext | None = None


def font_family(lang: str) -> list[str]:
    """matplotlib font family for ``lang``: the CJK face first, DejaVu Sans for the rest."""
    cjk = "Noto Sans CJK TC" if lang == "zh-Hant" else "Noto Sans CJK SC"
    return [cjk, "DejaVu Sans"]


def setup(out_dir: str | Path, lang: str) -> ReportContext:
    """Start a report notebook: output folders, language and matplotlib settings."""
    global _CTX
    check_language(lang)
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcParams.update({
        "font.family": "sans-serif",
        "font.sans-serif": font_family(lang) + list(matplotlib.rcParams["font.sans-serif"]),
        "axes.unicode_minus": False,
        "svg.hashsalt": SVG_HASHSALT,
        "figure.dpi": 100,
        "savefig.dpi": FIGURE_DPI,
    })
    out = Path(out_dir).resolve()
    ctx = ReportContext(out_dir=out, lang=lang)
    ctx.figures_dir.mkdir(parents=True, exist_ok=True)
    ctx.tables_dir.mkdir(parents=True, exist_ok=True)
    _CTX = ctx
    return ctx


def context() -> ReportContext:
    if _CTX is None:
        raise PipelineError("reportkit: call rk.setup(out_dir, lang) before emitting report content")
    return _CTX


# --------------------------------------------------------------------------------------------
# Output

# Where emitted markup goes when a chapter runs outside a kernel (:func:`collecting`); None: displayed.
_SINK: list[str] | None = None


def emit(markup: str) -> None:
    """Display ``markup`` as a marked ``text/html`` output (nothing else in the bundle), or add it to the
    list :func:`collecting` gathers into."""
    if _SINK is not None:
        _SINK.append(markup)
        return
    from IPython.display import display

    display({"text/html": markup}, raw=True, metadata={MARK: True})


@contextlib.contextmanager
def collecting():
    """Gather what the report calls emit into a list instead of displaying it (a chapter run in this
    process, without a kernel): ``with collecting() as markup: ...``."""
    global _SINK
    before, _SINK = _SINK, []
    try:
        yield _SINK
    finally:
        _SINK = before


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _check_label(label: str, kind: str) -> str:
    if not isinstance(label, str) or not LABEL_RE.match(label):
        raise PipelineError(
            f"reportkit: {kind} label {label!r} must be letters, digits, '-' or '_' "
            "(it becomes a file name and a link target)")
    return label


# --------------------------------------------------------------------------------------------
# Markup builders (pure functions; the public calls below display what they return)

def chapter_html(title: str) -> str:
    return f'<h1 class="ac-chapter"><span class="ac-title">{_esc(title)}</span></h1>\n'


def section_html(title: str) -> str:
    return f'<h2 class="ac-section"><span class="ac-title">{_esc(title)}</span></h2>\n'


def paragraph_html(text: str) -> str:
    parts = []
    pos = 0
    for m in REF_RE.finditer(text):
        parts.append(_esc(text[pos:m.start()]))
        kind, label = m.group(1), m.group(2)
        parts.append(f'<a class="ac-ref" href="#{kind}-{label}" data-ref="{kind}:{label}"></a>')
        pos = m.end()
    parts.append(_esc(text[pos:]))
    return f'<p class="ac-para">{"".join(parts)}</p>\n'


def bullets_html(items) -> str:
    """A bulleted list of plain texts (escaped; ``{fig:x}``/``{tab:x}`` references allowed)."""
    lis = "".join("<li>" + paragraph_html(item)[len('<p class="ac-para">'):-len("</p>\n")] + "</li>"
                  for item in items)
    return f'<ul class="ac-list">{lis}</ul>\n'


def abstract_html(paragraphs) -> str:
    """An abstract block; the renderer moves it to the front matter (after the title page)."""
    if isinstance(paragraphs, str):
        paragraphs = [paragraphs]
    body = "".join(paragraph_html(p) for p in paragraphs)
    return f'<section class="ac-abstract">{body}</section>\n'


def _source_html(source: str | None, lang: str) -> str:
    if source is None or source == "":
        return ""
    return f'<p class="ac-source">{_esc(t("doc.source_prefix", lang, source=source))}</p>'


def _png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def figure_html(png: bytes, label: str, caption: str, source: str | None, lang: str,
                dpi: int = FIGURE_DPI) -> str:
    width_px, _ = _png_size(png)
    css_width = round(width_px * 96 / dpi)  # natural size in CSS px; CSS caps it at 100%
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="ac-figure" id="fig-{label}" data-label="fig:{label}">'
        f'<img src="{uri}" alt="{_esc(caption)}" width="{css_width}">'
        f'<figcaption><span class="ac-caption">{_esc(caption)}</span></figcaption>'
        f'{_source_html(source, lang)}</figure>\n'
    )


def _format_cell(value: Any, float_format: str | Callable[[Any], str] | None) -> tuple[str, bool]:
    """(text, is_number) of one table cell as the report shows it."""
    if value is None:
        return "", False
    if isinstance(value, float) and math.isnan(value):
        return "", True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return "", False
        if isinstance(value, pd.Timestamp):
            return (value.date().isoformat() if value == value.normalize() else value.isoformat()), False
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, numbers.Integral):
        return str(int(value)), True
    if isinstance(value, numbers.Real):
        if float_format is None:
            return _default_float(float(value)), True
        if callable(float_format):
            return str(float_format(value)), True
        if "{" in float_format:
            return float_format.format(value), True
        if float_format.startswith("%"):
            return float_format % value, True
        return format(value, float_format), True
    return str(value), False


def _default_float(v: float) -> str:
    """Up to four decimals, trailing zeros dropped; tiny and huge values in exponent form."""
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v != 0 and (abs(v) < 1e-4 or abs(v) >= 1e15):
        return f"{v:.3g}"
    text = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _column_name(col: Any) -> str:
    if isinstance(col, tuple):
        return " / ".join(str(c) for c in col if str(c) != "")
    return str(col)


def table_html(df, label: str, caption: str, source: str | None, lang: str, *,
               index: bool = False, float_format=None, max_rows: int | None = None,
               csv_name: str | None = None) -> str:
    frame = df.reset_index() if index else df
    total = len(frame)
    shown = frame if max_rows is None else frame.head(max_rows)
    head = "".join(f"<th>{_esc(_column_name(c))}</th>" for c in frame.columns)
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value in row:
            text, is_num = _format_cell(value, float_format)
            cells.append(f'<td class="num">{_esc(text)}</td>' if is_num else f"<td>{_esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if max_rows is not None and total > max_rows:
        note = ('<p class="ac-note">'
                + _esc(t("doc.table_truncated", lang, shown=max_rows, total=total,
                         file=csv_name or f"{label}.csv"))
                + "</p>")
    wide = " ac-wide" if len(frame.columns) > WIDE_TABLE_COLUMNS else ""
    return (
        f'<figure class="ac-table{wide}" id="tab-{label}" data-label="tab:{label}">'
        f'<figcaption><span class="ac-caption">{_esc(caption)}</span></figcaption>'
        f'<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        f'{note}{_source_html(source, lang)}</figure>\n'
    )


# --------------------------------------------------------------------------------------------
# CSV

def _is_number_text(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def neutralise(value: Any) -> Any:
    """Prefix ``'`` to a text cell a spreadsheet would read as a formula (numbers are kept)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _is_number_text(value.strip()):
        return "'" + value
    return value


def _safe_frame(df, index: bool):
    frame = df.reset_index() if index else df.copy()
    frame.columns = [neutralise(_column_name(c)) for c in frame.columns]
    for col in frame.columns:
        series = frame[col]
        if series.dtype == object or str(series.dtype) in ("string", "str", "category"):
            frame[col] = series.astype(object).map(neutralise)
    return frame


def write_csv(df, path: str | Path, *, index: bool = False) -> Path:
    """Write ``df`` as UTF-8 CSV with BOM (Excel reads the Chinese), formulas neutralised."""
    from pipeline.runtime.atomic import atomic_path

    path = Path(path)
    frame = _safe_frame(df, index)
    with atomic_path(path, suffix=".csv") as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


# --------------------------------------------------------------------------------------------
# The calls notebooks make

def chapter(title: str) -> None:
    """A chapter heading (numbered 第一章 / Chapter 1 … when the report is rendered)."""
    emit(chapter_html(title))


def section(title: str) -> None:
    """A section heading (numbered n.m when the report is rendered)."""
    emit(section_html(title))


def paragraph(text: str) -> None:
    """A paragraph of text; ``{fig:label}`` / ``{tab:label}`` become numbered references."""
    emit(paragraph_html(text))


def bullets(items) -> None:
    """A bulleted list (e.g. the points to raise in a review meeting)."""
    emit(bullets_html(list(items)))


def abstract(paragraphs) -> None:
    """The report's abstract (one text or a list of paragraphs), shown after the title page.

    Any notebook may emit it; the renderer collects every abstract block, in notebook order.
    """
    emit(abstract_html(paragraphs))


def _as_figure(fig):
    if hasattr(fig, "savefig"):
        return fig
    for attr in ("figure", "fig"):  # an Axes, a seaborn FacetGrid / JointGrid
        inner = getattr(fig, attr, None)
        if inner is not None and hasattr(inner, "savefig"):
            return inner
    raise PipelineError(f"reportkit.figure: expected a matplotlib figure, got {type(fig).__name__}")


def figure(fig, label: str, caption: str, source: str | None = None) -> None:
    """Save ``fig`` to figures/<label>.png and show it with a numbered caption."""
    from pipeline.runtime.atomic import write_bytes

    ctx = context()
    _check_label(label, "figure")
    mpl_fig = _as_figure(fig)
    buf = io.BytesIO()
    mpl_fig.savefig(buf, format="png", dpi=FIGURE_DPI, bbox_inches="tight",
                    metadata={"Software": None})
    png = buf.getvalue()
    write_bytes(ctx.figures_dir / f"{label}.png", png)
    import matplotlib.pyplot as plt

    plt.close(mpl_fig)
    emit(figure_html(png, label, caption, source, ctx.lang))


def table(df, label: str, caption: str, source: str | None = None, *, index: bool = False,
          float_format=None, max_rows: int | None = None) -> None:
    """Write tables/<label>.csv (all rows) and show the table (first ``max_rows`` rows)."""
    ctx = context()
    _check_label(label, "table")
    write_csv(df, ctx.tables_dir / f"{label}.csv", index=index)
    emit(table_html(df, label, caption, source, ctx.lang, index=index,
                     float_format=float_format, max_rows=max_rows))


def save_table(df, name: str, *, index: bool = False) -> None:
    """Write tables/<name>.csv only (a contract table that the report does not show)."""
    ctx = context()
    _check_label(name, "table")
    write_csv(df, ctx.tables_dir / f"{name}.csv", index=index)
