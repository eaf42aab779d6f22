"""Values outside the built-in vocabulary are kept as written (issue 16, point 5), sources.yml maps them or
declares new ones, and the SLA targets a source declares reach the manifest."""

import pandas as pd
import pytest

from pipeline.analyses.coverage import outside_vocabulary
from pipeline.clean import clean
from pipeline.clean.validate import validation_failures
from pipeline.clean.vocabulary import (
    canonical_levels,
    canonical_tiers,
    read_business_hours,
    read_sla_targets,
    read_values,
)
from pipeline.errors import InputError, PipelineError


def test_known_spellings_normalise_and_the_rest_is_kept_as_written():
    levels = read_values(["7*24*4", " 5×9 ", "Value 2", "3 - Moderate", "", "7x24 8h"], canonical_levels)
    assert levels.tolist() == ["7x24x4", "5x9", "Value 2", "3 - Moderate", None, "7x24x8"]
    tiers = read_values(["vip", "大客戶", "Consumer", "  Home   Office ", "", "中小企業"], canonical_tiers)
    assert tiers.tolist() == ["VIP", "large", "Consumer", "Home Office", None, "SMB"]


def test_a_mapping_reads_values_as_built_in_ones_or_declares_new_names():
    levels = read_values(["Value 2", "value 3", "Value 4", "Value 1"], canonical_levels,
                         {"Value 2": "7*24*4", "Value 3": "7x24x8", "Value 4": "Gold"})
    assert levels.tolist() == ["7x24x4", "7x24x8", "Gold", "Value 1"]      # case-insensitive keys; Gold declared
    tiers = read_values(["Corporate", "Consumer", "Home Office"], canonical_tiers,
                        {"Corporate": "Large", "Home Office": "SOHO"})
    assert tiers.tolist() == ["large", "Consumer", "SOHO"]


def _write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_clean_keeps_levels_and_tiers_outside_the_vocabulary(tmp_path):
    _write(tmp_path, "dispatches.csv", "Ticket,Reported,Customer,SLA\nT1,2009-01-08,甲,7*24*4\n"
                                       "T2,2009-01-09,甲,Value 2\nT3,2009-01-10,乙,3 - Moderate\n"
                                       "T4,2009-01-11,乙,\nT5,2009-01-12,乙,Value 9\n")
    _write(tmp_path, "customers.csv", "Customer ID,Customer,Segment\nC1,甲,Consumer\nC2,乙,Corporate\nC3,丙,VIP\n"
                                      "C4,丁,Home Office\n")
    _write(tmp_path, "contracts.csv", "Contract,Customer,Start,End,SLA\nK1,甲,2009-01-01,2009-12-31,Platinum\n"
                                      "K2,乙,2009-01-01,2009-12-31,5*9\n")
    _write(tmp_path, "sources.yml", """sources:
  - {path: dispatches.csv, table: dispatches, options: {service_levels: {"Value 2": "7x24x4", "Value 9": Gold}}}
  - {path: customers.csv, table: customers, options: {tiers: {Corporate: large}}}
  - {path: contracts.csv, table: contracts}
""")
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d["service_level"].tolist() == ["7x24x4", "7x24x4", "3 - Moderate", None, "Gold"]
    assert d["service_level_text"].tolist()[:3] == ["7*24*4", "Value 2", "3 - Moderate"]
    c = result.tables["customers"].set_index("customer_name")
    assert c.loc[["甲", "乙", "丙", "丁"], "tier"].tolist() == ["Consumer", "large", "VIP", "Home Office"]
    k = result.tables["contracts"].set_index("contract_id")
    assert k["service_level"].tolist() == ["Platinum", "5x9"]
    assert validation_failures(result.tables) == []
    # chapter 1's count: per table and column, the values outside the built-in vocabulary
    out = outside_vocabulary(result.tables)
    assert out.to_dict("records") == [
        {"table": "dispatches", "column": "service_level", "value": "3 - Moderate", "rows": 1},
        {"table": "dispatches", "column": "service_level", "value": "Gold", "rows": 1},
        {"table": "customers", "column": "tier", "value": "Consumer", "rows": 1},
        {"table": "customers", "column": "tier", "value": "Home Office", "rows": 1},
        {"table": "contracts", "column": "service_level", "value": "Platinum", "rows": 1}]
    assert "sla" not in result.manifest           # nothing declared: the built-in targets apply


