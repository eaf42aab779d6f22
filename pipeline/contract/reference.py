"""``docs/contract.md``, written from the declarations: what a user, a script and a test may rely on.

Nothing in the page is typed by hand except the short framing text here; the tables, columns,
options, JSON fields, commands and make variables come from :mod:`pipeline.contract`, the
command-line parser and the Makefile, so the page cannot drift from the code
(``tests/contract/test_contract.py`` checks that the committed page is what this module writes).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from pipeline.contract import INPUT_TABLES, REJECT_REASONS, TIERS, Column, Table
from pipeline.contract.model import Document
from pipeline.contract.options import OPTIONS
from pipeline.contract.outputs import CUSTOMER_NAMES, MANIFEST, REJECTS, TIMINGS
from pipeline.contract.report_tables import REPORT_TABLES
from pipeline.contract.vocabulary import SERVICE_LEVELS

ROOT = Path(__file__).resolve().parents[2]

# The make variables a user may set, and what each one means (the Makefile gives the defaults).
MAKE_VARIABLES = {
    "RAW": "the folder of raw exports (never modified)",
    "PROCESSED": "the folder of processed tables",
    "REPORTS": "the folder reports go into, under `<period>/`",
    "PERIOD": "`2009`, `2009H1`, `2009Q4` or `2009-10`; empty: the latest complete quarter of the data",
    "START": "a custom period's first day, `YYYY-MM-DD` (with `END`)",
    "END": "a custom period's last day, `YYYY-MM-DD` (with `START`)",
    "LANG": "the report's language: `en`, `zh-Hant` or `zh-Hans` (any other value, such as a locale, means `en`)",
    "ENGINE": "`pandas` (this process) or `dask` (a Dask cluster)",
    "SCHEDULER": "an existing Dask scheduler's address (`tcp://host:8786`), with `ENGINE=dask`",
    "PYTHON": "the Python that creates `.venv`",
}

KIND_NAMES = {"id": "identifier", "text": "text", "code": "code", "datetime": "datetime", "number": "number",
              "integer": "integer", "boolean": "boolean", "list": "list of codes"}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _constraints(c: Column) -> str:
    parts = []
    if not c.nullable:
        parts.append("never missing")
    if c.must_not_be_empty:
        parts.append("non-empty")
    if c.unique:
        parts.append("unique")
    if c.values is not None and c.values_open:
        parts.append("built-in values " + ", ".join(f"`{v}`" for v in c.values)
                     + "; any other value as written or as sources.yml maps it")
    elif c.values is not None:
        parts.append("one of " + ", ".join(f"`{v}`" for v in c.values))
    if c.length is not None:
        parts.append(f"{c.length} characters")
    if c.minimum is not None:
        parts.append(f"≥ {c.minimum:g}")
    if c.extra:
        parts.append("only when a source gives it")
    return "; ".join(parts)


def _description(c: Column, raw: bool = False) -> str:
    text = (c.raw_description if raw and c.raw_description is not None else c.description)
    return text.en if text is not None else ""


def _required_text(table: Table, column: str) -> str:
    for alternatives in table.required:
        if column in alternatives:
            return "**required**" if len(alternatives) == 1 else "**required**: " + " or ".join(
                f"`{a}`" for a in alternatives)
    return "optional"


def input_table_section(table: Table) -> list[str]:
    lines = [f"### `{table.name}`", "", table.description.en, ""]
    if table.keys:
        lines.append(f"Key: {', '.join(f'`{k}`' for k in table.keys)}. "
                     + (f"Of two versions of a record, the later is the one with the latest "
                        f"{' / '.join(f'`{c}`' for c in table.update_stamp)}. " if table.update_stamp else "")
                     + f"Rows are sorted by {', '.join(f'`{c}`' for c in table.sort)}.")
        lines.append("")
    lines.append(f"File names that say a file is this table: {', '.join(f'`{k}`' for k in table.file_keywords)}.")
    lines += ["", "Raw columns (what a `sources.yml` entry maps to; headers in English, Traditional or Simplified "
              "Chinese are recognised):", ""]
    rows = [[f"`{c.name}`", _required_text(table, c.name), _description(c, raw=True),
             ", ".join(f"`{a}`" for a in c.raw), f"`{c.example}`" if c.example else ""] for c in table.raw_columns]
    lines += _table(["column", "", "meaning", "header aliases", "example"], rows)
    lines += ["", f"Processed columns (`data/processed/{table.name}.parquet`, in this order):", ""]
    rows = [[f"`{c.name}`", KIND_NAMES[c.kind], _constraints(c), _description(c)]
            for c in table.columns if c.processed]
    lines += _table(["column", "type", "constraints", "meaning"], rows)
    return lines + [""]


def _output_table(table: Table) -> list[str]:
    lines = [f"### `{table.name}.parquet`", "", table.description.en, ""]
    rows = [[f"`{c.name}`", KIND_NAMES[c.kind], _constraints(c), _description(c)] for c in table.columns]
    return lines + _table(["column", "type", "constraints", "meaning"], rows) + [""]


def _document(doc: Document, heading: str = "###") -> list[str]:
    lines = [f"{heading} `{doc.name}`", "", doc.description, ""]
    return lines + _table(["field", "meaning"], [[f"`{f.name}`", f.description] for f in doc.fields]) + [""]


def make_targets(makefile: Path = ROOT / "Makefile") -> list[tuple[str, str]]:
    """The Makefile's targets with their ``## comment``, in file order."""
    text = makefile.read_text(encoding="utf-8")
    return re.findall(r"^([a-z][a-z-]*):[^\n#]*## (.+)$", text, flags=re.M)


