import json

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.clean import clean
from pipeline.errors import InputError
from pipeline.processed import load_processed, write_processed
from tests.conftest import write_csv

HEADER_HANT = "派單號,報修時間,到場時間,完成時間,客戶名稱,服務級別,機型,故障現象,故障原因,上門次數\n"
ROWS = [
    "D1,2009.01.08 10:00,2009.01.08 13:00,2009.01.08 18:00,中國銀行杭州分行,5*9,7979Q7C,硬盤黃燈常亮,硬盤損壞,1",
    "D2,2009/1/9 11:00,2009/1/9 12:00,2009/1/10 12:00,東方紅網吧,7x24x4,8840CFG,開機無顯,\"主板,內存皆損壞\",2",
]


def _dispatch_file(tmp_path, name="dispatches.csv", rows=ROWS, encoding="utf-8", header=HEADER_HANT):
    return write_csv(tmp_path / name, header + "\n".join(rows) + "\n", encoding)


def test_typed_values_codes_and_row_numbers(tmp_path):
    _dispatch_file(tmp_path)
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d.loc["D1", "reported_at"] == pd.Timestamp("2009-01-08 10:00")
    assert d.loc["D2", "closed_at"] == pd.Timestamp("2009-01-10 12:00")
    assert d.loc["D1", "service_level"] == "5x9" and d.loc["D2", "service_level"] == "7x24x4"
    assert (d.loc["D1", "machine_type"], d.loc["D1", "machine_model"]) == ("7979", "Q7C")
    assert d.loc["D2", "cause_codes"] == ["MOTHERBOARD", "MEMORY"]
    assert d.loc["D2", "symptom_code"] == "NO_DISPLAY"
    assert bool(d.loc["D1", "first_time_fix"]) and not bool(d.loc["D2", "first_time_fix"])
    assert d["source_row"].tolist() == [2, 3]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030", "big5"])
def test_encodings_are_detected(tmp_path, encoding):
    header, rows = HEADER_HANT, ROWS
    if encoding == "gb18030":   # mainland files are written in Simplified
        from pipeline.runtime.text import to_simplified
        header, rows = to_simplified(header), [to_simplified(r) for r in rows]
    if encoding == "utf-16":    # Excel's "Unicode text" is tab-separated
        header, rows = header.replace(",", "\t"), [r.replace(",", "\t").replace('"主板\t內存皆損壞"', "主板,內存皆損壞")
                                                    for r in rows]
    _dispatch_file(tmp_path, rows=rows, header=header, encoding=encoding)
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert len(d) == 2
    assert d.loc["D1", "symptom_code"] == "HDD_AMBER"
    assert d.loc["D2", "cause_codes"] == ["MOTHERBOARD", "MEMORY"]
    assert result.manifest["files"][0]["encoding"] in {encoding, "utf-8-sig" if encoding == "utf-8-sig" else encoding}


def test_every_row_is_accounted_for(tmp_path):
    rows = ROWS + [
        ROWS[0],                                                              # exact duplicate
        "D3,2008.13.45 10:00,,,中國銀行杭州分行,5*9,7979Q7C,藍屏,主板故障,1",           # bad date
        "D4,2009.01.08 10:00,,2009.01.07 10:00,東方紅網吧,5*9,7979Q7C,藍屏,主板故障,1",  # closed before reported
        "D5,2009.01.08 10:00,,,,5*9,7979Q7C,藍屏,主板故障,1",                          # no customer
        "D6,2009.01.08 10:00,,",                                              # short record
        "D7,2009.01.08 10:00,,,甲,5*9,7979Q7C,藍屏,主板故障,two",                       # bad number
    ]
    _dispatch_file(tmp_path, rows=rows)
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (8, 2, 5, 1)
    assert f["rejected_by_reason"] == {"bad_date": 1, "bad_number": 1, "closed_before_reported": 1,
                                       "malformed_row": 1, "missing_customer": 1}
    rejects = result.rejects.set_index("source_row")
    assert rejects.loc[5, "reason_code"] == "bad_date"
    assert "reported_at" in rejects.loc[5, "reason"] and "2008.13.45" in rejects.loc[5, "reason"]
    assert json.loads(rejects.loc[5, "raw"])["報修時間"] == "2008.13.45 10:00"
    assert rejects.loc[8, "reason_code"] == "malformed_row"


