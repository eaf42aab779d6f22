"""Formats of real public exports (issue 16, point 7), read from ``../shared/data/real/`` (never copied into
the repository; skipped when absent): BPIC 2013's VINST-new.csv inside a .zip with macOS junk, ISO-8601
timestamps with mixed offsets and no customer column; CDNOW's whitespace-separated .txt files, one with
no header row, with no order id; Superstore's one file feeding sales and customers.

Every expected figure is computed here from the raw file with pandas, independently of the pipeline.
"""

import zipfile

import pandas as pd
import pytest

from pipeline.clean import clean

pytestmark = [pytest.mark.real]

RUN_DATE = "2026-11-29"

BPIC_SOURCES = """\
sources:
  - path: "{path}"
    table: dispatches
    options:
      event_log: {{case: SR Number, activity: Status, timestamp: Change Date+Time, resource: Resource,
                  closed: [Completed]}}
{extra}"""


def _need(path):
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="module")
def bpic_zip(real_data):
    return _need(real_data / "bpic2013_volvo_incidents" / "IBM-VolvoIT-Challenge.zip")


@pytest.fixture(scope="module")
def bpic_events(bpic_zip):
    with zipfile.ZipFile(bpic_zip) as zf, zf.open("VolvoIT-Challenge/VINST-new.csv") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _bpic(bpic_zip, folder, extra=""):
    (folder / "sources.yml").write_text(BPIC_SOURCES.format(path=bpic_zip, extra=extra), encoding="utf-8")
    return clean(folder, run_date=RUN_DATE)


@pytest.fixture(scope="module")
def bpic(bpic_zip, tmp_path_factory):
    return _bpic(bpic_zip, tmp_path_factory.mktemp("bpic"))