def make_defaults(makefile: Path = ROOT / "Makefile") -> dict[str, str]:
    """The Makefile's ``NAME ?= default`` variables."""
    text = makefile.read_text(encoding="utf-8")
    return {name: value.strip() for name, value in re.findall(r"^([A-Z_]+) \?=(.*)$", text, flags=re.M)}


def _commands() -> list[str]:
    from pipeline.cli import build_parser

    lines = ["## Commands", "", "Run from the repository root. `make report` and `make test` set everything up on a "
             "fresh machine (a `.venv`, the Python packages, and as root the OS packages the PDF needs).", ""]
    lines += _table(["command", "does"], [[f"`make {name}`", why] for name, why in make_targets()])
    defaults = make_defaults()
    lines += ["", "Make variables, all optional:", ""]
    lines += _table(["variable", "default", "meaning"],
                    [[f"`{v}`", f"`{defaults.get(v, '')}`" if defaults.get(v) else "", why]
                     for v, why in MAKE_VARIABLES.items()])
    lines += ["", "The same as a program, `python -m pipeline COMMAND` (also installed as `aftercare`). Every command "
              "exits 0 on success and 2 on bad input, printing one line that names the file, row and column where they "
              "apply; `--debug` shows the traceback instead.", ""]
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # argparse has no public API
    helps = {a.dest: a.help for a in sub._choices_actions}
    for name, p in sub.choices.items():
        lines += [f"### `python -m pipeline {name}`", "", helps.get(name, "") or "", ""]
        rows = []
        for a in p._actions:
            if not a.option_strings or a.dest in ("help",):
                continue
            default = "" if a.default in (None, "", False, argparse.SUPPRESS) else f"`{a.default}`"
            rows.append([", ".join(f"`{o}`" for o in a.option_strings), default, a.help or ""])
        lines += _table(["option", "default", "meaning"], rows) + [""]
    return lines


def _sources() -> list[str]:
    lines = ["## Raw input", "",
             "Raw files are only read, never changed. A file is CSV (UTF-8 with or without BOM, UTF-16, GB18030/GBK, "
             "Big5; `.csv`, `.tsv`, `.txt`, optionally compressed as `.xz`, `.gz`, `.bz2` or a `.zip` holding one "
             "data file: macOS `__MACOSX/` copies are ignored and `options.zip_member` picks one of several), "
             "Excel (`.xlsx`) or Parquet. Each file is one of the tables below. Which table, and which of its columns "
             "is which canonical column, comes from `sources.yml` in the raw folder (or `--sources FILE`) when it "
             "lists the file, otherwise from the file name and the built-in header aliases. A file whose table "
             "cannot be told is an error, not a silent skip.", "",
             "```yaml", "sources:", "  - path: \"orders_2024*.csv\"      # a glob relative to the raw folder, or an "
             "absolute path", "    table: sales", "    columns:                       # canonical column: header in "
             "the file", "      order_id: Invoice", "      customer_id: Customer ID", "      order_date: InvoiceDate",
             "      quantity: Quantity", "      unit_price: Price", "    options:                       # all "
             "optional, see below", "      encoding: gb18030", "      date_order: DMY", "```", "",
             "`customer_aliases.yml` beside the exports overrides how customer names are merged: "
             "`aliases: {written name: canonical name or id}`. A key given twice in one mapping of either file is an "
             "error naming both lines.", "",
             "`taxonomy.yml` beside the exports (or the file sources.yml's top-level `taxonomy:` names, relative to "
             "it) is the deployment's own symptom and cause taxonomy, merged over the built-in one on every clean: "
             "an entry for a built-in code adds keywords, nouns, phrases, whole `texts` or absorbed codes to it, "
             "relabels it, or with `replace: true` replaces its rule; an entry with a new code and an `en` label "
             "adds it; `parts`, `cause_parts` and `similarity` extend or change the built-in ones. Local rules are "
             "tried first. The manifest's `taxonomy.local` records the file, what it changed and the texts it "
             "coded otherwise, and `python -m pipeline taxonomy suggest` writes suggestions in its layout "
             "(docs/domain.md). sources.yml's other top-level key is `organisation`, the name the report gives "
             "the service organisation.", "", "### `sources.yml` options", ""]
    rows = [[f"`{o.name}`", ", ".join(o.tables) or "any", o.description, f"`{o.example}`", o.default or ""]
            for o in OPTIONS]
    lines += _table(["option", "tables", "meaning", "example", "default"], rows) + [""]
    return lines


