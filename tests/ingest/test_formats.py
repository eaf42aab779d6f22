"""Formats a real user has (issue 16, point 7), each on a small file the test writes: ISO-8601 offsets
and options.time_zone, a .zip with macOS junk, whitespace-separated columns and header: false, a
sales export without order ids, a header row below other rows, tickets without a customer column,
one file feeding two tables, one column feeding two canonical columns, and an error's suggestion.

Each is read with every raw row accounted for, or gives one error naming file, row and column and
saying what to write in sources.yml.
"""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from pipeline.clean import clean
from pipeline.errors import InputError

RUN_DATE = "2026-11-29"


def run(folder, sources: str | None = None):
    if sources is not None:
        (folder / "sources.yml").write_text(sources, encoding="utf-8")
    result = clean(folder, run_date=RUN_DATE)
    for f in result.manifest["files"]:
        assert f["rows_read"] == f["rows_kept"] + f["rows_rejected"] + f["duplicates"] + f.get("states_folded", 0)
    return result


def codes(entry) -> list[str]:
    return [w["code"] for w in entry["warnings"]]


# --- 1. ISO-8601 timestamps with an offset; options.time_zone ------------------------------------------

EVENTS = ("SR Number,Change Date+Time,Status,Resource\n"
          "1-1,2010-03-31T16:59:42+01:00,Accepted,fr-Anne\n"      # winter offset, written in summer (as BPIC)
          "1-1,2010-04-06T15:44:51+02:00,Completed,fr-Anne\n"
          "1-2,2010-12-31T23:30:00+01:00,Queued,se-Bo\n"
          "1-2,2011-01-01T00:30:00Z,Completed,se-Bo\n")
EVENT_LOG = """\
sources:
  - path: vinst.csv
    table: dispatches
    options:
      event_log: {{case: SR Number, activity: Status, timestamp: Change Date+Time, resource: Resource,
                  closed: [Completed]}}
{extra}"""