def test_bpic_zip_event_log_every_event_accounted_for(bpic, bpic_events):
    f = bpic.manifest["files"][0]
    tickets = bpic_events["SR Number"].nunique()
    assert tickets == 7_554 and len(bpic_events) == 65_533
    assert f["path"] == "IBM-VolvoIT-Challenge.zip" and f["encoding"] == "utf-8-sig"
    assert (f["events_read"], f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (
        len(bpic_events), tickets, tickets, 0, 0)
    assert [w["code"] for w in f["warnings"]] == ["no_customer_column"]
    d = bpic.tables["dispatches"]
    assert len(d) == 7_554 and d["ticket_id"].nunique() == 7_554
    assert d["customer_id"].isna().all() and len(bpic.tables["customers"]) == 0


def test_bpic_report_times_are_the_wall_time_as_written(bpic, bpic_events):
    d = bpic.tables["dispatches"].set_index("ticket_id")
    assert str(d["reported_at"].dtype) == "datetime64[ns]"
    assert d.loc["1-364285768", "reported_at"] == pd.Timestamp("2010-03-31 15:59:42")
    # the offset dropped: the first 19 characters of "2010-03-31T15:59:42+01:00", per ticket its earliest
    wall = pd.to_datetime(bpic_events["Change Date+Time"].str[:19], format="%Y-%m-%dT%H:%M:%S")
    first = wall.groupby(bpic_events["SR Number"]).min()
    # every stamp carries +01:00, summer included (mixed offsets are tested on a synthetic file)
    assert set(bpic_events["Change Date+Time"].str[19:]) == {"+01:00"}
    assert (d["reported_at"].sort_index() == first.sort_index()).all()
    completed = bpic_events["Status"] == "Completed"
    closed = wall[completed].groupby(bpic_events["SR Number"][completed]).min()
    assert (d["closed_at"].dropna().sort_index() == closed.sort_index()).all()
    assert int(d["closed_at"].notna().sum()) == len(closed)


def test_bpic_in_a_declared_time_zone(bpic_zip, bpic_events, tmp_path):
    d = _bpic(bpic_zip, tmp_path, extra="      time_zone: UTC\n").tables["dispatches"].set_index("ticket_id")
    assert d.loc["1-364285768", "reported_at"] == pd.Timestamp("2010-03-31 14:59:42")
    utc = pd.to_datetime(bpic_events["Change Date+Time"], utc=True).dt.tz_localize(None)
    first = utc.groupby(bpic_events["SR Number"]).min()
    assert (d["reported_at"].sort_index() == first.sort_index()).all()


def test_bpic_with_a_date_format_no_longer_crashes(bpic_zip, tmp_path):
    d = _bpic(bpic_zip, tmp_path, extra='      date_format: "%Y-%m-%dT%H:%M:%S%z"\n').tables["dispatches"]
    assert len(d) == 7_554
    assert d.set_index("ticket_id").loc["1-364285768", "reported_at"] == pd.Timestamp("2010-03-31 15:59:42")


CDNOW_SOURCES = """\
sources:
  - path: "{path}"
    table: sales
    columns: {{customer_id: customer_id, order_date: date, quantity: number_of_cds, amount: dollar_value}}
"""


@pytest.fixture(scope="module")
def cdnow_path(real_data):
    return _need(real_data / "cdnow_lifetimes" / "CDNOW_master.txt")


@pytest.fixture(scope="module")
def cdnow(cdnow_path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cdnow")
    (folder / "sources.yml").write_text(CDNOW_SOURCES.format(path=cdnow_path), encoding="utf-8")
    return clean(folder, run_date=RUN_DATE)


def test_cdnow_whitespace_columns_every_row_accounted_for(cdnow, cdnow_path):
    raw = pd.read_csv(cdnow_path, sep=r"\s+", dtype=str)
    copies = raw.duplicated()                     # the same customer, day, CDs and dollars twice
    assert len(raw) == 69_659 and raw["customer_id"].nunique() == 23_570
    assert round(raw["dollar_value"].astype(float).sum(), 2) == 2_500_315.63
    f = cdnow.manifest["files"][0]
    assert (f["rows_read"], f["rows_rejected"]) == (69_659, 0)
    assert f["duplicates"] == int(copies.sum()) == 255          # exact copies, as in every export
    assert f["rows_kept"] == 69_659 - 255
    assert [w["code"] for w in f["warnings"]] == ["order_from_customer_day"]
    s = cdnow.tables["sales"]
    assert s["customer_id"].nunique() == 23_570 and len(cdnow.tables["customers"]) == 23_570
    kept = raw[~copies]
    assert s["amount"].sum() == pytest.approx(kept["dollar_value"].astype(float).sum(), abs=0.005)
    assert s["amount"].sum() + raw.loc[copies, "dollar_value"].astype(float).sum() == pytest.approx(
        2_500_315.63, abs=0.005)
    assert s["quantity"].sum() == kept["number_of_cds"].astype(int).sum()
    assert s["order_date"].min() == pd.Timestamp("1997-01-01") and s["order_date"].max() == pd.Timestamp(
        "1998-06-30")


def test_cdnow_orders_are_a_customers_purchases_on_one_day(cdnow, cdnow_path):
    raw = pd.read_csv(cdnow_path, sep=r"\s+", dtype=str).drop_duplicates()
    s = cdnow.tables["sales"]
    assert s.sort_values("source_row")["order_id"].iloc[0] == "00001/1997-01-01"
    days = raw["customer_id"] + "/" + pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d")
    assert s["order_id"].nunique() == days.nunique()
    per_order = s.groupby("order_id")["amount"].sum().round(2)
    expected = raw["dollar_value"].astype(float).groupby(days).sum().round(2)
    assert (per_order.sort_index() == expected.sort_index()).all()


def test_cdnow_sample_without_a_header_row(real_data, tmp_path):
    path = _need(real_data / "cdnow_lifetimes" / "CDNOW_sample.txt")
    raw = pd.read_csv(path, sep=r"\s+", dtype=str, header=None)
    (tmp_path / "sources.yml").write_text(
        f'sources:\n  - path: "{path}"\n    table: sales\n'
        '    columns: {customer_id: "1", order_date: "3", quantity: "4", amount: "5"}\n'
        '    options: {header: false, date_format: "%Y%m%d"}\n', encoding="utf-8")
    result = clean(tmp_path, run_date=RUN_DATE)
    f = result.manifest["files"][0]
    copies = int(raw.duplicated().sum())
    assert (f["rows_read"], f["rows_rejected"], f["duplicates"]) == (len(raw), 0, copies) == (6_919, 0, copies)
    s = result.tables["sales"]
    assert s["customer_id"].nunique() == raw[0].nunique()
    assert s["amount"].sum() == pytest.approx(raw[~raw.duplicated()][4].astype(float).sum(), abs=0.005)
    assert s["source_row"].min() == 1                     # the first line is data


def test_superstore_one_file_feeds_sales_and_customers(real_data, tmp_path):
    path = _need(real_data / "superstore_npm" / "superstore.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    (tmp_path / "superstore.csv").symlink_to(path)
    (tmp_path / "sources.yml").write_text("""\
sources:
  - path: superstore.csv
    table: sales
    columns: {order_id: Order ID, line_no: Row ID, order_date: Order Date, customer_id: Customer ID,
              customer_name: Customer Name, product_id: Product ID, product_name: Product Name,
              product_category: Category, amount: Sales, quantity: Quantity, discount: Discount}
  - path: superstore.csv
    table: customers
    columns: {customer_id: Customer ID, customer_name: Customer Name, tier: Segment}
""", encoding="utf-8")
    result = clean(tmp_path, run_date=RUN_DATE)
    files = {f["path"]: f for f in result.manifest["files"]}
    assert set(files) == {"superstore.csv (sales)", "superstore.csv (customers)"}
    assert files["superstore.csv (sales)"]["rows_kept"] == len(raw) == 9_994
    assert files["superstore.csv (customers)"]["rows_read"] == 9_994
    c = result.tables["customers"].set_index("customer_id")
    segments = raw.drop_duplicates("Customer ID").set_index("Customer ID")["Segment"]
    assert len(c) == raw["Customer ID"].nunique() == 793
    assert (c["tier"].sort_index() == segments.sort_index()).all()
