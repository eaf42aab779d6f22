"""The bad-input catalogue: each case is a small file the test writes, and each gets either a clean
result with the row rejected and its reason, or one clear error naming file, row and column.

Nothing here may surface as a traceback through the command line (see test_cli_never_shows_a_traceback).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from pipeline.clean import clean
from pipeline.errors import InputError

HEADER = "派單號,報修時間,完成時間,客戶名稱,服務級別,故障現象,故障原因\n"
GOOD = "D1,2009.01.08 10:00,2009.01.08 15:00,中國銀行杭州分行,5*9,硬盤黃燈常亮,硬盤損壞\n"
RUN_DATE = "2026-11-29"


def write(folder: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def rejected(tmp_path, name, text, **kw):
    write(tmp_path, name, text, **kw)
    result = clean(tmp_path, run_date=RUN_DATE)
    f = result.manifest["files"][0]
    assert f["rows_read"] == f["rows_kept"] + f["rows_rejected"] + f["duplicates"]
    return result, f


def test_wrong_declared_encoding_is_a_clear_error(tmp_path):
    write(tmp_path, "dispatches.csv", HEADER + GOOD, encoding="gb18030")
    write(tmp_path, "sources.yml", 'sources:\n  - path: "dispatches.csv"\n    table: dispatches\n'
                                   "    options: {encoding: utf-8}\n")
    with pytest.raises(InputError, match=r"dispatches.csv.*declared encoding 'utf-8'"):
        clean(tmp_path)


def test_gbk_is_not_misread_as_big5(tmp_path):
    from pipeline.runtime.text import to_simplified
    write(tmp_path, "dispatches.csv", to_simplified(HEADER + GOOD), encoding="gbk")
    result = clean(tmp_path, run_date=RUN_DATE)
    d = result.tables["dispatches"]
    assert d.iloc[0]["symptom_code"] == "HDD_AMBER"
    assert d.iloc[0]["customer_name"] == "中国银行杭州分行"


def test_truncated_file_rejects_the_cut_record(tmp_path):
    cut = (HEADER + GOOD + GOOD.replace("D1", "D2"))[:-25]
    result, f = rejected(tmp_path, "dispatches.csv", cut)
    assert f["rows_kept"] == 1 and f["rejected_by_reason"] == {"malformed_row": 1}
    assert result.rejects.iloc[0]["source_row"] == 3


def test_binary_file_with_a_csv_name(tmp_path):
    write(tmp_path, "dispatches.csv", bytes(range(256)) * 8)
    with pytest.raises(InputError, match="dispatches.csv.*binary"):
        clean(tmp_path)


def test_empty_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.save(tmp_path / "sales.xlsx")
    with pytest.raises(InputError, match="sales.xlsx.*empty"):
        clean(tmp_path)


def test_duplicated_header_names_that_claim_one_column(tmp_path):
    write(tmp_path, "dispatches.csv", "派單號,報修時間,報修時間,客戶名稱\nD1,2009.01.08,2009.01.09,甲\n")
    with pytest.raises(InputError, match=r"dispatches.csv.*appears twice.*'reported_at'"):
        clean(tmp_path)


def test_required_column_missing_names_file_columns_and_closest_alias(tmp_path):
    write(tmp_path, "sales.csv", "Order No,Order Dte,Customer,Amount\nS1,2009-01-01,甲,5\n")
    with pytest.raises(InputError) as err:
        clean(tmp_path)
    text = str(err.value)
    assert "sales.csv" in text and "order_date" in text and "'Order Dte'" in text and "closest" in text


def test_mixed_types_in_a_numeric_column(tmp_path):
    text = "Order No,Order Date,Customer,Qty,Unit Price\nS1,2009-01-01,甲,2,10\nS2,2009-01-02,甲,two,10\n"
    result, f = rejected(tmp_path, "sales.csv", text)
    assert f["rejected_by_reason"] == {"bad_number": 1}
    reject = result.rejects.iloc[0]
    assert reject["source_row"] == 3 and "quantity" in reject["reason"] and "'two'" in reject["reason"]


def test_dates_in_the_future_or_before_1990(tmp_path):
    text = HEADER + GOOD + GOOD.replace("D1,2009", "D2,2031") + GOOD.replace("D1,2009", "D3,1985")
    result, f = rejected(tmp_path, "dispatches.csv", text)
    assert f["rejected_by_reason"] == {"future_date": 1, "implausible_date": 1}


def test_a_ticket_closed_before_it_opened(tmp_path):
    text = HEADER + "D9,2009.01.08 10:00,2009.01.07 15:00,甲,5*9,藍屏,主板故障\n"
    result, f = rejected(tmp_path, "dispatches.csv", text)
    assert f["rejected_by_reason"] == {"closed_before_reported": 1}
    assert "closed_at" in result.rejects.iloc[0]["reason"]


def test_negative_quantities_are_returns_not_rejects(tmp_path):
    text = "Order No,Order Date,Customer,Qty,Unit Price\nS1,2009-01-01,甲,-2,10\n"
    result, f = rejected(tmp_path, "sales.csv", text)
    assert f["rows_kept"] == 1 and bool(result.tables["sales"].iloc[0]["is_return"])


def test_file_names_with_shell_syntax_and_spaces_are_just_names(tmp_path):
    write(tmp_path, "$(touch PWNED)dispatches.csv", HEADER + GOOD)
    write(tmp_path, "2024年 工单 dispatches.csv", HEADER + GOOD.replace("D1", "D2"))
    result = clean(tmp_path, run_date=RUN_DATE)
    assert len(result.tables["dispatches"]) == 2
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_cli_never_shows_a_traceback(tmp_path):
    write(tmp_path, "dispatches.csv", bytes(range(256)) * 8)
    proc = subprocess.run([sys.executable, "-m", "pipeline", "clean", "--raw", str(tmp_path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")
    assert "dispatches.csv" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "pipeline", "--debug", "clean", "--raw", str(tmp_path), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert "Traceback" in proc.stderr


def test_a_2_gb_file_is_refused_up_front_not_read_into_memory(tmp_path):
    """A 2 GiB export (written lazily: a sparse file after a real header) gets one clear message
    before any of it is read, instead of exhausting memory."""
    import resource
    import time

    path = write(tmp_path, "sales.csv", "Order No,Order Date,Customer,Amount\nS1,2009-01-01,甲,5\n")
    with open(path, "r+b") as fh:
        fh.truncate(2 * 1024 ** 3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"sales.csv.*2\.0 GiB"):
        clean(tmp_path)
    assert time.perf_counter() - started < 10
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 500 * 1024          # far less than the file: it was never read whole
