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
