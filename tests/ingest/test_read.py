"""Reading: compressed CSVs, absolute paths in sources.yml, null tokens, truncation and formula
warnings, event-log folding — each on a small file the test writes."""

import bz2
import gzip
import lzma
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline.clean import clean
from pipeline.errors import InputError
from pipeline.ingest.read import TRUNCATION_LIMITS, data_suffix

SALES = ("Order No,Line,Order Date,Customer,Qty,Unit Price\n"
         "S1,1,2009-01-08,甲,2,£1,200.50\n"
         "C2,1,2009-01-09,甲,1,10\n"
         "S3,1,2009-01-10,,1,10\n")


def test_data_suffix():
    assert data_suffix("a/orders.csv.xz") == (".csv", ".xz")
    assert data_suffix("orders.zip") == (".csv", ".zip")
    assert data_suffix("orders.xlsx") == (".xlsx", None)


@pytest.mark.parametrize("suffix,pack", [(".csv.xz", lzma.compress), (".csv.gz", gzip.compress),
                                         (".csv.bz2", bz2.compress), (".zip", None)])
def test_compressed_csv_is_read_transparently(tmp_path, suffix, pack):
    path = tmp_path / f"sales{suffix}"
    data = SALES.replace("£1,200.50", '"£1,200.50"').encode("utf-8")
    if pack is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("sales.csv", data)
    else:
        path.write_bytes(pack(data))
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert (f["path"], f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (f"sales{suffix}", 3, 2, 1)
    assert f["rejected_by_reason"] == {"missing_customer": 1}
    s = result.tables["sales"].set_index("order_id")
    assert s.loc["S1", "amount"] == 2401.0
    # no order-id prefix marks a return unless sources.yml declares it (C2 is an ordinary order here)
    assert not s["is_return"].any()


def test_a_return_is_a_negative_line_or_a_declared_prefix_never_a_default_one(tmp_path):
    # Superstore's orders are "CA-2016-…": a default "C" prefix would make most of them returns
    (tmp_path / "sales.csv").write_text("Order ID,Order Date,Customer,Qty,Unit Price\nCA-1,2016-01-08,甲,2,10\n"
                         "RX-2,2016-01-09,乙,-1,10\nR-3,2016-01-10,丙,1,10\n", encoding="utf-8")
    s = clean(tmp_path, run_date="2026-11-29").tables["sales"].set_index("order_id")["is_return"]
    assert s.to_dict() == {"CA-1": False, "RX-2": True, "R-3": False}
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {path: sales.csv, table: sales, options: {return_prefixes: [R]}}\n", encoding="utf-8")
    s = clean(tmp_path, run_date="2026-11-29").tables["sales"].set_index("order_id")["is_return"]
    assert s.to_dict() == {"CA-1": False, "RX-2": True, "R-3": True}


def test_zip_with_two_files_is_a_clear_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "sales.zip", "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    with pytest.raises(InputError, match="exactly one file"):
        clean(tmp_path)


def test_sources_yml_absolute_path_and_options(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "export.csv").write_text("Inv,When,Who,Qty,Price\nX1,2009-01-08,甲,1,5\nR9,2009-01-09,甲,1,5\n"
                                        "X2,2009-01-10,N/A,1,5\nX3,2009-01-11,NA,1,-\n", encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.yml").write_text(f"""
sources:
  - path: "{outside / 'export.csv'}"
    table: sales
    columns: {{order_id: Inv, order_date: When, customer_name: Who, quantity: Qty, unit_price: Price}}
    options: {{currency: USD, return_prefixes: [R], null_tokens: {{customer_name: ["N/A"], unit_price: ["-"]}}}}
""", encoding="utf-8")
    result = clean(raw, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert f["path"] == "export.csv" and (f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (4, 2, 2)
    assert f["rejected_by_reason"] == {"missing_amount": 1, "missing_customer": 1}
    s = result.tables["sales"].set_index("order_id")
    assert bool(s.loc["R9", "is_return"]) and not bool(s.loc["X1", "is_return"])
    assert set(s["currency"]) == {"USD"}
    assert set(s["customer_name"]) == {"甲"}
    rejects = result.rejects.set_index("source_row")
    assert rejects.loc[4, "reason_code"] == "missing_customer"       # "N/A" is this column's null token
    assert rejects.loc[5, "reason_code"] == "missing_amount"         # "-" is the price's null token; NA is a name


def test_default_null_tokens_keep_a_customer_called_na(tmp_path):
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer,Amount\nS1,2009-01-08,NA,5\n"
                                        "S2,2009-01-08,NULL,5\nS3,2009-01-08,甲,#N/A\n", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    assert result.tables["sales"]["customer_name"].tolist() == ["NA"]
    assert result.manifest["files"][0]["rejected_by_reason"] == {"missing_amount": 1, "missing_customer": 1}


def test_missing_sources_yml_absolute_path_is_an_error(tmp_path):
    (tmp_path / "sources.yml").write_text('sources:\n  - {path: "/nonexistent/x.csv", table: sales}\n')
    with pytest.raises(InputError, match="matches no file"):
        clean(tmp_path)


def test_file_ending_at_a_spreadsheet_row_limit_is_reported(tmp_path):
    assert TRUNCATION_LIMITS == (65_536, 1_048_576)
    rows = [f"S{i},2009-01-08,甲,1" for i in range(1, 65_536)]      # header + 65,535 rows = 65,536
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer,Amount\n" + "\n".join(rows) + "\n")
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert f["rows_read"] == 65_535 and [(w["code"], w["rows"]) for w in f["warnings"]] == [("truncated", 65_536)]
    assert "65,536" in f["warnings"][0]["message"]
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer,Amount\n" + "\n".join(rows[:-1]) + "\n")
    assert clean(tmp_path, run_date="2026-11-29").manifest["files"][0]["warnings"] == []


def test_formula_cell_without_cached_value_is_reported(tmp_path):
    wb = openpyxl.Workbook()   # openpyxl writes formulas without cached values, as some exporters do
    ws = wb.active
    ws.append(["Order No", "Order Date", "Customer", "Qty", "Unit Price", "Amount"])
    ws.append(["S1", "2009-01-08", "甲", 2, 10, 20])
    ws.append(["S2", "2009-01-08", "甲", 2, 10, "=D3*E3"])
    wb.save(tmp_path / "sales.xlsx")
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    assert [(w["code"], w["cells"], w["examples"]) for w in f["warnings"]] == [("formula_without_value", 1, "F3")]
    assert "1 formula cell" in f["warnings"][0]["message"]
    # the row itself is still typed from quantity × price
    assert result.tables["sales"].set_index("order_id").loc["S2", "amount"] == 20.0


EVENTS = """Case ID,Activity,Resource,Complete Timestamp,customer,service_level
T1,Insert ticket,A,2009/01/08 10:00:00.000,甲,7*24*4
T1,Take in charge ticket,B,2009/01/08 11:00:00.000,甲,7*24*4
T1,Take in charge ticket,C,2009/01/08 12:00:00.000,甲,7x24x4
T1,Closed,C,2009/01/09 09:00:00.000,甲,7x24x4
T2,Take in charge ticket,A,2009/01/10 11:00:00.000,乙,5*9
T2,Insert ticket,A,2009/01/10 10:00:00.000,乙,5*9
T2,Wait,A,not a date,乙,5*9
T3,Take in charge ticket,A,2009/01/11 11:00:00.000,丙,5*9
"""


def test_event_log_folds_into_one_dispatch_per_ticket(tmp_path):
    (tmp_path / "helpdesk_events.csv").write_text(EVENTS, encoding="utf-8")
    (tmp_path / "sources.yml").write_text("""
sources:
  - path: helpdesk_events.csv
    table: dispatches
    columns: {customer_name: customer, service_level: service_level}
    options:
      event_log: {case: Case ID, activity: Activity, timestamp: Complete Timestamp, resource: Resource,
                  reported: [Insert ticket], arrived: [Take in charge ticket], closed: [Closed]}
""", encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    f = result.manifest["files"][0]
    # 8 events: T1 and T2 kept, T3 has no "Insert ticket" (missing_date), one event's time is unreadable
    assert f["events_read"] == 8
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (4, 2, 2, 0)
    assert f["rejected_by_reason"] == {"bad_date": 1, "missing_date": 1}
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d.loc["T1", ["reported_at", "arrived_at", "closed_at"]].tolist() == [
        pd.Timestamp("2009-01-08 10:00"), pd.Timestamp("2009-01-08 11:00"), pd.Timestamp("2009-01-09 09:00")]
    assert (d.loc["T1", "events"], d.loc["T1", "reassignments"]) == (4, 2)          # A → B → C
    assert d.loc["T1", "service_level"] == "7x24x4" and d.loc["T2", "service_level"] == "5x9"
    assert d.loc["T2", "reported_at"] == pd.Timestamp("2009-01-10 10:00")   # by time, not by row order
    assert (d.loc["T2", "events"], d.loc["T2", "reassignments"]) == (2, 0)
    assert pd.isna(d.loc["T2", "closed_at"])
    assert d.loc["T1", "source_row"] == 2 and d.loc["T2", "source_row"] == 6
    rejects = result.rejects.set_index("source_row")
    assert rejects.loc[8, "reason_code"] == "bad_date" and rejects.loc[9, "reason_code"] == "missing_date"


def test_declared_service_levels_map_an_export_s_own_codes(tmp_path):
    (tmp_path / "dispatches.csv").write_text("Ticket,Reported,Customer,SLA\nT1,2009-01-08,甲,Value 2\n"
                                             "T2,2009-01-09,甲,Value 9\nT3,2009-01-10,甲,5*9\n", encoding="utf-8")
    (tmp_path / "sources.yml").write_text(
        'sources:\n  - {path: dispatches.csv, table: dispatches, options: {service_levels: {"Value 2": "7*24*4"}}}\n',
        encoding="utf-8")
    d = clean(tmp_path, run_date="2026-11-29").tables["dispatches"].set_index("ticket_id")
    assert d["service_level"].tolist() == ["7x24x4", "Value 9", "5x9"]        # unmapped: kept as written
    assert d["service_level_text"].tolist() == ["Value 2", "Value 9", "5*9"]      # as written, kept


@pytest.mark.parametrize("options,expected,reasons", [
    ("{}", [], {"ambiguous_date": 2}),
    ("{date_order: DMY}", ["2009-01-08 10:30", "2009-02-03 00:00"], {}),
    ("{date_order: MDY}", ["2009-03-02 00:00", "2009-08-01 10:30"], {}),   # sorted by date
    ('{date_format: "%d/%m/%Y %H:%M"}', ["2009-01-08 10:30"], {"bad_date": 1}),
])
def test_declared_date_order_and_format(tmp_path, options, expected, reasons):
    (tmp_path / "orders.csv").write_text("Order No,Order Date,Customer,Amount\nS1,08/01/2009 10:30,甲,1\n"
                                         "S2,03/02/2009,甲,1\n", encoding="utf-8")
    (tmp_path / "sources.yml").write_text(f"sources:\n  - {{path: orders.csv, table: sales, options: {options}}}\n",
                                          encoding="utf-8")
    result = clean(tmp_path, run_date="2026-11-29")
    assert result.tables["sales"]["order_date"].tolist() == [pd.Timestamp(e) for e in expected]
    assert result.manifest["files"][0]["rejected_by_reason"] == reasons


def test_roc_years_only_when_declared(tmp_path):
    (tmp_path / "orders.csv").write_text("Order No,Order Date,Customer,Amount\nS1,98/01/08,甲,1\n", encoding="utf-8")
    assert clean(tmp_path, run_date="2026-11-29").manifest["files"][0]["rejected_by_reason"] == {"bad_date": 1}
    (tmp_path / "sources.yml").write_text(
        "sources:\n  - {path: orders.csv, table: sales, options: {roc_years: true}}\n")
    assert clean(tmp_path, run_date="2026-11-29").tables["sales"]["order_date"].tolist() == [pd.Timestamp("2009-01-08")]
