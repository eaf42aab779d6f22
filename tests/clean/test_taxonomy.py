import pytest

from pipeline.clean.taxonomy import UNMAPPED, load_taxonomy

T = load_taxonomy()


@pytest.mark.parametrize("text, code", [
    ("4個HDD黃燈常亮", "HDD_AMBER"), ("硬盤黃燈常亮", "HDD_AMBER"), ("硬盘黄灯常亮", "HDD_AMBER"),
    ("硬盤在X3400的ctrl+a無法識別到", "DISK_NOT_SEEN"), ("機器開機加電無顯示", "NO_DISPLAY"),
    ("開機無顯", "NO_DISPLAY"),
    ("开机无显", "NO_DISPLAY"), ("RAID卡自檢不過", "RAID_SELFTEST"), ("報DIMM1錯,光通路MEM黃燈亮", "MEM_ERROR"),
    ("開機即藍屏", "BLUE_SCREEN"), ("BOARD報錯", "BOARD_ERROR"), ("無法加電", "POWER_FAIL"), ("網卡不通", "NIC_DOWN"),
])
def test_thesis_symptoms_get_their_codes(text, code):
    assert T.symptom_code(text) == code


def test_two_causes_in_one_cell_give_two_codes_in_written_order():
    assert T.cause_codes("主板,內存皆損壞") == ["MOTHERBOARD", "MEMORY"]
    assert T.cause_codes("内存损坏、主板故障") == ["MEMORY", "MOTHERBOARD"]
    assert T.cause_codes("主板+內存") == ["MOTHERBOARD", "MEMORY"]


def test_a_keyword_inside_a_longer_one_is_not_a_second_cause():
    assert T.cause_codes("硬盤背板損壞") == ["BACKPLANE"]
    assert T.cause_codes("硬盤邏輯掉線") == ["DISK_LOGICAL"]


def test_unmatched_and_empty_texts():
    assert T.symptom_code("客戶說機器怪怪的") == UNMAPPED
    assert T.cause_codes("天知道") == [UNMAPPED]
    assert T.symptom_code("") is None and T.cause_codes("  ") == []


def test_parts_and_labels():
    codes = [T.part_code(p) for p in ("硬盤", "内存", "RAID卡", "背板", "螺絲")]
    assert codes == ["HDD", "DIMM", "RAID", "BP", UNMAPPED]
    assert T.label("symptoms", "NO_DISPLAY", "en") == "No display at power-on"
    assert T.label("symptoms", "NO_DISPLAY", "zh-Hans") == "开机无显示"
    assert T.cause_parts["MOTHERBOARD"] == ["MB"]


def test_each_coded_text_has_a_confidence_and_the_method_that_decided_it():
    rule = T.code_symptom("開機無顯")
    assert (rule.codes, rule.confidence, rule.method) == (("NO_DISPLAY",), 1.0, "rule")
    typo = T.code_causes("memroy bad")         # no rule has the misspelling: similarity decides
    assert typo.codes == ("MEMORY",) and typo.method == "similarity" and T.threshold <= typo.confidence < 1
    unsure = T.code_symptom("客戶說機器怪怪的")            # nothing near: UNMAPPED, with what it is nearest to
    assert unsure.codes == (UNMAPPED,) and unsure.method == "none" and unsure.confidence < T.threshold


def test_text_is_compared_across_scripts_widths_and_vocabularies():
    # Taiwan vocabulary (記憶體, 主機板) and full-width Latin letters reach the same codes
    assert T.cause_codes("記憶體故障") == T.cause_codes("内存故障") == ["MEMORY"]
    assert T.cause_codes("主機板損壞") == ["MOTHERBOARD"]
    assert T.symptom_code("ＨＤＤ黃燈亮") == "HDD_AMBER"


def test_a_latin_keyword_matches_whole_words_only():
    # "nic" is inside "technician", "mb" inside "embedded": neither names a cause there
    assert T.cause_codes("technician replaced the memory") == ["MEMORY"]
    assert T.cause_codes("bad MB") == ["MOTHERBOARD"]


def test_a_keyword_alone_does_not_outvote_the_symptom():
    # the keyword "power" once made this a power failure (issue 17)
    assert T.symptom_code("no display at power-on") == "NO_DISPLAY"
    assert T.symptom_code("nothing on screen after power on") == "NO_DISPLAY"


def test_new_codes_of_the_field_have_labels_and_parts():
    for code in ("VIDEO", "RAID_BATTERY", "OS_DRIVER", "HBA", "CABLE", "NO_FAULT_FOUND"):
        assert T.label("causes", code, "en") != code and T.label("causes", code, "zh-Hant") != code
        assert code in T.cause_parts
    assert T.cause_codes("BBU電池耗盡") == ["RAID_BATTERY"]
    assert T.cause_codes("reseated the DIMM") == ["LOOSE_SLOT"]          # the DIMM was not at fault
    assert T.cause_codes("未發現故障，硬盤正常") == ["NO_FAULT_FOUND"]


def test_the_thesis_table_is_coded_as_the_thesis_means_it():
    from pipeline.sample.thesis import THESIS_ROWS

    for _, symptom, _, _, cause, symptom_code, cause_codes in THESIS_ROWS:
        assert T.symptom_code(symptom) == symptom_code, symptom
        assert T.cause_codes(cause) == cause_codes, cause


def test_a_disk_named_in_one_part_of_a_cell_and_dropped_offline_in_another_is_one_logical_fault():
    # "HDD" alone names the part (a noun): a code that says what happened to it, anywhere in the cell, wins
    assert T.cause_codes("HDD kicked from RAID, re-added") == ["DISK_LOGICAL"]
    assert T.cause_codes("HDD掉了，重新rebuild") == ["DISK_LOGICAL"]
    assert T.cause_codes("HDD, reseated") == ["LOOSE_SLOT"]
    # a disk named with its fault, or beside another part, stays a cause of its own
    assert T.cause_codes("HDD physically damaged; also backplane failed") == ["DISK_PHYSICAL", "BACKPLANE"]
    assert T.cause_codes("硬碟損壞，同時更換背板") == ["DISK_PHYSICAL", "BACKPLANE"]
    assert T.cause_codes("disk dropped, rebuilt; replaced MB") == ["DISK_LOGICAL", "MOTHERBOARD"]
    assert T.cause_codes("硬盤") == ["DISK_PHYSICAL"]


def test_a_part_named_alone_gives_way_to_what_the_text_says_happened_to_it():
    # no rule knows "脱离阵列" (left the array); by similarity it is an offline disk, which absorbs the
    # damaged-disk code the noun alone gave
    coded = T.code_causes("硬盘脱离阵列")
    assert (coded.codes, coded.method) == (("DISK_LOGICAL",), "similarity")
    # a part named with nothing else, or with its fault, stays what the rules say
    assert T.code_causes("更換硬盤").codes == ("DISK_PHYSICAL",) and T.code_causes("硬盤").method == "rule"