def contract_markdown() -> str:
    """The whole of ``docs/contract.md``."""
    lines = ["<!-- Generated by `make docs` (pipeline/contract/reference.py) from the declarations in "
             "pipeline/contract/; edit those, not this page. -->", "", "# The Aftercare contract", "",
             "What a user, a script and a test may rely on: the commands, the raw exports they read, the processed "
             "tables and JSON files they write, and the report's tables. Every raw row is kept, rejected with a "
             "reason, counted as a duplicate, or folded into its record as an earlier state (state logs): per file, "
             "rows read = kept + rejected + duplicates + states folded.", ""]
    lines += _commands() + _sources()
    lines += ["## The tables", "",
              f"Service levels are written `{'`, `'.join(SERVICE_LEVELS)}` in the processed tables, "
              f"customer tiers `{'`, `'.join(TIERS)}` (other spellings of these are read as them). A level or "
              "tier outside these is kept as the export writes it (trimmed), never dropped; sources.yml maps it "
              "(`options: {service_levels: {\"Value 2\": 7x24x4}}`, `options: {tiers: {Corporate: large}}`) or, "
              "mapping it to a new name, declares that name. Chapter 1 of the report counts them. A customer "
              "known only by name gets a stable `customer_id` derived from its resolved name.", ""]
    for table in INPUT_TABLES.values():
        lines += input_table_section(table)
    lines += ["## What cleaning writes beside the tables (`data/processed/`)", ""]
    lines += _output_table(REJECTS)
    lines += ["Reject reasons:", ""] + _table(["reason_code", "meaning"],
                                              [[f"`{k}`", v] for k, v in REJECT_REASONS.items()]) + [""]
    lines += _output_table(CUSTOMER_NAMES) + _document(MANIFEST) + _document(TIMINGS)
    lines += ["With `--engine dask` the row tables (`dispatches`, `sales`, `contracts`, `rejects`) are folders of "
              "Parquet parts (`sales.parquet/part.00000.parquet`, …); `pd.read_parquet` reads a folder as it reads "
              "a file.", "", "## Reports (`reports/<period>/`)", "",
              "`report.html` (self-contained), `report.pdf`, `figures/`, the executed `notebooks/`, and `tables/`: "
              "the table behind every figure and table of the report as CSV (UTF-8 with BOM, so Excel opens Chinese "
              "correctly). Per-customer reviews go to `reviews/<customer_id>.html` and `.pdf`. The tables below have "
              "English column names and every row; the others are named after the report's labels, with headers in "
              "the report's language.", ""]
    for doc in REPORT_TABLES:
        lines += _document(doc, "###")
    lines += _sections()
    return "\n".join(lines).rstrip("\n") + "\n"


def _need_text(need) -> str:
    span = {"period": "in the period", "history": "before the period's end", "previous": "in the previous period",
            "any": "at all"}[need.when]
    if need.kind == "rows":
        return f"{need.at_least}+ `{need.table}` rows {span}"
    if need.kind == "values":
        return f"{need.at_least}+ `{need.table}` rows {span} with `{need.column}`"
    if need.kind == "customers":
        return f"{need.at_least}+ buying customers {span}"
    if need.kind == "decided_contracts":
        return f"{need.at_least}+ contracts with a decided renewal"
    if need.kind == "months":
        return f"{need.at_least}+ months of `{need.table}` history"
    return f"rows of `{need.table}` from `{need.column}`"


def _sections() -> list[str]:
    from pipeline.contract.sections import CHAPTERS, SECTIONS

    lines = ["## Report sections and what they need", "",
             "Each section is shown only when the data meets its needs (declared in "
             "`pipeline/contract/sections.py`); otherwise one paragraph says what is missing and how to supply it, "
             "and chapter 1's coverage table lists it. A chapter whose own needs are not met is a short page saying "
             "so. Silent sections are left out without a word.", ""]
    rows = []
    for key, section in SECTIONS.items():
        chapter = CHAPTERS[section.chapter]
        needs = [*chapter.needs, *section.needs]
        rows.append([f"`{key}`", "; ".join(_need_text(n) for n in needs) or "nothing",
                     "silent" if section.silent else ""])
    return lines + _table(["section", "needs", ""], rows) + [""]


def write_docs(out_dir: Path) -> list[Path]:
    """Write the generated pages (``contract.md``, ``api.md``) into ``out_dir``."""
    from pipeline.contract.api_reference import api_markdown

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("contract.md", contract_markdown()), ("api.md", api_markdown())):
        path = out_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
