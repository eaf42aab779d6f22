"""Executed report notebooks → one thesis-style ``report.html`` (self-contained) and ``report.pdf``.

Each notebook is converted by nbconvert's :class:`HTMLExporter` with the ``aftercare`` template
(``templates/nbconvert/aftercare``), which keeps only the ``text/html`` outputs that
:mod:`pipeline.reportkit` displayed: no code, prompts, streams, scripts or CDN links. The
fragments are joined in order, numbered (chapters, sections n.m, figures and tables per chapter,
references), sanitised, and placed in the document template (``templates/report.html.j2``,
``templates/report.css``) with a title page, the abstract (``rk.abstract`` blocks, moved out of
the chapters to the front matter), contents, lists of figures and tables, references (every
``ref.*`` message), and appendices: data dictionary (every ``dd.<table>.<column>`` message), run
parameters and provenance. WeasyPrint prints the same HTML to A4 PDF with the print stylesheet.

``meta`` keys: ``title``, ``subtitle`` (the period), ``organisation``, ``run_date``, ``version``,
``parameters``, ``inputs``; and, for short documents such as the per-customer reviews,
``contents`` / ``references`` / ``data_dictionary`` (default True) to leave those parts out.

Identical input gives byte-identical HTML and PDF: the only date is ``meta["run_date"]``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.report.i18n import chapter_label, check_language, t

TEMPLATES = Path(__file__).with_name("templates")
NBCONVERT_TEMPLATES = TEMPLATES / "nbconvert"
NBCONVERT_TEMPLATE = "aftercare"
DOCUMENT_TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

# Sanitising: the fragments come from reportkit, which escapes everything; this is the second
# line of defence, and it also guarantees nothing is fetched from the network.
_DROP_WITH_CONTENT = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math",
    "template", "noscript", "textarea", "select", "link", "meta", "base", "form", "input",
    "button", "audio", "video", "source", "track", "canvas", "head", "title",
}
_ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "p", "a", "span", "figure", "figcaption", "img", "table", "thead",
    "tbody", "tfoot", "tr", "th", "td", "em", "strong", "b", "i", "br", "ul", "ol", "li", "div",
    "caption", "sub", "sup", "code", "small", "section",
}
_ALLOWED_ATTRS = {
    "class", "id", "href", "src", "alt", "width", "height", "data-label", "data-ref", "colspan",
    "rowspan", "title", "lang",
}
_SAFE_IMG = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$")


# --------------------------------------------------------------------------------------------
# Notebook → fragment

@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        template_name=NBCONVERT_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        embed_images=True,
    )
    return exporter


def _check_errors(nb, path: Path) -> None:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []) or []:
            if output.get("output_type") == "error":
                raise PipelineError(
                    f"{path.name}: cell {index + 1} failed with {output.get('ename', 'an error')}: "
                    f"{output.get('evalue', '')}; the report is not rendered from a failed notebook")


def notebook_fragment(path: str | Path) -> str:
    """The report content of one executed notebook, as an HTML fragment."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    _check_errors(nb, path)
    body, _ = _exporter().from_notebook_node(nb)
    return body


# --------------------------------------------------------------------------------------------
# Sanitising and numbering

def _sanitise(soup) -> None:
    from bs4 import Comment, Tag

    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in list(soup.find_all(True)):
        if not isinstance(tag, Tag) or getattr(tag, "decomposed", False):
            continue
        name = tag.name.lower()
        if name in _DROP_WITH_CONTENT:
            tag.decompose()
            continue
        if name not in _ALLOWED_TAGS:
            tag.unwrap()
            continue
        for attr in list(tag.attrs):
            value = tag.attrs[attr]
            if attr.lower() not in _ALLOWED_ATTRS:
                del tag.attrs[attr]
            elif attr == "href" and not str(value).startswith("#"):
                del tag.attrs[attr]
            elif attr == "src" and not (name == "img" and _SAFE_IMG.match(str(value))):
                del tag.attrs[attr]


