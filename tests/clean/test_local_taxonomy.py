"""A deployment's own taxonomy file merged over the built-in one: what each kind of entry does, the
errors a wrong file gets, and the run that records and explains it."""

from __future__ import annotations

import json

import pytest
import yaml

from pipeline.clean import clean
from pipeline.clean.taxonomy import DEFAULT_TAXONOMY, UNMAPPED, load_taxonomy
from pipeline.errors import InputError
from pipeline.ingest.sources import local_taxonomy_file

BUILT_IN = load_taxonomy()


def merged(tmp_path, text: str):
    local = tmp_path / "taxonomy.yml"
    local.write_text(text, encoding="utf-8")
    return load_taxonomy(DEFAULT_TAXONOMY, local)


def test_a_keyword_added_to_a_built_in_code_codes_a_text_the_built_in_one_cannot(tmp_path):
    text = "disk shows orange"
    assert BUILT_IN.symptom_code(text) == UNMAPPED
    t = merged(tmp_path, "symptoms:\n  - code: HDD_AMBER\n    keywords: [shows orange]\n")
    coded = t.code_symptom(text)
    assert (coded.codes, coded.method, coded.confidence) == (("HDD_AMBER",), "rule", 1.0)
    # the code keeps its built-in labels and rules
    assert t.label("symptoms", "HDD_AMBER", "en") == "Disk amber LED lit"
    assert t.symptom_code("硬盤黃燈常亮") == "HDD_AMBER"
    assert t.changes == ("symptoms HDD_AMBER: 1 keyword added, tried before the built-in rules",)
    assert [r.code for r in t.symptoms].count("HDD_AMBER") == 2 and len(t.symptoms) == len(BUILT_IN.symptoms) + 1


def test_local_rules_are_tried_before_the_built_in_ones(tmp_path):
    text = "硬盤無法識別"                               # the built-in rules say: disk not recognised
    assert BUILT_IN.symptom_code(text) == "DISK_NOT_SEEN"
    t = merged(tmp_path, "symptoms:\n  - code: RAID_SELFTEST\n    keywords: [硬盘无法识别]\n")
    assert t.symptom_code(text) == "RAID_SELFTEST"        # written in the other script, still first


def test_texts_give_that_whole_text_its_code_in_any_script_case_or_punctuation(tmp_path):
    t = merged(tmp_path, 'causes:\n  - code: CABLE\n    texts: ["卡沒插緊"]\n'
                         '  - code: LOOSE_SLOT\n    texts: ["卡沒插緊"]\n'
                         'symptoms:\n  - code: SLOW\n    texts: ["Users complain!"]\n')
    assert BUILT_IN.code_symptom("users complain").codes == (UNMAPPED,)
    assert t.code_symptom("USERS  complain").codes == ("SLOW",)
    assert t.code_symptom("users complain about the fan").codes != ("SLOW",)      # whole texts only
    cause = t.code_causes("卡没插紧！")
    assert (cause.codes, cause.method) == (("CABLE", "LOOSE_SLOT"), "rule")


def test_a_new_code_relabelling_and_replacing(tmp_path):
    t = merged(tmp_path, """\
causes:
  - code: TAPE_DRIVE
    en: Tape drive
    zh-Hant: 磁帶機
    keywords: [tape drive, 磁帶機]
  - code: FAN
    replace: true
    keywords: [blower]
  - code: PSU
    en: Power supply unit
parts:
  TAPE: [磁帶機]
cause_parts:
  TAPE_DRIVE: [TAPE]
similarity:
  threshold: 0.4
""")
    assert t.cause_codes("磁帶機損壞") == ["TAPE_DRIVE"] and BUILT_IN.cause_codes("磁帶機損壞") != ["TAPE_DRIVE"]
    assert t.label("causes", "TAPE_DRIVE", "zh-Hans") == "磁带机"
    assert t.cause_codes("blower dead") == ["FAN"]
    # the built-in keyword is gone: "fan" is now only similar to the code's kept label
    assert BUILT_IN.code_causes("fan failed").method == "rule" and t.code_causes("fan failed").method != "rule"
    assert t.label("causes", "FAN", "en") == BUILT_IN.label("causes", "FAN", "en")     # labels kept on replace
    assert t.label("causes", "PSU", "en") == "Power supply unit"
    assert t.cause_parts["TAPE_DRIVE"] == ["TAPE"] and t.part_code("磁帶機") == "TAPE"
    assert t.threshold == 0.4 and BUILT_IN.threshold == 0.3
    assert t.changes == ("causes TAPE_DRIVE: new code (2 keywords)", "causes FAN: built-in rule replaced",
                         "causes PSU: relabelled (en)", "parts TAPE: 1 word added",
                         "cause_parts TAPE_DRIVE: [] → ['TAPE']",
                         "similarity.threshold: 0.3 → 0.4")