def test_the_open_vocabulary_check_stays_meaningful():
    ok = pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "customer_name": ["a", "b", "c"],
                       "aliases": [[], [], []], "industry": [None] * 3, "tier": ["VIP", "Corporate", None],
                       "region": [None] * 3})
    assert validation_failures({"customers": ok}) == []
    for bad in ("vip", " Corporate", ""):       # a built-in value in another case, untrimmed, empty
        failures = validation_failures({"customers": ok.assign(tier=["VIP", bad, None])})
        assert len(failures) == 1 and failures[0].startswith("customers.tier"), (bad, failures)


def test_made_sla_and_declared_targets_travel_to_the_manifest(tmp_path):
    _write(tmp_path, "tickets.csv", "number,opened_at,resolved_at,caller_id,priority,made_sla\n"
                                    "I1,2016-03-01 10:00,2016-03-01 12:00,Caller 1,1 - Critical,true\n"
                                    "I2,2016-03-01 11:00,,Caller 2,3 - Moderate,false\n"
                                    "I3,2016-03-02 11:00,2016-03-03 11:00,Caller 2,3 - Moderate,\n")
    _write(tmp_path, "sources.yml", """sources:
  - path: tickets.csv
    table: dispatches
    columns: {ticket_id: number, reported_at: opened_at, closed_at: resolved_at, customer_name: caller_id,
              service_level: priority, made_sla: made_sla}
    options:
      sla_targets:
        "1 - Critical": {response: {clock: wall, hours: 1}, resolution: {clock: wall, hours: 4}}
        "3 - Moderate": {resolution: {clock: business, days: 3}}
        "7*24*4": {resolution: {clock: wall, days: 1}}
      business_hours: {start: "08:30", end: 17, holidays: [2016-03-25]}
""")
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d["made_sla"].dtype == "boolean"
    assert d["made_sla"].astype(object).where(d["made_sla"].notna(), None).tolist() == [True, False, None]
    assert d["service_level"].tolist() == ["1 - Critical", "3 - Moderate", "3 - Moderate"]
    assert result.manifest["sla"] == {
        "targets": {"1 - Critical": {"response": {"clock": "wall", "hours": 1.0},
                                     "resolution": {"clock": "wall", "hours": 4.0}},
                    "3 - Moderate": {"resolution": {"clock": "business", "days": 3}},
                    "7x24x4": {"resolution": {"clock": "wall", "hours": 24.0}}},
        "business_hours": {"start": 8.5, "end": 17.0, "holidays": ["2016-03-25"]}}


@pytest.mark.parametrize("option, message", [
    ({"1 - Critical": {"respond": {"clock": "wall", "hours": 1}}}, "must give response and/or resolution"),
    ({"1 - Critical": {"response": {"clock": "moon", "hours": 1}}}, "clock must be wall or business"),
    ({"1 - Critical": {"response": {"clock": "wall"}}}, "exactly one of hours or days"),
    ({"1 - Critical": {"response": {"clock": "wall", "hours": -2}}}, "positive number"),
    ({"1 - Critical": {"response": {"clock": "business", "days": 1.5}}}, "whole"),
    ([1, 2], "must map levels to targets"),
])
def test_a_wrong_sla_targets_shape_is_one_clear_error(option, message):
    with pytest.raises(InputError, match=message):
        read_sla_targets(option)


def test_a_wrong_option_stops_the_clean_naming_the_file(tmp_path):
    _write(tmp_path, "dispatches.csv", "Ticket,Reported,Customer\nT1,2009-01-08,甲\n")
    _write(tmp_path, "sources.yml", "sources:\n  - {path: dispatches.csv, table: dispatches, options: "
                                    "{sla_targets: {Gold: {response: {clock: wall}}}}}\n")
    with pytest.raises(PipelineError, match=r"dispatches\.csv.*exactly one of hours or days"):
        clean(tmp_path, run_date="2026-11-29")
    assert read_business_hours({"start": 9, "end": 18}) == {"start": 9.0, "end": 18.0, "holidays": []}
    with pytest.raises(InputError, match="end must be after start"):
        read_business_hours({"start": 18, "end": 9})
