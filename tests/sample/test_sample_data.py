"""The sample-data generator: deterministic files, the formats of the contract, planted truths."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime

import openpyxl
import pytest

from pipeline.sample import DEFAULT_SEED, SALES_HEADERS, sla_deadline, write_sample

N = 60
EXPECTED_FILES = {
    "dispatches_2007_2008.csv", "dispatches_2009.csv", "sales_2007_2009.xlsx", "customers.csv",
    "contracts.csv", "dispatches_thesis_table_4_1.csv", "truth.json",
}
LEVELS = {"5*9": "5x9", "5x9": "5x9", "7*24*8": "7x24x8", "7x24x8": "7x24x8", "7*24*4": "7x24x4",
          "7×24×4": "7x24x4", "7x24x4": "7x24x4"}
DATE_FORMATS = ("%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M", "%Y年%m月%d日 %H:%M", "%Y-%m-%d %H:%M:%S")


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _rows(path, encoding):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


def _parse(text):
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            pass
    return None


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_a")
    truth = write_sample(out, customers=N)
    return out, truth


def test_same_seed_gives_identical_bytes(sample, tmp_path):
    out, _ = sample
    write_sample(tmp_path / "again", customers=N)
    assert _digests(out) == _digests(tmp_path / "again")


def test_different_seed_gives_different_files(sample, tmp_path):
    out, _ = sample
    write_sample(tmp_path / "other", seed=7, customers=N)
    a, b = _digests(out), _digests(tmp_path / "other")
    for name in EXPECTED_FILES - {"dispatches_thesis_table_4_1.csv"}:
        assert a[name] != b[name], name


def test_file_set(sample):
    out, _ = sample
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES


def test_encodings_and_headers(sample):
    out, _ = sample
    raw = (out / "dispatches_2009.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    raw.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        (out / "contracts.csv").read_bytes().decode("utf-8")
    assert (out / "dispatches_2007_2008.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (out / "customers.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    assert _rows(out / "dispatches_2007_2008.csv", "utf-8-sig")[0] == [
        "派單號", "報修時間", "到場時間", "完成時間", "客戶名稱", "服務級別", "機型", "序列號", "故障現象", "故障原因",
        "CAG預判原因", "寄送備件", "使用備件", "上門次數", "工程師", "分公司"]
    assert _rows(out / "dispatches_2009.csv", "gb18030")[0] == [
        "派单号", "报修时间", "到场时间", "完成时间", "客户名称", "服务级别", "机型", "序列号", "故障现象", "故障原因",
        "CAG预判原因", "寄送备件", "使用备件", "上门次数", "工程师", "分公司"]
    assert _rows(out / "customers.csv", "utf-8")[0] == [
        "Customer ID", "Customer Name", "Aliases", "Industry", "Tier", "Region"]
    assert _rows(out / "contracts.csv", "gb18030")[0] == [
        "合同编号", "客户名称", "开始日期", "结束日期", "服务级别", "年费", "是否续保"]
    thesis = _rows(out / "dispatches_thesis_table_4_1.csv", "utf-8")
    assert thesis[0] == ["派單號", "報修日期", "故障現象", "機型", "客戶名稱", "故障原因"]
    assert [r[0] for r in thesis[1:]] == [f"T4-1-{i:02d}" for i in range(1, 11)]
    assert thesis[1][1:] == ["2009.01.08", "4個HDD黃燈常亮", "7979Q7C", "中國電子口岸數據中心", "RAID卡故障"]
    assert thesis[8][5] == "主板,內存皆損壞"


def test_xlsx_layout(sample):
    out, truth = sample
    wb = openpyxl.load_workbook(out / "sales_2007_2009.xlsx")
    ws = wb["Sales"]
    assert ws["A1"].value == "Sales export 2007-2009"
    assert all(c.value is None for c in ws[2])
    assert [c.value for c in ws[3]] == SALES_HEADERS
    first = ws["C4"]
    assert first.is_date and first.data_type == "d" and "yy" in first.number_format
    last = list(ws.iter_rows(min_row=ws.max_row, values_only=True))[0]
    assert last[0] == "合計" and isinstance(last[11], float)
    bad = 0
    for row in ws.iter_rows(min_row=4, max_row=ws.max_row - 1, values_only=True):
        if row[8] == "two":
            bad += 1
            continue
        assert row[11] == round(row[8] * row[9] * (1 - row[10]), 2)
        assert 0.0 <= row[10] <= 0.4 and row[12] == "CNY" and row[13] in ("direct", "partner", "trade-in")
        assert (row[8] < 0) == row[0].startswith("R")
    assert bad == 1
    assert truth["quirks"]["sales_2007_2009.xlsx"]["rows_read"] == ws.max_row - 3


def test_truth_keys_and_probabilities(sample):
    _, truth = sample
    for key in ("params", "quirks", "customers", "contracts", "dispatch_truth", "renewal", "cause_given_symptom",
                "cause_parts", "symptom_variants", "cause_variants", "cag_accuracy", "cross_sell", "win_back",
                "engineers", "branch", "machines"):
        assert key in truth, key
    params = truth["params"]
    assert params["customers"] == N and params["seed"] == DEFAULT_SEED
    assert set(params["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(params["gamma_gamma"]) == {"p", "q", "gamma"}
    assert params["time_unit"] == "week"
    assert truth["renewal"]["per"] == "breached dispatch during the contract term"
    for symptom, dist in truth["cause_given_symptom"].items():
        assert 3 <= len(dist) <= 6
        assert abs(sum(dist.values()) - 1.0) < 1e-9, symptom
        assert set(dist) <= set(truth["cause_parts"])
    assert len(truth["customers"]) == N
    for c in truth["customers"].values():
        assert c["name"] in c["variants"]
        assert c["value_type"] in {"laggard", "calculating", "nostalgic", "practical", "value_seeking", "status",
                                   "avant_garde", "far_sighted", "perfectionist"}
        assert c["tier"] in ("VIP", "Large", "SMB")
    # the truth file is the returned dict
    on_disk = json.loads((sample[0] / "truth.json").read_text(encoding="utf-8"))
    assert on_disk["summary"] == truth["summary"]


def test_breach_rate_and_breach_flags(sample):
    out, truth = sample
    dt = truth["dispatch_truth"]
    rate = sum(t["breached"] for t in dt.values()) / len(dt)
    assert 0.05 <= rate <= 0.25
    # the flags follow from the written timestamps and the SLA rules
    checked = 0
    for name, enc in (("dispatches_2007_2008.csv", "utf-8-sig"), ("dispatches_2009.csv", "gb18030")):
        for row in _rows(out / name, enc)[1:]:
            if len(row) < 16 or not row[4]:
                continue
            reported, arrived = _parse(row[1]), _parse(row[2])
            if reported is None:
                continue
            assert (arrived > sla_deadline(reported, LEVELS[row[5]])) == dt[row[0]]["breached"]
            checked += 1
    assert checked > 0.9 * len(dt)


def test_sla_deadline_rules():
    # Friday evening call on 5x9: received Monday 09:00, due Tuesday 18:00
    assert sla_deadline(datetime(2008, 1, 11, 19, 0), "5x9") == datetime(2008, 1, 15, 18, 0)
    assert sla_deadline(datetime(2008, 1, 8, 14, 30), "5x9") == datetime(2008, 1, 9, 18, 0)
    assert sla_deadline(datetime(2008, 1, 12, 3, 0), "7x24x4") == datetime(2008, 1, 12, 7, 0)
    assert sla_deadline(datetime(2008, 1, 12, 3, 0), "7x24x8") == datetime(2008, 1, 12, 11, 0)


def test_quirks_match_files(sample):
    out, truth = sample
    quirks = truth["quirks"]
    for name, enc, reasons in (
            ("dispatches_2007_2008.csv", "utf-8-sig",
             {"bad_date", "missing_customer", "closed_before_reported", "malformed_row"}),
            ("dispatches_2009.csv", "gb18030", {"bad_date", "missing_customer", "closed_before_reported"}),
            ("contracts.csv", "gb18030", set())):
        rows = _rows(out / name, enc)
        q = quirks[name]
        assert q["rows_read"] == len(rows) - 1
        seen, dups = set(), 0
        for row in rows[1:]:
            dups += tuple(row) in seen
            seen.add(tuple(row))
        assert dups == q["exact_duplicates"] == (1 if name == "contracts.csv" else 3)
        assert {r["reason"] for r in q["rejects"]} == reasons
        for rej in q["rejects"]:
            row = rows[rej["row"] - 1]
            if rej["reason"] == "bad_date":
                assert _parse(row[1]) is None
            elif rej["reason"] == "missing_customer":
                assert row[4] == ""
            elif rej["reason"] == "closed_before_reported":
                assert _parse(row[3]) < _parse(row[1])
            elif rej["reason"] == "malformed_row":
                assert len(row) < 16
    ws = openpyxl.load_workbook(out / "sales_2007_2009.xlsx")["Sales"]
    q = quirks["sales_2007_2009.xlsx"]
    values = [tuple(r) for r in ws.iter_rows(min_row=4, values_only=True)]
    assert len(values) - len(set(values)) == q["exact_duplicates"] == 2
    by_reason = {r["reason"]: r["row"] for r in q["rejects"]}
    assert ws.cell(row=by_reason["bad_number"], column=9).value == "two"
    assert ws.cell(row=by_reason["total_row"], column=1).value == "合計"


def test_names_and_scripts(sample):
    out, truth = sample
    dt = truth["dispatch_truth"]
    names_2009 = {r[4] for r in _rows(out / "dispatches_2009.csv", "gb18030")[1:] if len(r) > 4}
    for t in dt.values():
        if t["source_file"] == "dispatches_2009.csv" and t["reject_reason"] != "missing_customer":
            assert t["customer_name_written"] in names_2009
            assert t["customer_name_written"] in truth["customers"][t["customer_id"]]["variants"]
    aliased = [c for c in truth["customers"].values() if c["alias"]]
    assert aliased and any(c["alias_listed"] for c in aliased) and any(not c["alias_listed"] for c in aliased)
    listed = {r[0]: r[2] for r in _rows(out / "customers.csv", "utf-8")[1:]}
    for cid, c in truth["customers"].items():
        assert listed[cid] == (c["alias"] if c["alias_listed"] else "")


def test_no_breach_effect_is_planted_as_zero(tmp_path):
    truth = write_sample(tmp_path, customers=20, sla_breach_effect=0.0)
    assert truth["renewal"]["sla_breach_effect"] == 0.0
    assert truth["params"]["sla_breach_effect"] == 0.0
    for k in truth["contracts"].values():
        if k["end"] > truth["params"]["end"]:
            assert k["renewed"] is None
