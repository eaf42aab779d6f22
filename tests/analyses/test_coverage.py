"""Which of a section's declared needs the data in hand does not meet (pipeline.analyses.coverage)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analyses import coverage
from pipeline.analyses.period import parse_period
from pipeline.contract.sections import (
    CHAPTERS,
    SECTIONS,
    decided_contracts,
    from_file,
    largest_group,
    months,
    rows,
    values,
)

Q4 = parse_period("2009Q4")


def dispatches(dates, **columns) -> pd.DataFrame:
    frame = pd.DataFrame({"reported_at": pd.to_datetime(dates, format="ISO8601")})
    for name, values_ in columns.items():
        frame[name] = values_
    return frame


def test_rows_are_counted_in_the_span_the_need_names():
    d = dispatches(["2009-08-01", "2009-10-05", "2009-12-31 23:00", "2010-01-01"])
    data = {"dispatches": d}
    assert coverage.unmet(rows("dispatches"), data, Q4) is None                  # two in the period
    assert coverage.unmet(rows("dispatches", 3), data, Q4).have == 2
    assert coverage.unmet(rows("dispatches", 3, when="history"), data, Q4) is None   # three before 2010
    assert coverage.unmet(rows("dispatches", 1, when="previous"), data, Q4) is None  # August is in Q3
    assert coverage.unmet(rows("dispatches", 4, when="any"), data, Q4) is None
    gone = coverage.unmet(rows("dispatches", 5, when="any"), data, Q4)
    assert (gone.have, gone.first, gone.last) == (4, pd.Timestamp("2009-08-01"), pd.Timestamp("2010-01-01"))


def test_a_table_that_is_absent_or_empty_meets_no_need():
    for data in ({}, {"dispatches": dispatches([])}):
        u = coverage.unmet(rows("dispatches"), data, Q4)
        assert u.have == 0 and u.first is None and u.last is None


def test_values_count_only_usable_ones():
    d = dispatches(["2009-10-01"] * 6, engineer=["A", None, "", "B", None, None],
                   symptom_code=["S1", "UNMAPPED", "S1", "S2", None, "S1"],
                   cause_codes=[["C1"], ["UNMAPPED"], [], ["C1", "UNMAPPED"], ["C2"], ["UNMAPPED"]])
    data = {"dispatches": d}
    assert coverage.unmet(values("dispatches", "engineer", 2), data, Q4) is None
    assert coverage.unmet(values("dispatches", "engineer", 3), data, Q4).have == 2
    assert coverage.unmet(values("dispatches", "symptom_code", 5), data, Q4).have == 4
    assert coverage.unmet(values("dispatches", "cause_codes", 4), data, Q4).have == 3   # a list with a code
    assert coverage.unmet(values("dispatches", "machine_type"), data, Q4).have == 0    # no such column
    assert coverage.unmet(largest_group("dispatches", "symptom_code", 3), data, Q4) is None  # S1 three times
    assert coverage.unmet(largest_group("dispatches", "symptom_code", 4), data, Q4).have == 3


def test_customers_contracts_months_and_files():
    sales = pd.DataFrame({"order_date": pd.to_datetime(["2008-03-01", "2009-11-01", "2009-11-02"]),
                          "customer_id": ["A", "B", "C"], "is_return": [False, False, True]})
    contracts = pd.DataFrame({"start_date": pd.to_datetime(["2008-01-01", "2009-01-01"]),
                              "end_date": pd.to_datetime(["2008-12-31", "2009-12-31"]), "renewed": [True, None]})
    d = dispatches(["2009-10-01"], source_file=["dispatches_thesis_table_4_1.csv"])
    data = {"sales": sales, "contracts": contracts, "dispatches": d}
    from pipeline.contract.sections import customers
    assert coverage.unmet(customers(2), data, Q4) is None                       # A and B; C only returned
    assert coverage.unmet(customers(3), data, Q4).have == 2
    assert coverage.unmet(decided_contracts(1), data, Q4) is None               # the 2008 one was decided
    assert coverage.unmet(decided_contracts(2), data, Q4).have == 1             # the 2009 one is not known
    assert coverage.unmet(months("sales", 22), data, Q4) is None                # March 2008 to January 2010
    assert coverage.unmet(months("sales", 23), data, Q4).have == 22
    assert coverage.unmet(from_file("dispatches", "dispatches_thesis_table_4_1.csv"), data, Q4) is None
    assert coverage.unmet(from_file("dispatches", "other.csv"), data, Q4).have == 0


def test_a_chapter_that_cannot_run_is_its_sections_whole_reason():
    sales = pd.DataFrame({"order_date": pd.to_datetime(["2009-11-01"]), "customer_id": ["A"],
                          "is_return": [False]})
    data = {"sales": sales, "dispatches": dispatches(["2008-01-01"])}
    sla = coverage.section_unmet("service.sla", data, Q4)
    assert [u.need for u in sla] == list(CHAPTERS["service"].needs)      # not also service_level, arrived_at
    assert coverage.chapter_unmet("value", data, Q4) == []


def test_every_section_belongs_to_a_declared_chapter_and_names_real_columns():
    from pipeline.contract import INPUT_TABLES

    for key, section in SECTIONS.items():
        assert key.split(".")[0] == section.chapter and section.chapter in CHAPTERS
        for need in section.needs:
            if need.kind in ("values", "largest_group"):
                INPUT_TABLES[need.table].column(need.column)      # raises for a column the contract lacks


def test_table_coverage_lists_the_period_and_the_filled_optional_columns():
    sales = pd.DataFrame({"order_date": pd.to_datetime(["2009-01-05", "2009-11-01"]), "customer_id": ["A", "B"],
                          "product_category": [None, None], "channel": ["web", None]})
    table = coverage.table_coverage({"sales": sales}, Q4).set_index("table")
    assert table.loc["sales", "rows"] == 2 and table.loc["sales", "rows_in_period"] == 1
    assert table.loc["sales", "first"] == pd.Timestamp("2009-01-05")
    assert "channel" in table.loc["sales", "columns"]
    assert "product_category" in table.loc["sales", "columns_missing"]
    assert table.loc["dispatches", "rows"] == 0 and pd.isna(table.loc["dispatches", "first"])


def test_an_unknown_span_is_refused():
    with pytest.raises(ValueError, match="unknown span"):
        rows("sales", when="forever")
