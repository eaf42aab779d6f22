"""The sample without each optional column of each table, one at a time: every shape gives a report.

The shapes are generated from the contract: every raw column a table does not require. A section that
needs the column is replaced by the sentence that names it and its sources.yml key; every chapter whose
processed inputs did not change writes the same tables as on the whole sample.
"""

from __future__ import annotations

import pytest

from pipeline.contract import INPUT_TABLES
from pipeline.contract.sections import SECTIONS
from tests.end_to_end.conftest import assert_unchanged_where_inputs_are, check_html

pytestmark = pytest.mark.slow

# Declared alternatives the sample does not use (it writes the combined `machine_type_model`, and customers by
# name on its dispatches), and columns of other systems' exports (a ticket system's SLA flag, a state log's
# update time).
NOT_IN_SAMPLE = {("dispatches", "machine_type"), ("dispatches", "machine_model"), ("dispatches", "customer_id"),
                 ("dispatches", "made_sla"), ("dispatches", "updated_at"), ("sales", "updated_at")}


def optional_columns() -> list[tuple[str, str]]:
    out = []
    for name, table in INPUT_TABLES.items():
        required = {c for alternatives in table.required for c in alternatives}
        out += [(name, c.name) for c in table.raw_columns if c.name not in required]
    return out


OPTIONAL = [pair for pair in optional_columns() if pair not in NOT_IN_SAMPLE]


def test_the_shapes_cover_every_optional_column_the_sample_has(shapes):
    in_sample = {(t, c) for t, frame in shapes.exports.values() for c in frame.columns}
    assert set(optional_columns()) - in_sample == NOT_IN_SAMPLE
    assert len(OPTIONAL) == 30


def section_rows(rendered) -> dict[str, str]:
    """Chapter 1's section list as section key → "shown" or the reason. Rows follow SECTIONS' order; a
    silent section is listed only when it can run, and is then told apart by its English name."""
    from pipeline.report import i18n

    rows = rendered.sections
    names = list(rows["Section"])
    keys, i = [], 0
    for key, section in SECTIONS.items():
        name = i18n.t(section.title if section.title is not None else f"section.{key}", "en")
        if section.silent and (i >= len(names) or names[i] != name):
            continue
        keys.append(key)
        i += 1
    assert len(rows) == len(keys)
    return dict(zip(keys, rows["Shown"], strict=True))


def needing(table: str, column: str) -> list[str]:
    return [k for k, s in SECTIONS.items() if not s.silent
            and any(n.kind == "values" and n.table == table and n.column == column for n in s.needs)]


@pytest.mark.parametrize(("table", "column"), OPTIONAL, ids=[f"{t}-{c}" for t, c in OPTIONAL])
def test_the_report_without_an_optional_column(shapes, full, table, column):
    shape = shapes.render(shapes.without(table, column))
    check_html(shape)
    assert column not in {c for t, f in shapes.without(table, column).values() if t == table for c in f.columns}
    rows, before = section_rows(shape), section_rows(full)
    assert all(v == "shown" for v in before.values())
    for key in needing(table, column):
        assert rows[key] != "shown" and f"`{column}`" in rows[key], (key, rows[key])
    # no section that does not read the table changes from shown to explained
    assert {k for k, v in rows.items() if v != "shown" and not any(n.table == table for n in SECTIONS[k].needs)
            and SECTIONS[k].chapter != "service"} <= set(), rows
    compared = assert_unchanged_where_inputs_are(shape, full)
    if table == "sales":
        assert "02_service" in compared
    if table == "dispatches" and column not in ("customer_name",):
        assert "03_customer_value" in compared
