"""The contract is declared once: every column described, aliases unambiguous, and the docs generated from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.contract import ALIASES, INPUT_TABLES, PROCESSED_TABLES
from pipeline.contract.options import OPTIONS
from pipeline.contract.reference import MAKE_VARIABLES, contract_markdown, make_defaults
from pipeline.ingest.headers import header_key

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "zh-Hant", "zh-Hans")


@pytest.mark.parametrize("table", list(PROCESSED_TABLES))
def test_every_column_is_described_in_three_languages(table):
    missing = [c.name for c in PROCESSED_TABLES[table].columns if c.description is None]
    assert not missing, f"{table}: no description for {missing}"
    for c in PROCESSED_TABLES[table].columns:
        for lang in LANGUAGES:
            text = c.description.in_language(lang)
            assert text.strip(), (table, c.name, lang)
        assert c.description.en != c.description.zh_hant, (table, c.name)


@pytest.mark.parametrize("table", list(INPUT_TABLES))
def test_no_header_alias_names_two_columns(table):
    seen = {}
    for canonical, aliases in ALIASES[table].items():
        assert aliases[0] == canonical
        for alias in aliases:
            key = header_key(alias)
            assert seen.setdefault(key, canonical) == canonical, (alias, canonical, seen[key])


def test_required_columns_and_keys_are_declared_columns():
    for table in INPUT_TABLES.values():
        names = {c.name for c in table.columns}
        raw = {c.name for c in table.raw_columns}
        assert {c for alternatives in table.required for c in alternatives} <= raw, table.name
        assert set(table.keys) | set(table.sort) | set(table.update_stamp) <= names, table.name
        assert {c for pair in table.later_than for c in pair} <= names, table.name


def test_every_declared_option_is_read_by_the_code():
    code = "\n".join(p.read_text(encoding="utf-8") for stage in ("ingest", "clean")
                     for p in (ROOT / "pipeline" / stage).glob("*.py"))
    unread = [o.name for o in OPTIONS if not re.search(rf"""\.get\(["']{o.name}["']|\[["']{o.name}["']\]""", code)]
    assert not unread, f"declared in pipeline/contract/options.py but never read: {unread}"


def test_every_make_variable_is_documented():
    assert set(make_defaults()) - {"VENV", "PY", "RUN"} <= set(MAKE_VARIABLES), make_defaults()


def test_docs_contract_is_what_the_declarations_say():
    # `make docs` writes it; a change to a declaration without regenerating the page fails here
    committed = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert committed == contract_markdown(), "docs/contract.md is out of date: run `make docs`"


def test_docs_api_is_what_the_docstrings_say():
    from pipeline.contract.api_reference import api_markdown

    committed = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert committed == api_markdown(), "docs/api.md is out of date: run `make docs`"


def test_the_reference_shows_each_table_column_and_option():
    text = contract_markdown()
    for table in PROCESSED_TABLES.values():
        for c in table.columns:
            assert f"`{c.name}`" in text
    for o in OPTIONS:
        assert f"| `{o.name}` |" in text and o.example in text
    for name in ("manifest.json", "timings.json", "sla_compliance.csv", "customer_value.csv"):
        assert f"`{name}`" in text
