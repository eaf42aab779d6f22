"""Thesis table 4-1: the ten dispatches printed in the thesis, written as printed there
(``dispatches_thesis_table_4_1.csv``), with the codes they stand for."""

from __future__ import annotations

from pathlib import Path

from pipeline.sample.config import FILE_THESIS, THESIS_HEADERS
from pipeline.sample.files import write_csv

# (reported on, symptom, machine type and model, customer, cause) as printed; symptom code, cause codes
THESIS_ROWS = [
    ("2009.01.08", "4個HDD黃燈常亮", "7979Q7C", "中國電子口岸數據中心", "RAID卡故障", "HDD_AMBER", ["RAID_CARD"]),
    ("2008.10.08", "硬盤在X3400的ctrl+a無法識別到", "888798X", "杭州維榮科技信息有限公司", "硬盤物理損壞",
     "DISK_NOT_SEEN", ["DISK_PHYSICAL"]),
    ("2008.10.28", "機器開機加電無顯示", "6623ISN", "杭州市中國重汽集團", "內存報廢", "NO_DISPLAY", ["MEMORY"]),
    ("2008.12.24", "開機無顯", "8840CFG", "省地稅局", "主板故障", "NO_DISPLAY", ["MOTHERBOARD"]),
    ("2009.02.12", "RAID卡自檢不過", "7979R01", "東方紅網吧", "插槽松動", "RAID_SELFTEST", ["LOOSE_SLOT"]),
    ("2008.07.16", "開機無顯", "7974Q3F", "中國銀行", "主板故障", "NO_DISPLAY", ["MOTHERBOARD"]),
    ("2008.10.12", "報DIMM1錯,光通路MEM黃燈亮", "7979A11", "中萃", "內存損壞", "MEM_ERROR", ["MEMORY"]),
    ("2009.02.17", "開機即藍屏", "867512D", "愛知工程有限公司", "主板,內存皆損壞", "BLUE_SCREEN",
     ["MOTHERBOARD", "MEMORY"]),
    ("2009.03.18", "BOARD報錯", "7979F3A", "浙江農信", "PCI板故障", "BOARD_ERROR", ["PCI_BOARD"]),
    ("2008.09.19", "硬盤黃燈常亮", "867071X", "日本三井住友銀行", "硬盤邏輯掉線", "HDD_AMBER", ["DISK_LOGICAL"]),
]


def write_thesis_table(out: Path, custs: list[dict], written: dict[str, set[str]]) -> tuple[dict, list[dict]]:
    """Write the thesis table into ``out`` (UTF-8); returns ``(quirk record, truth rows)``.

    Adds each thesis customer's name as printed to ``written`` (customer id -> the names it is written as)."""
    anchor_ids = {c["thesis_name"]: c["customer_id"] for c in custs if c.get("thesis_name")}
    trows, thesis_truth = [], []
    for j, (d, sym, tm, cname, cause, scode, ccodes) in enumerate(THESIS_ROWS, start=1):
        tid = f"T4-1-{j:02d}"
        trows.append([tid, d, sym, tm, cname, cause])
        cid = anchor_ids.get(cname)
        if cid:
            written[cid].add(cname)
        thesis_truth.append({"ticket_id": tid, "customer_id": cid, "customer_name_written": cname,
                             "symptom_code": scode, "cause_codes": ccodes, "machine_type_model": tm,
                             "reported_on": d.replace(".", "-")})
    write_csv(out / FILE_THESIS, THESIS_HEADERS, trows, "utf-8")
    return {"exact_duplicates": 0, "rejects": [], "rows_read": len(trows)}, thesis_truth