@pytest.mark.parametrize("text, message", [
    ("symptoms:\n  - code: TAPE\n    keywords: [tape]\n",
     "TAPE is not a built-in code; a new code needs an 'en' label"),
    ("symptom:\n  - code: HDD_AMBER\n", "unknown top-level keys ['symptom']"),
    ("symptoms:\n  - code: HDD_AMBER\n    keyword: [x]\n", "unknown keys ['keyword']"),
    ("causes:\n  - keywords: [x]\n", "causes entry 1 needs a 'code'"),
    ("causes:\n  - code: UNMAPPED\n    keywords: [x]\n", "UNMAPPED is what no rule gives"),
    ("similarity: {threshold: 3}\n", "similarity.threshold is 3; give a number from 0 to 1"),
    ("symptoms: [\n", "is not valid YAML"),
])
def test_a_wrong_local_file_gets_one_message_naming_it(tmp_path, text, message):
    with pytest.raises(InputError, match="taxonomy.yml") as error:
        merged(tmp_path, text)
    assert message in str(error.value)


def test_the_local_file_is_found_beside_the_raw_exports_or_where_sources_yml_says(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    assert local_taxonomy_file(raw) is None
    (raw / "taxonomy.yml").write_text("causes: []\n", encoding="utf-8")
    assert local_taxonomy_file(raw) == raw / "taxonomy.yml"
    (tmp_path / "branch.yml").write_text("causes: []\n", encoding="utf-8")
    (raw / "sources.yml").write_text("taxonomy: ../branch.yml\nsources: []\n", encoding="utf-8")
    assert local_taxonomy_file(raw).resolve() == (tmp_path / "branch.yml").resolve()
    (raw / "sources.yml").write_text("taxonomy: nowhere.yml\nsources: []\n", encoding="utf-8")
    with pytest.raises(InputError, match="sources.yml.*'nowhere.yml' names no file"):
        local_taxonomy_file(raw)


def test_clean_records_the_local_file_and_the_texts_it_coded_otherwise(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dispatches.csv").write_text(
        "ticket_id,customer_name,reported_at,symptom_text,cause_text\n"
        "T1,Acme,2009-01-05,disk shows orange,硬盤損壞\n"
        "T2,Acme,2009-01-06,disk shows orange,卡沒插緊\n"
        "T3,Acme,2009-01-07,硬盤黃燈常亮,硬盤損壞\n", encoding="utf-8")
    before = clean(raw, run_date="2009-12-31", cache_dir=tmp_path / "cache")
    assert before.manifest["taxonomy"]["local"] is None
    assert list(before.tables["dispatches"]["symptom_code"]) == [UNMAPPED, UNMAPPED, "HDD_AMBER"]
    (raw / "taxonomy.yml").write_text("symptoms:\n  - code: HDD_AMBER\n    texts: [disk shows orange]\n"
                                      "causes:\n  - code: LOOSE_SLOT\n    texts: [卡沒插緊]\n", encoding="utf-8")
    after = clean(raw, run_date="2009-12-31", cache_dir=tmp_path / "cache")
    d = after.tables["dispatches"]
    assert list(d["symptom_code"]) == ["HDD_AMBER"] * 3 and list(d["symptom_method"]) == ["rule"] * 3
    assert [list(c) for c in d["cause_codes"]] == [["DISK_PHYSICAL"], ["LOOSE_SLOT"], ["DISK_PHYSICAL"]]
    assert set(after.cache_keys).isdisjoint(before.cache_keys)        # the cached part was cleaned again
    local = after.manifest["taxonomy"]["local"]
    assert local["file"] == str(raw / "taxonomy.yml") and len(local["sha256"]) == 64
    assert local["document"]["causes"] == [{"code": "LOOSE_SLOT", "texts": ["卡沒插緊"]}]
    recoded = local["recoded"]
    assert recoded["symptoms"] == {"texts": 1, "dispatches": 2, "listed": [
        {"text": "disk shows orange", "dispatches": 2, "built_in": UNMAPPED, "local": "HDD_AMBER"}]}
    before_code = ", ".join(BUILT_IN.cause_codes("卡沒插緊"))
    assert recoded["causes"]["listed"] == [
        {"text": "卡沒插緊", "dispatches": 1, "built_in": before_code, "local": "LOOSE_SLOT"}]
    json.dumps(after.manifest)             # the manifest stays JSON


def test_the_suggestions_file_is_a_local_taxonomy_file(tmp_path):
    import pandas as pd

    from pipeline.analyses.taxonomy_suggest import coding_suggestions, suggestions_yaml

    d = pd.DataFrame({"symptom_text": ["disk shows orange", "DISK shows orange!", "天知道", "硬盤黃燈常亮"],
                      "cause_text": [None] * 4})
    coded = [BUILT_IN.code_symptom(t) for t in d["symptom_text"]]
    d["symptom_code"] = [c.codes[0] for c in coded]
    d["symptom_method"] = [c.method for c in coded]
    d["symptom_confidence"] = [c.confidence for c in coded]
    d["cause_codes"] = [[]] * 4
    found = coding_suggestions(d, BUILT_IN)
    # one suggestion for the two writings of one text (the first in order when equally frequent), none
    # for the text a rule coded
    assert list(found["text"]) == ["DISK shows orange!", "天知道"]
    assert list(found["dispatches"]) == [2, 1]
    doc = yaml.safe_load(suggestions_yaml(found, BUILT_IN))
    nearest = found["suggested"].iloc[0]
    assert doc == {"symptoms": [{"code": nearest, "texts": [found["text"].iloc[0]]}]}      # 天知道: a comment


def test_an_edited_local_file_is_read_again_in_the_same_session(tmp_path):
    local = tmp_path / "taxonomy.yml"
    local.write_text("symptoms:\n  - code: HDD_AMBER\n    texts: [disk shows orange]\n", encoding="utf-8")
    assert load_taxonomy(DEFAULT_TAXONOMY, local).symptom_code("disk shows orange") == "HDD_AMBER"
    local.write_text("symptoms:\n  - code: SYSTEM_LED\n    texts: [disk shows orange]\n", encoding="utf-8")
    assert load_taxonomy(DEFAULT_TAXONOMY, local).symptom_code("disk shows orange") == "SYSTEM_LED"


def test_coded_columns_with_the_column_missing_or_empty(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "tickets.csv").write_text("id,customer,opened,symptom\nT1,Acme,2009-01-05,Symptom 491\n"
                                     "T2,Acme,2009-01-06,\n", encoding="utf-8")
    (raw / "sources.yml").write_text(
        "sources:\n  - path: tickets.csv\n    table: dispatches\n"
        "    columns: {ticket_id: id, customer_name: customer, reported_at: opened, symptom_text: symptom}\n"
        "    options: {coded_columns: [symptom_text, cause_text]}\n", encoding="utf-8")
    d = clean(raw, run_date="2009-12-31").tables["dispatches"]
    assert d["symptom_code"].tolist() == ["Symptom 491", None]
    assert d["symptom_method"].tolist() == ["source", None]
    assert [list(c) for c in d["cause_codes"]] == [[], []]          # no cause column: no codes, no error
    (raw / "sources.yml").write_text(
        "sources:\n  - path: tickets.csv\n    table: dispatches\n    columns: {ticket_id: id}\n"
        "    options: {coded_columns: [symptom]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="coded_columns is \\['symptom'\\]; give a list of symptom_text, cause_text"):
        clean(raw, run_date="2009-12-31")