def test_same_ticket_in_several_rows_is_read_as_its_successive_states(tmp_path):
    rows = ["D1,2009.01.08 10:00,,,甲,5*9,7979Q7C,藍屏,,1",
            "D1,2009.01.08 10:00,2009.01.08 12:00,2009.01.08 15:00,甲,5*9,7979Q7C,藍屏,主板故障,1",
            "D1,2009-01-08 10:00,2009-01-08 12:00,2009-01-08 15:00,甲,5x9,7979Q7C,藍屏,主板故障,1",
            "D2,2009.01.09 10:00,,,乙,5*9,7979Q7C,藍屏,,1"]
    _dispatch_file(tmp_path, rows=rows)
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert list(d.index) == ["D1", "D2"] and d.loc["D1", "closed_at"] == pd.Timestamp("2009-01-08 15:00")
    assert d.loc["D1", "cause_codes"] == ["MOTHERBOARD"] and d.loc["D1", "source_row"] == 4   # the latest state
    assert list(d["updates"]) == [3, 1]
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"], f["states_folded"]) == (4, 2, 0, 0, 2)
    assert [w["code"] for w in f["warnings"]] == ["state_log_detected"]
    assert f["warnings"][0]["records"] == 1


def test_a_state_log_keeps_the_latest_state_by_update_time_and_the_first_report_time(tmp_path):
    write_csv(tmp_path / "incidents.csv",
              "number,state,opened_at,resolved_at,caller,sys_updated_at\n"
              "INC1,New,2016-03-01 09:00,,Caller 1,2016-03-01 09:05\n"
              "INC2,New,2016-03-02 09:00,,Caller 2,2016-03-02 09:01\n"
              "INC1,Closed,2016-03-01 09:30,2016-03-02 10:00,Caller 1,2016-03-03 08:00\n"   # opened_at moved
              "INC1,Active,2016-03-01 09:00,,Caller 1,2016-03-01 12:00\n")                 # written late
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - path: incidents.csv\n    table: dispatches\n"
        "    columns: {ticket_id: number, reported_at: opened_at, closed_at: resolved_at, customer_name: caller}\n"
        "    options: {state_log: {updated: sys_updated_at}}\n", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d.loc["INC1", "closed_at"] == pd.Timestamp("2016-03-02 10:00")          # the Closed state, by update time
    assert d.loc["INC1", "reported_at"] == pd.Timestamp("2016-03-01 09:00")        # the first report time
    assert d.loc["INC1", "updated_at"] == pd.Timestamp("2016-03-03 08:00")
    assert (d.loc["INC1", "updates"], d.loc["INC2", "updates"]) == (3, 1)
    f = result.manifest["files"][0]
    assert (f["rows_kept"], f["states_folded"], f["warnings"]) == (2, 2, [])      # declared: no warning