@pytest.mark.parametrize("extra,reported,closed", [
    ("", ["2010-03-31 16:59:42", "2010-12-31 23:30:00"], ["2010-04-06 15:44:51", "2011-01-01 00:30:00"]),
    ("      time_zone: UTC\n", ["2010-03-31 15:59:42", "2010-12-31 22:30:00"],
     ["2010-04-06 13:44:51", "2011-01-01 00:30:00"]),
    ("      time_zone: Europe/Brussels\n", ["2010-03-31 17:59:42", "2010-12-31 23:30:00"],
     ["2010-04-06 15:44:51", "2011-01-01 01:30:00"]),
    # an explicit format with %z crashed with "internal error: TypeError"; mixed offsets included
    ('      date_format: "%Y-%m-%dT%H:%M:%S%z"\n', ["2010-03-31 16:59:42", "2010-12-31 23:30:00"],
     ["2010-04-06 15:44:51", "2011-01-01 00:30:00"]),
    ('      date_format: "%Y-%m-%dT%H:%M:%S%z"\n      time_zone: UTC\n', ["2010-03-31 15:59:42", "2010-12-31 22:30:00"],
     ["2010-04-06 13:44:51", "2011-01-01 00:30:00"]),
])
def test_iso_offsets_in_an_event_log_are_read_and_converted(tmp_path, extra, reported, closed):
    (tmp_path / "vinst.csv").write_text(EVENTS, encoding="utf-8")
    result = run(tmp_path, EVENT_LOG.format(extra=extra))
    d = result.tables["dispatches"].set_index("ticket_id")
    assert str(d["reported_at"].dtype) == "datetime64[ns]"            # naive, whatever the offsets
    assert d["reported_at"].astype(str).tolist() == reported
    assert d["closed_at"].astype(str).tolist() == closed
    f = result.manifest["files"][0]
    assert (f["events_read"], f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (4, 2, 2, 0)


def test_iso_offsets_in_a_plain_export_and_naive_values_beside_them(tmp_path):
    (tmp_path / "dispatches.csv").write_text(
        "Ticket No,Report Date,Customer\nT1,2016-03-01T09:00:00+08:00,甲\nT2,2016-03-01 09:00,乙\n"
        "T3,2016-07-01T09:00:00-0500,丙\n", encoding="utf-8")
    plain = run(tmp_path).tables["dispatches"].set_index("ticket_id")["reported_at"].astype(str)
    assert plain.to_dict() == {"T1": "2016-03-01 09:00:00", "T2": "2016-03-01 09:00:00", "T3": "2016-07-01 09:00:00"}
    converted = run(tmp_path, "sources:\n  - {path: dispatches.csv, table: dispatches, options: {time_zone: "
                              "Asia/Shanghai}}\n").tables["dispatches"].set_index("ticket_id")["reported_at"]
    # T2 has no offset: taken as written in the declared zone
    assert converted.astype(str).to_dict() == {"T1": "2016-03-01 09:00:00", "T2": "2016-03-01 09:00:00",
                                               "T3": "2016-07-01 22:00:00"}


def test_an_unknown_time_zone_is_one_clear_error(tmp_path):
    (tmp_path / "vinst.csv").write_text(EVENTS, encoding="utf-8")
    with pytest.raises(InputError, match=r"sources.yml: entry 1: options.time_zone is 'Europe/Nowhere'.*IANA.*"
                                         r"Europe/Brussels"):
        run(tmp_path, EVENT_LOG.format(extra="      time_zone: Europe/Nowhere\n"))


def test_an_event_log_whose_timestamps_cannot_be_read_names_row_column_and_the_option(tmp_path):
    (tmp_path / "vinst.csv").write_text("SR Number,When,Status\n1-1,31st of March,Accepted\n1-1,1st of April,Done\n",
                                        encoding="utf-8")
    sources = ("sources:\n  - path: vinst.csv\n    table: dispatches\n    options:\n"
               "      event_log: {case: SR Number, activity: Status, timestamp: When}\n")
    with pytest.raises(InputError) as caught:
        run(tmp_path, sources)
    e = caught.value
    assert (e.file.endswith("vinst.csv"), e.row, e.column) == (True, 2, "When")
    assert "'31st of March'" in e.detail and "date_format" in e.detail


# --- 2. a .zip holding one data file among macOS junk --------------------------------------------------

def _zip(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)


def test_a_zip_with_one_data_file_among_junk_is_read(tmp_path):
    _zip(tmp_path / "export.zip", {"VolvoIT/VINST-new.csv": EVENTS, "__MACOSX/VolvoIT/._VINST-new.csv": "\x00\x05",
                                   "VolvoIT/Volvo IT_2021.idp": "<idp/>", "VolvoIT/.DS_Store": "x",
                                   "__MACOSX/VolvoIT/._Volvo IT_2021.idp": "\x00"})
    result = run(tmp_path, EVENT_LOG.format(extra="").replace("vinst.csv", "export.zip"))
    f = result.manifest["files"][0]
    assert (f["path"], f["events_read"], f["rows_kept"]) == ("export.zip", 4, 2)


def test_a_zip_with_two_data_files_lists_them_and_zip_member_picks_one(tmp_path):
    _zip(tmp_path / "export.zip", {"a/VINST-new.csv": EVENTS, "a/VINST-old.csv": EVENTS, "__MACOSX/a/._x.csv": "x"})
    with pytest.raises(InputError) as caught:
        run(tmp_path, EVENT_LOG.format(extra="").replace("vinst.csv", "export.zip"))
    message = str(caught.value)
    assert "export.zip" in message and "exactly one file" in message
    assert "a/VINST-new.csv, a/VINST-old.csv" in message and "__MACOSX" in message   # (said to be ignored)
    assert "Unzip it" in message and 'zip_member: "a/VINST-new.csv"' in message
    result = run(tmp_path, EVENT_LOG.format(extra="      zip_member: VINST-old.csv\n").replace("vinst.csv",
                                                                                               "export.zip"))
    assert result.manifest["files"][0]["events_read"] == 4
    with pytest.raises(InputError, match=r"export.zip: options.zip_member is 'nope.csv', which is not in this "
                                         r"\.zip; it holds: a/VINST-new.csv, a/VINST-old.csv"):
        run(tmp_path, EVENT_LOG.format(extra="      zip_member: nope.csv\n").replace("vinst.csv", "export.zip"))


def test_a_zip_holding_a_workbook_is_read(tmp_path):
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Order No", "Order Date", "Customer", "Amount"])
    ws.append(["S1", "2009-01-08", "甲", 5])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(tmp_path / "sales.zip", "w") as zf:
        zf.writestr("orders.xlsx", buffer.getvalue())
        zf.writestr("__MACOSX/._orders.xlsx", "x")
    result = run(tmp_path)
    assert result.tables["sales"][["order_id", "amount"]].values.tolist() == [["S1", 5.0]]


# --- 3. whitespace-separated columns; header: false; YYYYMMDD dates ------------------------------------

MASTER = (" customer_id  date number_of_cds  dollar_value\r\n"
          " 00001 19970101  1   11.77\r\n"
          " 00002 19970112  1   12.00\r\n"
          " 00002 19970112  5   77.00\r\n"
          "\r\n"                                             # a blank line: not a record, but counted as a row
          " 00003 19970102  2   20.76\r\n"
          " 00003 19970102  2\r\n")                          # one field short: a malformed row
CD_SOURCES = """\
sources:
  - path: CDNOW_master.txt
    table: sales
    columns: {{customer_id: customer_id, order_date: date, quantity: number_of_cds, amount: dollar_value}}
{options}"""


@pytest.mark.parametrize("options", ["", "    options: {delimiter: whitespace}\n",
                                     '    options: {date_format: "%Y%m%d"}\n'])
def test_whitespace_separated_columns_are_detected_or_declared(tmp_path, options):
    (tmp_path / "CDNOW_master.txt").write_text(MASTER, encoding="utf-8")
    result = run(tmp_path, CD_SOURCES.format(options=options))
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (5, 4, 1)
    assert f["rejected_by_reason"] == {"malformed_row": 1}
    bad = result.rejects.iloc[0]
    assert (bad["source_row"], bad["raw"]) == (7, "00003 19970102 2")
    s = result.tables["sales"].sort_values("source_row")
    assert s["source_row"].tolist() == [2, 3, 4, 6]
    assert s["customer_id"].tolist() == ["00001", "00002", "00002", "00003"]      # leading zeros kept
    assert s["order_date"].astype(str).tolist() == ["1997-01-01", "1997-01-12", "1997-01-12", "1997-01-02"]
    assert s["amount"].sum() == pytest.approx(11.77 + 12 + 77 + 20.76)
    assert s["quantity"].tolist() == [1, 1, 5, 2]


def test_a_file_without_a_header_row_maps_its_columns_by_position(tmp_path):
    (tmp_path / "CDNOW_sample.txt").write_text(" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n"
                                               " 00005 0002 19970802  1   14.96\n", encoding="utf-8")
    sources = ("sources:\n  - path: CDNOW_sample.txt\n    table: sales\n"
               '    columns: {customer_id: "1", order_date: "3", quantity: "4", amount: "5"}\n'
               "    options: {header: false}\n")
    result = run(tmp_path, sources)
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"]) == (3, 3)                  # the first row is data
    s = result.tables["sales"]
    assert s["source_row"].tolist() == [1, 2, 3]
    assert s["order_id"].tolist() == ["00004/1997-01-01", "00004/1997-01-18", "00005/1997-08-02"]
    assert s["amount"].tolist() == [29.33, 29.73, 14.96]
    assert f["columns"] == {"customer_id": "1", "order_date": "3", "quantity": "4", "amount": "5"}


def test_header_false_without_a_mapping_says_to_map_by_position(tmp_path):
    (tmp_path / "sales.txt").write_text("00004 19970101 2 29.33\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path, "sources:\n  - {path: sales.txt, table: sales, options: {header: false}}\n")
    message = str(caught.value)
    assert "sales.txt" in message and "'1', '2', '3', '4'" in message and "columns: {order_date:" in message


def test_header_must_be_a_boolean(tmp_path):
    (tmp_path / "sales.txt").write_text("00004 19970101 2 29.33\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"sources.yml: entry 1: options.header is 'no'; write header: false"):
        run(tmp_path, "sources:\n  - {path: sales.txt, table: sales, options: {header: 'no'}}\n")


def test_a_single_space_separated_comma_file_is_still_read_by_its_commas(tmp_path):
    # a CSV whose cells hold spaces: the commas explain it, runs of spaces must not win
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer Name,Amount\nS1,2009-01-08,Bank of China "
                                        "Hangzhou,5\nS2,2009-01-09,Agricultural Bank,6\n", encoding="utf-8")
    s = run(tmp_path).tables["sales"]
    assert s["customer_name"].tolist() == ["Bank of China Hangzhou", "Agricultural Bank"]


# --- 4. no order id: an order is a customer's purchases on one day -------------------------------------

def test_sales_without_an_order_id_are_orders_of_a_customer_day(tmp_path):
    (tmp_path / "CDNOW_master.txt").write_text(MASTER, encoding="utf-8")
    result = run(tmp_path, CD_SOURCES.format(options=""))
    s = result.tables["sales"].sort_values("source_row")
    assert s["order_id"].tolist() == ["00001/1997-01-01", "00002/1997-01-12", "00002/1997-01-12", "00003/1997-01-02"]
    assert s.groupby("order_id")["amount"].sum().to_dict() == pytest.approx(
        {"00001/1997-01-01": 11.77, "00002/1997-01-12": 89.0, "00003/1997-01-02": 20.76})
    f = result.manifest["files"][0]
    assert codes(f)[0] == "order_from_customer_day"                 # (then large_loss: 1 of 5 rows is malformed)
    assert "one customer's purchases on one day" in f["warnings"][0]["message"]
    assert "e.g. '00001/1997-01-01'" in f["warnings"][0]["message"]
    assert "order_id" not in f["columns"]                          # not a column of the file


def test_without_an_order_id_two_identical_lines_of_one_day_are_exact_copies(tmp_path):
    (tmp_path / "sales.csv").write_text("Customer ID,Order Date,Amount\nA,2009-01-08,5\nA,2009-01-08,5\n"
                                        "A,2009-01-08,6\nB,2009-01-08,5\n", encoding="utf-8")
    result = run(tmp_path)
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["duplicates"]) == (4, 3, 1)
    assert sorted(result.tables["sales"]["order_id"]) == ["A/2009-01-08", "A/2009-01-08", "B/2009-01-08"]


def test_without_an_order_id_a_row_with_no_customer_is_rejected_for_that(tmp_path):
    (tmp_path / "sales.csv").write_text("Customer,Order Date,Amount\n甲,2009-01-08,5\n,2009-01-08,5\n"
                                        "乙,someday,5\n", encoding="utf-8")
    f = run(tmp_path).manifest["files"][0]
    assert f["rejected_by_reason"] == {"bad_date": 1, "missing_customer": 1}


# --- 5. a header row below other rows -----------------------------------------------------------------

def test_declared_headers_find_the_header_row_below_a_title_block(tmp_path):
    (tmp_path / "export.csv").write_text(
        "Service desk export,,\nGenerated 2010-05-01,,\n,,\nSR Number,Change Date+Time,Status\n"
        "1-1,2010-03-31 15:59,Resolved\n1-2,2010-04-01 08:00,Closed\n", encoding="utf-8")
    result = run(tmp_path, "sources:\n  - path: export.csv\n    table: dispatches\n"
                           "    columns: {ticket_id: SR Number, reported_at: Change Date+Time}\n")
    d = result.tables["dispatches"]
    assert d["ticket_id"].tolist() == ["1-1", "1-2"] and d["source_row"].tolist() == [5, 6]
    assert result.manifest["files"][0]["rows_read"] == 2


def test_a_data_row_that_looks_like_aliases_is_not_taken_for_the_header(tmp_path):
    # BPIC 2013's VINST-new.csv: a data row holding "Resolved", "Closed" … named more aliases than the header
    rows = "".join(f"1-{i},2010-04-0{i} 10:00,Resolved,Closed,Customer,Ticket\n" for i in range(1, 9))
    (tmp_path / "export.csv").write_text("SR Number,Change Date+Time,Status,Sub Status,Who,What\n" + rows,
                                         encoding="utf-8")
    result = run(tmp_path, "sources:\n  - path: export.csv\n    table: dispatches\n"
                           "    columns: {ticket_id: SR Number, reported_at: Change Date+Time}\n")
    assert result.manifest["files"][0]["rows_read"] == 8
    assert len(result.tables["dispatches"]) == 8


def test_declared_headers_that_are_nowhere_are_named_in_one_error(tmp_path):
    (tmp_path / "export.csv").write_text("Case,When\n1-1,2010-03-31 15:59\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path, "sources:\n  - path: export.csv\n    table: dispatches\n"
                      "    columns: {ticket_id: SR Number, reported_at: Change Date+Time}\n")
    message = str(caught.value)
    assert "export.csv" in message and "'SR Number', 'Change Date+Time'" in message
    assert "the first row reads 'Case', 'When'" in message and "header: false" in message


def test_one_declared_header_missing_names_it_with_the_header_row(tmp_path):
    (tmp_path / "export.csv").write_text("title\nSR Number,When\n1-1,2010-03-31 15:59\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path, "sources:\n  - path: export.csv\n    table: dispatches\n"
                      "    columns: {ticket_id: SR Number, reported_at: Change Date+Time}\n")
    e = caught.value
    assert (e.row, e.column) == (2, "Change Date+Time")
    assert "sources.yml says 'reported_at' is column 'Change Date+Time'" in e.detail and "SR Number, When" in e.detail


def test_an_event_log_header_below_other_rows(tmp_path):
    (tmp_path / "vinst.csv").write_text("Volvo IT export\n\nnote,1-1,Accepted\n" + EVENTS, encoding="utf-8")
    result = run(tmp_path, EVENT_LOG.format(extra=""))
    d = result.tables["dispatches"]
    assert d["ticket_id"].tolist() == ["1-1", "1-2"] and d["source_row"].tolist() == [5, 7]


# --- 6. tickets with no customer column ----------------------------------------------------------------

def test_tickets_without_a_customer_column_are_accepted(tmp_path):
    (tmp_path / "vinst.csv").write_text(EVENTS, encoding="utf-8")
    result = run(tmp_path, EVENT_LOG.format(extra=""))
    d = result.tables["dispatches"]
    assert len(d) == 2 and d["customer_id"].isna().all() and d["customer_name"].isna().all()
    assert len(result.tables["customers"]) == 0
    assert codes(result.manifest["files"][0]) == ["no_customer_column"]


def test_tickets_with_a_customer_column_still_reject_an_empty_cell(tmp_path):
    (tmp_path / "dispatches.csv").write_text("Ticket No,Report Date,Customer\nT1,2016-03-01 09:00,甲\n"
                                             "T2,2016-03-01 10:00,\n", encoding="utf-8")
    result = run(tmp_path)
    f = result.manifest["files"][0]
    assert (f["rows_kept"], f["rejected_by_reason"]) == (1, {"missing_customer": 1})
    assert "no_customer_column" not in codes(f)


def test_tickets_without_customers_beside_sales_with_customers(tmp_path):
    (tmp_path / "dispatches.csv").write_text("Ticket No,Report Date\nT1,2016-03-01 09:00\nT2,2016-03-02 09:00\n",
                                             encoding="utf-8")
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer,Amount\nS1,2016-03-01,甲,5\n", encoding="utf-8")
    result = run(tmp_path)
    assert result.tables["customers"]["customer_name"].tolist() == ["甲"]
    assert result.tables["dispatches"]["customer_id"].isna().all()


# --- 7. one file feeding two tables --------------------------------------------------------------------

SUPERSTORE = ("Row ID,Order ID,Order Date,Customer ID,Customer Name,Segment,Sales\n"
              "1,CA-1,2016-11-08,CG-1,Claire Gute,Consumer,261.96\n"
              "2,CA-1,2016-11-08,CG-1,Claire Gute,Consumer,731.94\n"
              "3,CA-2,2016-06-12,DV-1,Darrin Van Huff,Corporate,14.62\n")


def test_one_relative_path_in_two_entries_feeds_two_tables(tmp_path):
    (tmp_path / "superstore.csv").write_text(SUPERSTORE, encoding="utf-8")
    result = run(tmp_path, """\
sources:
  - path: superstore.csv
    table: sales
    columns: {order_id: Order ID, line_no: Row ID, order_date: Order Date, customer_id: Customer ID,
              customer_name: Customer Name, amount: Sales}
  - path: "*.csv"
    table: customers
    columns: {customer_id: Customer ID, customer_name: Customer Name, tier: Segment}
""")
    files = {f["path"]: f for f in result.manifest["files"]}
    assert set(files) == {"superstore.csv (sales)", "superstore.csv (customers)"}
    assert files["superstore.csv (sales)"]["rows_kept"] == 3 and files["superstore.csv (customers)"]["rows_read"] == 3
    assert len(result.tables["sales"]) == 3
    c = result.tables["customers"].set_index("customer_id")
    assert c["tier"].to_dict() == {"CG-1": "Consumer", "DV-1": "Corporate"}
    assert c["customer_name"].to_dict() == {"CG-1": "Claire Gute", "DV-1": "Darrin Van Huff"}


def test_of_two_entries_for_one_file_and_table_the_first_wins(tmp_path):
    (tmp_path / "orders_2016.csv").write_text("Inv,Order Date,Customer,Amount\nS1,2016-01-08,甲,5\n", encoding="utf-8")
    result = run(tmp_path, "sources:\n  - {path: orders_2016.csv, table: sales, columns: {order_id: Inv}, "
                           "options: {currency: EUR}}\n  - {path: 'orders_*.csv', table: sales}\n")
    assert [f["path"] for f in result.manifest["files"]] == ["orders_2016.csv"]
    assert result.tables["sales"]["currency"].tolist() == ["EUR"]


# --- 8. one raw column mapped to two canonical columns -------------------------------------------------

@pytest.mark.parametrize("name,text", [
    ("sales.csv", "id,date,cds,value\n00001,19970101,1,11.77\n00002,19970112,5,77.00\n"),   # the Arrow reader
    ("sales.txt", "id date cds value\n00001 19970101 1 11.77\n00002 19970112 5 77.00\n"),    # the csv module
])
def test_one_raw_column_may_be_two_canonical_columns(tmp_path, name, text):
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = run(tmp_path, f"sources:\n  - path: {name}\n    table: sales\n    columns: {{customer_id: id, order_id: "
                           f"id, order_date: date, quantity: cds, amount: value}}\n")
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (2, 2, 0)
    s = result.tables["sales"]
    assert s["order_id"].tolist() == s["customer_id"].tolist() == ["00001", "00002"]
    assert f["columns"]["order_id"] == f["columns"]["customer_id"] == "id"


# --- 9. an error's suggestion never names the missing column itself ------------------------------------

def test_a_missing_required_column_suggests_the_files_closest_header(tmp_path):
    (tmp_path / "dispatches.csv").write_text("Ticket No,Report Dt,Customer\nT1,2016-03-01 09:00,甲\n",
                                             encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path)
    e = caught.value
    assert e.file.endswith("dispatches.csv") and e.row == 1
    assert "required column 'reported_at' of table 'dispatches' not found" in e.detail
    assert "the file's header closest to it is 'Report Dt'" in e.detail
    assert "columns: {reported_at: Report Dt}" in e.detail
    assert "known header is" not in e.detail and "closest to it is 'reported_at'" not in e.detail


def test_a_missing_required_column_with_nothing_close_says_what_to_write(tmp_path):
    (tmp_path / "dispatches.csv").write_text("Ticket No,Zeitpunkt,Customer\nT1,2016-03-01 09:00,甲\n",
                                             encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run(tmp_path)
    detail = caught.value.detail
    assert "'reported_at'" in detail and "columns: {reported_at: <its header in the file>}" in detail
    assert "closest" not in detail


def test_iso_dates_parse_to_naive_values_directly():
    from pipeline.clean.parse import DateOptions, parse_dates

    raw = pd.Series(["2010-03-31T16:59:42+01:00", "2010-07-01T10:00:00+02:00", "19970101", "2010-01-01T00:00Z", ""])
    values, why = parse_dates(raw, DateOptions(time_zone="UTC"))
    assert values.tolist()[:4] == [pd.Timestamp("2010-03-31 15:59:42"), pd.Timestamp("2010-07-01 08:00"),
                                   pd.Timestamp("1997-01-01"), pd.Timestamp("2010-01-01")]
    assert pd.isna(values.iloc[4]) and str(values.dtype) == "datetime64[ns]"
    assert why.tolist() == ["", "", "", "", ""]


def test_a_workbook_without_a_header_row(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["00004", "1997-01-01", 2, 29.33])
    ws.append(["00005", "1997-01-02", 1, 14.96])
    wb.save(tmp_path / "cd.xlsx")
    result = run(tmp_path, "sources:\n  - path: cd.xlsx\n    table: sales\n"
                           '    columns: {customer_id: "1", order_date: "2", quantity: "3", amount: "4"}\n'
                           "    options: {header: false}\n")
    s = result.tables["sales"].sort_values("source_row")
    assert s["source_row"].tolist() == [1, 2] and s["amount"].tolist() == [29.33, 14.96]
    assert s["order_id"].tolist() == ["00004/1997-01-01", "00005/1997-01-02"]