def _text(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _prefix_number(soup, target, number: str) -> None:
    """Insert ``<span class="ac-num">number</span>`` and a space at the start of ``target``."""
    span = soup.new_tag("span", attrs={"class": "ac-num"})
    span.string = number
    target.insert(0, " ")
    target.insert(0, span)


def number_document(soup, lang: str) -> dict[str, list[dict[str, Any]]]:
    """Number chapters, sections, figures, tables and references in ``soup`` (in place).

    Returns the entries of the contents and of the lists of figures and tables.
    """
    chapters: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    tables: list[dict[str, Any]] = []
    numbers: dict[str, str] = {}
    chap = sec = fig = tab = 0

    def caption_of(el) -> tuple[Any, str]:
        cap = el.find("figcaption")
        if cap is None:
            cap = soup.new_tag("figcaption")
            el.insert(0, cap)
        return cap, _text(cap)

    for el in soup.find_all(["h1", "h2", "figure"]):
        classes = el.get("class") or []
        if el.name == "h1" and "ac-chapter" in classes:
            chap += 1
            sec = fig = tab = 0
            num = chapter_label(chap, lang)
            title = _text(el)
            el["id"] = f"ch-{chap}"
            _prefix_number(soup, el, num)
            chapters.append({"id": el["id"], "num": num, "title": title, "sections": []})
        elif el.name == "h2" and "ac-section" in classes:
            title = _text(el)
            if not chap:
                raise PipelineError(f"report: section {title!r} comes before the first chapter")
            sec += 1
            num = f"{chap}.{sec}"
            el["id"] = f"sec-{chap}-{sec}"
            _prefix_number(soup, el, num)
            chapters[-1]["sections"].append({"id": el["id"], "num": num, "title": title})
        elif el.name == "figure" and ("ac-figure" in classes or "ac-table" in classes):
            is_fig = "ac-figure" in classes
            label = el.get("data-label") or ""
            kind = "fig" if is_fig else "tab"
            if not label.startswith(kind + ":"):
                raise PipelineError(f"report: a {kind} element has no valid data-label ({label!r})")
            cap, caption = caption_of(el)
            if not chap:
                raise PipelineError(f"report: {label} ({caption!r}) comes before the first chapter")
            if label in numbers:
                raise PipelineError(f"report: the label {label} is used twice; labels must be unique")
            if is_fig:
                fig += 1
                num = t("doc.figure_number", lang, chapter=chap, n=fig)
            else:
                tab += 1
                num = t("doc.table_number", lang, chapter=chap, n=tab)
            el["id"] = f"{kind}-{label.split(':', 1)[1]}"
            numbers[label] = num
            _prefix_number(soup, cap, num)
            (figures if is_fig else tables).append({"id": el["id"], "num": num, "caption": caption})

    for ref in soup.find_all("a", class_="ac-ref"):
        key = ref.get("data-ref") or ""
        if key not in numbers:
            kind = {"fig": "figure", "tab": "table"}.get(key.split(":")[0], "item")
            raise PipelineError(
                f"report: the reference {{{key}}} points to no {kind}: no {kind} has the label "
                f"{key.split(':', 1)[-1]!r}")
        ref.clear()
        ref.append(numbers[key])
        ref["href"] = "#" + key.replace(":", "-", 1)
    return {"chapters": chapters, "figures": figures, "tables": tables}


def _group_chapters(soup, root) -> None:
    """Wrap each chapter (its h1 and everything up to the next chapter) in a <section>."""
    current = None
    for node in list(root.children):
        is_chapter = getattr(node, "name", None) == "h1" and "ac-chapter" in (node.get("class") or [])
        if is_chapter:
            current = soup.new_tag("section", attrs={"class": "ac-chapter-block"})
            node.insert_before(current)
        if current is not None and node is not current:
            current.append(node.extract())


def build_body(fragments: Iterable[str], lang: str):
    """Join, sanitise, group and number fragments; returns (html, entries)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup('<div id="ac-content"></div>', "html.parser")
    root = soup.find("div")
    for fragment in fragments:
        part = BeautifulSoup(fragment, "html.parser")
        for node in list(part.contents):
            root.append(node.extract())
    _sanitise(root)
    _group_chapters(soup, root)
    entries = number_document(root, lang)
    abstract = []
    for block in root.find_all("section", class_="ac-abstract"):   # moved to the front matter
        abstract.append(block.extract().decode_contents())
    entries["abstract"] = "".join(abstract)
    return root.decode_contents(), entries


# --------------------------------------------------------------------------------------------
# Document

def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict), default=str)
    return str(value)


def _labels(lang: str) -> dict[str, str]:
    keys = ["contents", "list_of_figures", "list_of_tables", "period", "version", "run_date",
            "appendix", "provenance", "inputs", "parameters", "col_file", "col_table",
            "col_sha256", "col_rows_read", "col_rows_kept", "col_name", "col_value", "no_inputs",
            "abstract", "references", "data_dictionary", "data_dictionary_intro", "col_column",
            "col_definition", "run_parameters", "packages", "col_package", "col_version", "thesis_table",
            "thesis_table_intro", "col_date", "col_symptom", "col_symptom_code", "col_type_model", "col_customer",
            "col_cause", "col_cause_codes"]
    return {k: t(f"doc.{k}", lang) for k in keys}


def _catalogue_keys(prefix: str) -> list[str]:
    from pipeline.report import i18n

    return [k for k in i18n.catalogue() if k.startswith(prefix)]


def references(lang: str) -> list[str]:
    """The references section: every ``ref.*`` message of the catalogue, in catalogue order."""
    return [t(key, lang) for key in _catalogue_keys("ref.")]


def data_dictionary(lang: str) -> list[dict[str, Any]]:
    """The data dictionary: the processed columns of the four tables and their descriptions, from the
    contract (:mod:`pipeline.contract`), in its order."""
    from pipeline.contract import INPUT_TABLES

    out = []
    for name, table in INPUT_TABLES.items():
        columns = [(c.name, c.description.in_language(lang)) for c in table.columns
                   if c.processed and c.description is not None]
        if columns:
            out.append({"table": name, "columns": columns})
    return out


def appendices(lang: str, *, dictionary: bool, thesis_table: bool = False) -> list[dict[str, str]]:
    """Appendix entries (id, letter label, title) in document order."""
    items = []
    if dictionary:
        items.append(("appendix-dictionary", t("doc.data_dictionary", lang)))
    items.append(("appendix-parameters", t("doc.run_parameters", lang)))
    items.append(("appendix", t("doc.provenance", lang)))
    if thesis_table:
        items.append(("appendix-thesis", t("doc.thesis_table", lang)))
    return [{"id": ident, "num": t("doc.appendix_label", lang, letter=chr(ord("A") + i)), "title": title}
            for i, (ident, title) in enumerate(items)]


@functools.lru_cache(maxsize=1)
def _jinja_env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def build_html(fragments: Iterable[str], *, lang: str, meta: dict) -> str:
    """The whole report as one self-contained HTML string."""
    from markupsafe import Markup

    check_language(lang)
    content, entries = build_body(fragments, lang)
    css = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    inputs = [
        {k: ("" if item.get(k) is None else item.get(k))
         for k in ("path", "table", "sha256", "rows_read", "rows_kept")}
        for item in meta.get("inputs") or []
    ]
    parameters = [(str(k), _value_text(v)) for k, v in (meta.get("parameters") or {}).items()]
    with_dictionary = bool(meta.get("data_dictionary", True))
    # the thesis's table 4-1, cleaned: rows of strings (date, symptom, symptom code, type-model,
    # customer, cause, cause codes), escaped by the template like every other value
    thesis_rows = [[str(v) for v in row] for row in (meta.get("thesis_table") or [])]
    return _jinja_env().get_template(DOCUMENT_TEMPLATE).render(
        lang=lang,
        title=meta.get("title") or t("doc.title", lang),
        subtitle=meta.get("subtitle") or "",
        organisation=meta.get("organisation") or "",
        run_date=str(meta.get("run_date") or ""),
        version=str(meta.get("version") or ""),
        labels=_labels(lang),
        css=Markup(css),
        content=Markup(content),
        chapters=entries["chapters"],
        figures=entries["figures"],
        tables=entries["tables"],
        inputs=inputs,
        parameters=parameters,
        packages=[(str(k), str(v)) for k, v in (meta.get("packages") or {}).items()],
        abstract=Markup(entries["abstract"]),
        show_contents=bool(meta.get("contents", True)),
        references=references(lang) if meta.get("references", True) else [],
        dictionary=data_dictionary(lang) if with_dictionary else [],
        thesis_rows=thesis_rows,
        appendices={a["id"]: a for a in appendices(lang, dictionary=with_dictionary, thesis_table=bool(thesis_rows))},
        appendix_order=[a["id"] for a in appendices(lang, dictionary=with_dictionary,
                                                   thesis_table=bool(thesis_rows))],
    )


def write_pdf(html: str, target: Path, base_url: Path) -> None:
    """Print ``html`` to ``target`` with WeasyPrint; only data: URLs are fetched."""
    import logging

    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from pipeline.runtime.atomic import atomic_path

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"})
    with atomic_path(target, suffix=".pdf") as tmp:
        HTML(string=html, base_url=str(base_url), url_fetcher=fetcher).write_pdf(
            tmp, presentational_hints=True, pdf_identifier=False)


def render_report(executed_notebooks: list[Path], out_dir: Path, *, lang: str, meta: dict,
                  pdf: bool = True) -> dict[str, Path | None]:
    """Render executed notebooks into ``out_dir/report.html`` and ``out_dir/report.pdf``."""
    from pipeline.runtime.atomic import write_bytes

    check_language(lang)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not executed_notebooks:
        raise PipelineError("report: no executed notebooks to render")
    fragments = [notebook_fragment(p) for p in executed_notebooks]
    html = build_html(fragments, lang=lang, meta=meta)
    html_path = out_dir / "report.html"
    write_bytes(html_path, html.encode("utf-8"))
    pdf_path = None
    if pdf:
        pdf_path = out_dir / "report.pdf"
        write_pdf(html, pdf_path, out_dir)
    return {"html": html_path, "pdf": pdf_path}