def test_a_key_declared_unique_rejects_conflicting_versions(tmp_path):
    rows = ["D1,2009.01.08 10:00,,,甲,5*9,7979Q7C,藍屏,,1",
            "D1,2009.01.08 10:00,2009.01.08 12:00,2009.01.08 15:00,甲,5*9,7979Q7C,藍屏,主板故障,1",
            "D1,2009-01-08 10:00,2009-01-08 12:00,2009-01-08 15:00,甲,5x9,7979Q7C,藍屏,主板故障,1",
            "D2,2009.01.09 10:00,,,乙,5*9,7979Q7C,藍屏,,1",
            "D2,2009.01.09 10:00,,,乙,5*9,7979Q7C,藍屏,主板故障,1"]
    _dispatch_file(tmp_path, rows=rows)
    (tmp_path / "sources.yml").write_text("sources:\n  - path: dispatches.csv\n    table: dispatches\n"
                                          "    options: {repeated_keys: reject}\n", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    d = result.tables["dispatches"]
    assert len(d) == 1 and d.iloc[0]["closed_at"] == pd.Timestamp("2009-01-08 15:00") and "updates" not in d
    f = result.manifest["files"][0]
    assert f["duplicates"] == 1 and f["rejected_by_reason"] == {"conflicting_duplicate": 2, "superseded": 1}
    assert "states_folded" not in f


def test_missing_required_column_is_one_clear_error(tmp_path):
    write_csv(tmp_path / "dispatches.csv", "派單號,客戶名稱\nD1,甲\n")
    with pytest.raises(InputError) as err:
        clean(tmp_path)
    message = str(err.value)
    assert "dispatches.csv" in message and "reported_at" in message and "'客戶名稱'" in message


def test_unknown_table_empty_and_header_only_files(tmp_path):
    write_csv(tmp_path / "stuff.csv", "a,b\n1,2\n")
    with pytest.raises(InputError, match="cannot tell which table"):
        clean(tmp_path)
    (tmp_path / "stuff.csv").unlink()
    write_csv(tmp_path / "sales.csv", "")
    with pytest.raises(InputError, match="is empty"):
        clean(tmp_path)
    write_csv(tmp_path / "sales.csv", "Order No,Order Date,Customer,Amount\n")
    with pytest.raises(InputError, match="no data rows"):
        clean(tmp_path)


def test_excel_header_below_a_title_and_real_dates(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Sales export 2009"])
    ws.append([])
    ws.append(["Order No", "Order Date", "Customer No", "Customer", "Qty", "Unit Price", "Amount"])
    import datetime as dt
    ws.append(["S1", dt.datetime(2009, 1, 8), "C1", "甲", 2, 100.0, 200.0])
    ws.append(["R1", dt.datetime(2009, 1, 9), "C1", "甲", -1, 100.0, -100.0])
    ws.append(["合計", None, None, None, None, None, 100.0])
    wb.save(tmp_path / "sales.xlsx")
    result = clean(tmp_path, run_date="2026-11-29")
    s = result.tables["sales"].set_index("order_id")
    assert s.loc["S1", "order_date"] == pd.Timestamp("2009-01-08")
    assert s.loc["S1", "source_row"] == 4
    assert bool(s.loc["R1", "is_return"]) and not bool(s.loc["S1", "is_return"])
    assert result.manifest["files"][0]["rejected_by_reason"] == {"total_row": 1}


def test_text_stays_text(tmp_path):
    write_csv(tmp_path / "customers.csv", "Customer ID,Customer Name,Tier\n007,NA,VIP\n")
    result = clean(tmp_path)
    c = result.tables["customers"]
    assert c.iloc[0][["customer_id", "customer_name", "tier"]].tolist() == ["007", "NA", "VIP"]


def test_written_tables_round_trip_and_replace_atomically(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "processed"
    raw.mkdir()
    _dispatch_file(raw)
    write_processed(clean(raw, run_date="2026-11-29"), out)
    data = load_processed(out)
    assert data["dispatches"]["cause_codes"].tolist() == [["DISK_PHYSICAL"], ["MOTHERBOARD", "MEMORY"]]
    first = (out / "dispatches.parquet").read_bytes()
    write_processed(clean(raw, run_date="2026-11-29"), out)
    assert (out / "dispatches.parquet").read_bytes() == first           # same inputs, same bytes
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_raw_files_are_not_modified(tmp_path):
    path = _dispatch_file(tmp_path)
    before = path.read_bytes()
    clean(tmp_path)
    assert path.read_bytes() == before


def test_machine_type_maps_to_product_line(tmp_path):
    _dispatch_file(tmp_path)
    d = clean(tmp_path, run_date="2026-11-29").tables["dispatches"].set_index("ticket_id")
    assert d.loc["D1", ["product_series", "product_line"]].tolist() == ["x", "x3650"]     # 7979
    assert d.loc["D2", ["product_series", "product_line"]].tolist() == ["x", "x346"]      # 8840
    assert d.loc["D1", "service_level_text"] == "5*9"                                     # as written


def test_schema_failures_are_collected_into_one_error():
    from pipeline.clean.validate import validate_tables, validation_failures
    from pipeline.errors import PipelineError

    dispatches = pd.DataFrame({
        "ticket_id": ["D1", "D1", ""], "customer_id": ["C1", "C1", "C1"],
        "reported_at": pd.to_datetime(["2009-01-08", "2009-01-08", "2009-01-08"]),
        "arrived_at": pd.to_datetime([None, None, None]),
        "closed_at": pd.to_datetime(["2009-01-09", "2009-01-07", None]),
        # a level outside the vocabulary is kept as written, but never a built-in one in another case
        "service_level": ["5x9", "7X24X4", None], "machine_type": ["7979", "79", None],
        "machine_model": ["Q7C", None, None], "cause_codes": [[], [], []], "visits": [1, -1, None],
        "source_file": ["d.csv"] * 3, "source_row": [2, 3, 4]})
    lines = validation_failures({"dispatches": dispatches})
    text = "\n".join(lines)
    for expected in ("dispatches.ticket_id", "service_level", "machine_type", "visits", "closed_at >= reported_at"):
        assert expected in text, (expected, text)
    assert "d.csv row 3" in text
    with pytest.raises(PipelineError) as err:
        validate_tables({"dispatches": dispatches})
    assert str(err.value).count("\n") == len(lines) >= 5
    # the cleaner validates its text while it is still categorical: the same failures are found
    as_categories = dispatches.astype({"ticket_id": "category", "customer_id": "category", "source_file": "category",
                                       "machine_type": "category", "machine_model": "category"})
    as_categories.loc[1, "customer_id"] = None
    text = "\n".join(validation_failures({"dispatches": as_categories}))
    assert "dispatches.ticket_id: non-empty text fails for 1 row(s)" in text
    assert "dispatches.machine_type: text of 4 characters fails for 1 row(s)" in text
    assert "machine_model" not in text                 # "Q7C" has three; the missing ones are allowed
    assert "dispatches.ticket_id" in text and "unique" in text.lower()
    assert "dispatches.customer_id" not in text        # a ticket may have no customer (IT service desks)


def test_text_checks_give_the_same_verdict_for_every_form_of_a_column():
    from pipeline.clean.validate import has_length, nonempty_text

    plain = pd.Series(["7979", "", None, "79", "7979"])
    for form in (plain, plain.astype("category"), pd.Series(["7979", "", None, ["79"], "7979"]), plain.astype(object)):
        assert nonempty_text(form).tolist() == [True, False, False, form.iloc[3] == "79", True]
        assert has_length(form, 4).tolist() == [True, False, False, False, True]


def test_unchanged_files_are_not_parsed_again(tmp_path, monkeypatch):
    import pipeline.clean.tasks as clean_module

    raw, out = tmp_path / "raw", tmp_path / "processed"
    raw.mkdir()
    _dispatch_file(raw, name="dispatches_2009_01.csv")
    reads = []
    real_read = clean_module.read_raw

    def counting(path, *args, **kwargs):
        reads.append(path.name)
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(clean_module, "read_raw", counting)
    first = clean(raw, run_date="2026-11-29", cache_dir=out / ".cache")
    write_processed(first, out)
    assert reads == ["dispatches_2009_01.csv"] and len(list((out / ".cache").glob("*.parquet"))) == 2
    again = clean(raw, run_date="2026-11-29", cache_dir=out / ".cache")
    assert reads == ["dispatches_2009_01.csv"]                                  # not parsed again
    pd.testing.assert_frame_equal(again.tables["dispatches"], first.tables["dispatches"])
    assert again.manifest["files"] == first.manifest["files"]
    write_processed(again, out)
    _dispatch_file(raw, name="dispatches_2009_02.csv",
                   rows=[r.replace("D1", "D3").replace("D2", "D4") for r in ROWS])
    third = clean(raw, run_date="2026-11-29", cache_dir=out / ".cache")
    assert reads == ["dispatches_2009_01.csv", "dispatches_2009_02.csv"]        # only the new file
    assert sorted(third.tables["dispatches"]["ticket_id"]) == ["D1", "D2", "D3", "D4"]
    write_processed(third, out)
    assert len(list((out / ".cache").glob("*.json"))) == 2
    # a changed file, or a changed option, is cleaned again
    _dispatch_file(raw, name="dispatches_2009_01.csv", rows=ROWS[:1])
    fourth = clean(raw, run_date="2026-11-29", cache_dir=out / ".cache")
    assert reads[-1] == "dispatches_2009_01.csv" and len(reads) == 3
    assert sorted(fourth.tables["dispatches"]["ticket_id"]) == ["D1", "D3", "D4"]


def test_a_large_file_is_cleaned_in_its_own_process_with_the_same_result(tmp_path, monkeypatch):
    # ISOLATE_BYTES = 0 and Arrow declining every file: each goes through the child-process path
    # that large files only the slow readers can read take
    import pipeline.clean.tasks as clean_module
    from pipeline.sample import write_sample

    raw = tmp_path / "raw"
    write_sample(raw, customers=40, seed=5)
    here = clean(raw, run_date="2026-11-29")
    spawned = []
    real = clean_module.read_and_clean_isolated

    def counting(job, **kwargs):
        spawned.append(job[0].name)
        return real(job, **kwargs)

    monkeypatch.setattr(clean_module, "ISOLATE_BYTES", 0)
    monkeypatch.setattr(clean_module, "read_and_clean_isolated", counting)
    monkeypatch.setattr("pipeline.ingest.fastcsv.read_csv_arrow", lambda *a, **k: None)   # as if Arrow declined all
    isolated = clean(raw, run_date="2026-11-29")
    assert sorted(spawned) == sorted(f["path"] for f in here.manifest["files"]) and len(spawned) >= 5
    for name, table in here.tables.items():
        pd.testing.assert_frame_equal(isolated.tables[name], table)
    pd.testing.assert_frame_equal(isolated.rejects, here.rejects)
    assert isolated.manifest["files"] == here.manifest["files"]


def test_large_files_are_read_one_ahead_on_a_thread_with_the_same_result(tmp_path, monkeypatch):
    import threading

    import pipeline.clean.tasks as clean_module
    from pipeline.sample import write_sample

    raw = tmp_path / "raw"
    write_sample(raw, customers=40, seed=5)
    for path in list(raw.glob("*.xlsx")):     # CSV only: every file is one the fast reader takes
        path.unlink()
    here = clean(raw, run_date="2026-11-29")
    readers = []
    real = clean_module.read_raw

    def recording(path, *args, **kwargs):
        readers.append((path.name, threading.current_thread().name))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(clean_module, "ISOLATE_BYTES", 0)           # every file is "large"
    monkeypatch.setattr(clean_module, "read_raw", recording)
    ahead = clean(raw, run_date="2026-11-29")
    names = sorted(f["path"] for f in here.manifest["files"])
    assert sorted(name for name, _ in readers) == names and len(names) >= 4      # each file read once
    on_thread = [name for name, thread in readers if thread.startswith("aftercare-read-ahead")]
    assert len(on_thread) == len(names) - 1                # all but the first were read ahead
    for name, table in here.tables.items():
        pd.testing.assert_frame_equal(ahead.tables[name], table)
    pd.testing.assert_frame_equal(ahead.rejects, here.rejects)
    assert ahead.manifest["files"] == here.manifest["files"]

    # a file read ahead that fails raises its own error, naming it, when its turn comes
    write_csv(raw / "zz_dispatches.csv", "派單號,客戶名稱\nD1,甲\n")
    with pytest.raises(InputError) as err:
        clean(raw, run_date="2026-11-29")
    assert err.value.file.endswith("zz_dispatches.csv") and "required column 'reported_at'" in str(err.value)


def test_cache_parts_are_written_on_a_thread_and_a_failed_write_fails_the_run(tmp_path, monkeypatch):
    import threading

    import pipeline.clean.run as clean_module

    (tmp_path / "raw").mkdir()
    _dispatch_file(tmp_path / "raw", name="dispatches_1.csv")
    _dispatch_file(tmp_path / "raw", name="dispatches_2.csv", rows=[r.replace("D", "E", 1) for r in ROWS])
    real = clean_module.write_part
    threads = []

    def recording(folder, key, entry):
        threads.append(threading.current_thread().name)
        return real(folder, key, entry)

    monkeypatch.setattr(clean_module, "write_part", recording)
    first = clean(tmp_path / "raw", run_date="2026-11-29", cache_dir=tmp_path / "cache")
    assert len(threads) == 2 and all(t.startswith("aftercare-cache-write") for t in threads)
    assert len(list((tmp_path / "cache").glob("*.json"))) == 2
    again = clean(tmp_path / "raw", run_date="2026-11-29", cache_dir=tmp_path / "cache")
    assert len(threads) == 2                                        # both parts read from the cache
    pd.testing.assert_frame_equal(again.tables["dispatches"], first.tables["dispatches"])

    def failing(folder, key, entry):
        raise OSError("No space left on device")

    monkeypatch.setattr(clean_module, "write_part", failing)
    with pytest.raises(OSError, match="No space left"):
        clean(tmp_path / "raw", run_date="2026-11-29", cache_dir=tmp_path / "other_cache")


def test_an_error_in_the_cleaning_process_names_file_and_column(tmp_path, monkeypatch):
    import pipeline.clean.tasks as clean_module

    monkeypatch.setattr(clean_module, "ISOLATE_BYTES", 0)
    monkeypatch.setattr("pipeline.ingest.fastcsv.read_csv_arrow", lambda *a, **k: None)
    write_csv(tmp_path / "dispatches.csv", "派單號,客戶名稱\nD1,甲\n")
    with pytest.raises(InputError) as err:
        clean(tmp_path)
    assert err.value.file and err.value.file.endswith("dispatches.csv")
    assert "reported_at" in str(err.value) and "'客戶名稱'" in str(err.value)


SALES_HEADER = "Order No,Line,Order Date,Customer,Qty,Unit Price\n"


def _two_sales_files(tmp_path):
    write_csv(tmp_path / "sales_a.csv", SALES_HEADER + "S1,1,2009-01-08,甲,2,10\n"
                                                       "S1,2,2009-01-08,甲,1,10\n"
                                                       "S2,1,2009-01-09,乙,1,10\n")
    write_csv(tmp_path / "sales_b.csv", SALES_HEADER + "S1,1,2009-01-08,甲,2,10\n"       # exact copy of a's row 2
                                                       # same key and content, written otherwise
                                                       "Ｓ1,2,2009/1/8,甲,1,10.00\n"
                                                       "S2,1,2009-01-09,乙,5,10\n"       # same key, other content
                                                       "S3,1,2009-01-09,乙,1,10\n")


def test_sales_lines_declared_unique_across_files_by_order_and_line(tmp_path):
    _two_sales_files(tmp_path)
    (tmp_path / "sources.yml").write_text("sources:\n  - path: sales_*.csv\n    table: sales\n"
                                          "    options: {repeated_keys: reject}\n", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    files = {f["path"]: f for f in result.manifest["files"]}
    assert (files["sales_a.csv"]["duplicates"], files["sales_b.csv"]["duplicates"]) == (0, 2)
    assert files["sales_a.csv"]["rejected_by_reason"] == {"conflicting_duplicate": 1}
    assert files["sales_b.csv"]["rejected_by_reason"] == {"conflicting_duplicate": 1}
    s = result.tables["sales"]
    assert list(zip(s["order_id"], s["line_no"], s["source_file"], s["source_row"])) == [
        ("S1", "1", "sales_a.csv", 2), ("S1", "2", "sales_a.csv", 3), ("S3", "1", "sales_b.csv", 5)]


def test_sales_line_exported_again_with_other_content_is_its_later_state(tmp_path):
    _two_sales_files(tmp_path)
    result = clean(tmp_path, run_date="2026-11-29")
    files = {f["path"]: f for f in result.manifest["files"]}
    # the exact copy is a duplicate; S1/2 written otherwise and S2/1 with 5 units are later states (file b)
    assert (files["sales_b.csv"]["duplicates"], files["sales_a.csv"].get("states_folded")) == (1, 2)
    assert files["sales_a.csv"]["rejected_by_reason"] == files["sales_b.csv"]["rejected_by_reason"] == {}
    s = result.tables["sales"]
    assert list(zip(s["order_id"], s["line_no"], s["quantity"], s["source_file"], s["updates"])) == [
        ("S1", "1", 2.0, "sales_a.csv", 1), ("S1", "2", 1.0, "sales_b.csv", 2), ("S2", "1", 5.0, "sales_b.csv", 2),
        ("S3", "1", 1.0, "sales_b.csv", 1)]


def test_lines_without_line_numbers_are_compared_only_as_exact_copies(tmp_path):
    # one file numbers its lines, the other (like UCI Online Retail) does not: its lines share the
    # invoice id and are never taken for versions of each other or of the numbered lines
    write_csv(tmp_path / "sales_a.csv", SALES_HEADER + "S1,1,2009-01-08,甲,2,10\nS1,2,2009-01-08,甲,1,10\n")
    write_csv(tmp_path / "sales_b.csv", "Order No,Order Date,Customer,Qty,Unit Price\n"
                                        "S1,2009-01-08,甲,2,10\nS1,2009-01-08,甲,3,10\nS1,2009-01-08,甲,3,10\n")
    result = clean(tmp_path, run_date="2026-11-29")
    files = {f["path"]: f for f in result.manifest["files"]}
    assert [(f["rows_kept"], f["duplicates"], f["rows_rejected"]) for f in files.values()] == [(2, 0, 0), (2, 1, 0)]
    assert "updates" not in result.tables["sales"]


def test_deduplication_compares_keys_not_just_their_hashes():
    from pipeline.clean.dedupe import deduplicate

    rows = pd.DataFrame({"ticket_id": ["D1", "D2", "D1"], "closed_at": pd.to_datetime(["2009-01-01"] * 3),
                         "visits": [1, 1, 2], "source_file": "d.csv", "source_row": [2, 3, 4],
                         "_raw_hash": np.array([1, 2, 3], dtype=np.uint64),
                         "_key_hash": np.array([7, 7, 7], dtype=np.uint64)})   # D1 and D2 collide
    kept, counts, rejects, folded = deduplicate("dispatches", rows, unique_files={"d.csv"})
    assert list(kept["ticket_id"]) == ["D2"] and counts == {} and folded == {}
    assert list(zip(rejects["source_row"], rejects["reason_code"])) == [(2, "conflicting_duplicate"),
                                                                         (4, "conflicting_duplicate")]


@pytest.mark.parametrize("partitioned", [False, True])
def test_a_table_is_written_in_chunks_and_reads_back_whole(tmp_path, monkeypatch, partitioned):
    import pipeline.processed as processed_module

    monkeypatch.setattr(processed_module, "WRITE_CHUNK_ROWS", 3)
    table = pd.DataFrame({"ticket_id": [f"D{i}" for i in range(8)],
                          "serial": [None] * 4 + ["S1", "S2", None, "S3"],        # missing in the first chunk
                          "cause_codes": [[], ["MB"], [], [], ["HDD", "RAID"], [], ["MEM"], []],
                          "visits": pd.array([1, None, 2, 1, 1, 3, None, 1], dtype="Int64"),
                          "reported_at": pd.date_range("2009-01-01", periods=8, freq="D")})
    processed_module.write_table(table, tmp_path / "t.parquet", partitioned=partitioned, partition_rows=3)
    back = pd.read_parquet(tmp_path / "t.parquet")
    back["cause_codes"] = back["cause_codes"].map(list)
    pd.testing.assert_frame_equal(back, table)
    if partitioned:
        assert sorted(p.name for p in (tmp_path / "t.parquet").iterdir()) == [
            "part.00000.parquet", "part.00001.parquet", "part.00002.parquet"]


@pytest.mark.parametrize("partitioned", [False, True])
def test_written_types_are_those_pyarrow_infers_from_every_row(tmp_path, monkeypatch, partitioned):
    # the writer infers each column's type from one telling value (a list with items, a number);
    # a later value of another kind sends it back to pyarrow's inference over every row
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    import pipeline.processed as processed_module

    monkeypatch.setattr(processed_module, "WRITE_CHUNK_ROWS", 3)
    table = pd.DataFrame({"parts": [[]] * 5 + [["P1"]] + [[]] * 2,       # no item before row 6
                          "fee": [1, 2, 3, 4, 5, 6, 7, 8.5],              # ints, then a float
                          "none": [None] * 8,
                          "text": ["a"] * 7 + [None]})
    table["fee"] = table["fee"].astype(object)
    processed_module.write_table(table, tmp_path / "t.parquet", partitioned=partitioned, partition_rows=3)
    written = ds.dataset(tmp_path / "t.parquet").to_table()
    pq.write_table(pa.Table.from_pandas(table, preserve_index=False), tmp_path / "expected.parquet")
    expected = pq.read_table(tmp_path / "expected.parquet")
    assert written.schema.equals(expected.schema) and written.equals(expected)
    assert [str(written.schema.field(c).type) for c in table] == ["list<element: string>", "double", "null", "string"]


def test_text_of_files_with_the_same_values_in_another_order_survives_combining(tmp_path):
    # Each file's text columns are categoricals whose categories come in order of first appearance.
    # Two files with the same values in another order once came out with each other's values
    # (pandas deems such categorical types equal and kept the second file's codes as they were).
    header = "Order No,Line,Order Date,Customer,Product Code,Channel,Qty,Unit Price\n"
    write_csv(tmp_path / "sales_a.csv", header + "S1,1,2009-01-08,甲,P1,direct,1,10\n"
                                                 "S2,1,2009-01-09,乙,P2,partner,1,10\n"
                                                 "S3,1,2009-01-10,丙,P3,trade-in,1,10\n")
    write_csv(tmp_path / "sales_b.csv", header + "S4,1,2009-01-11,丙,P3,trade-in,1,10\n"
                                                 "S5,1,2009-01-12,乙,P2,partner,1,10\n"
                                                 "S6,1,2009-01-13,甲,P1,direct,1,10\n")
    write_csv(tmp_path / "sales_c.csv", header + "S7,1,2009-01-14,乙,P2,partner,1,10\n"   # a subset, reordered
                                                 "S8,1,2009-01-15,甲,P1,direct,1,10\n")
    s = clean(tmp_path, run_date="2026-11-29").tables["sales"]
    assert list(zip(s["order_id"], s["customer_name"], s["product_id"], s["channel"])) == [
        ("S1", "甲", "P1", "direct"), ("S2", "乙", "P2", "partner"), ("S3", "丙", "P3", "trade-in"),
        ("S4", "丙", "P3", "trade-in"), ("S5", "乙", "P2", "partner"), ("S6", "甲", "P1", "direct"),
        ("S7", "乙", "P2", "partner"), ("S8", "甲", "P1", "direct")]


def test_combining_parts_keeps_every_value_whichever_way_the_categories_are_united():
    from pipeline.clean.combine import combine_parts

    def parts():
        a = pd.DataFrame({"source_file": pd.Categorical(["a.csv"] * 3), "t": pd.Categorical(["x", "y", None]),
                          "n": pd.Categorical([1, 2, 1]), "v": [1.0, 2.0, 3.0]})
        b = pd.DataFrame({"source_file": pd.Categorical(["b.csv"] * 2),
                          "t": pd.Categorical(["y", "x"], categories=["y", "x"]),
                          "n": pd.Categorical([2, 1], categories=[2, 1]), "v": [4.0, 5.0]})
        return a, b
    expected = {"source_file": ["a.csv"] * 3 + ["b.csv"] * 2, "t": ["x", "y", None, "y", "x"],
                "n": [1, 2, 1, 2, 1], "v": [1.0, 2.0, 3.0, 4.0, 5.0]}
    same = combine_parts(list(parts()))                       # parts with the same columns: column by column
    a, b = parts()
    other = combine_parts([a, b.drop(columns="v")])           # parts with other columns: pandas concat
    for combined in (same, other):
        got = {c: [None if pd.isna(v) else v for v in combined[c]] for c in combined.columns}
        want = {c: v if c != "v" or combined is same else [1.0, 2.0, 3.0, None, None] for c, v in expected.items()}
        assert got == want
        assert all(isinstance(combined[c].dtype, pd.CategoricalDtype) for c in ("source_file", "t", "n"))


def test_identical_lines_are_kept_where_the_export_declares_them_separate_events(tmp_path):
    text = "Order No,Order Date,Customer,Qty,Unit Price\n" + "S1,2009-01-08,甲,2,10\n" * 2 + "S2,2009-01-09,乙,1,10\n"
    write_csv(tmp_path / "sales_a.csv", text)
    dropped = clean(tmp_path, run_date="2026-11-29").manifest["files"][0]
    assert (dropped["rows_kept"], dropped["duplicates"]) == (2, 1)
    (tmp_path / "sources.yml").write_text("sources:\n  - path: sales_a.csv\n    table: sales\n"
                                          "    options: {exact_copies: keep}\n", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert (f["rows_kept"], f["duplicates"], f.get("states_folded", 0)) == (3, 0, 0)
    assert result.tables["sales"]["amount"].sum() == 50



@pytest.mark.parametrize(("option", "message"), [("repeated_keys: sometimes", "use states or reject"),
                                                 ("max_loss: ten", "from 0 to 1"),
                                                 ("exact_copies: maybe", "use drop or keep"),
                                                 ("missing_customer: drop", "use reject or keep"),
                                                 ("state_log: {}", "needs the update-time column"),
                                                 ("state_log: {updated: t}, repeated_keys: reject", "contradict")])
def test_a_wrong_state_or_loss_option_is_one_clear_error(tmp_path, option, message):
    write_csv(tmp_path / "sales_a.csv", SALES_HEADER + "S1,1,2009-01-08,甲,2,10\n")
    (tmp_path / "sources.yml").write_text(f"sources:\n  - path: sales_a.csv\n    table: sales\n"
                                          f"    options: {{{option}}}\n", encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        clean(tmp_path, run_date="2026-11-29")
    assert err.value.file and err.value.file.endswith("sources.yml") and "entry 1" in str(err.value)
