"""Real public exports nobody on this project wrote, cleaned with a short sources.yml and nothing else.

They are read from ``../shared/data/real/`` (never copied into the repository); the tests skip with
a clear message when that folder is absent (see the ``real_data`` fixture).
"""

import pandas as pd
import pytest

from pipeline.clean import clean

UCI_SOURCES = """\
sources:
  - path: "{path}"
    table: sales
    columns: {{order_id: InvoiceNo, product_id: StockCode, product_name: Description, quantity: Quantity,
               order_date: InvoiceDate, unit_price: UnitPrice, customer_id: CustomerID}}
    options: {{currency: GBP, return_prefixes: [C]}}
"""


@pytest.fixture(scope="module")
def uci(real_data, tmp_path_factory):
    path = real_data / "uci_online_retail" / "online_retail.csv.xz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    raw = tmp_path_factory.mktemp("uci")
    (raw / "online_retail.csv.xz").symlink_to(path)          # a symlink, not a copy
    (raw / "sources.yml").write_text(UCI_SOURCES.format(path="online_retail.csv.xz"), encoding="utf-8")
    return clean(raw, run_date="2026-11-29")


def test_uci_online_retail_every_row_accounted_for(uci):
    f = uci.manifest["files"][0]
    assert f["path"] == "online_retail.csv.xz" and f["encoding"] == "utf-8"
    assert f["rows_read"] == 541_909
    assert f["rejected_by_reason"] == {"missing_customer": 135_080}     # CustomerID empty
    assert f["duplicates"] == 5_225                                       # exact copies among the rest
    assert f["rows_kept"] == 541_909 - 135_080 - 5_225 == 401_604
    # a quarter of the lines lost (guest checkouts): never quiet
    [loss] = f["warnings"]
    assert (loss["code"], loss["share"], loss["rejected"]) == ("large_loss", "24.9%", 135_080)
    assert loss["reasons"] == "missing_customer 135,080"


def test_uci_cancellations_are_returns_not_dropped(uci):
    sales = uci.tables["sales"]
    cancelled = sales["order_id"].str.startswith("C")
    # 9,288 C-invoice lines: 383 have no customer (rejected), 33 are exact copies
    assert int(cancelled.sum()) == 9_288 - 383 - 33 == 8_872
    assert sales.loc[cancelled, "is_return"].all()
    assert int(sales["is_return"].sum()) == 8_872          # no other line has a negative quantity
    assert (sales.loc[cancelled, "quantity"] < 0).all()
    assert set(sales["currency"]) == {"GBP"}
    assert sales["order_date"].min() == pd.Timestamp("2010-12-01 08:26")
    assert sales["order_date"].max() == pd.Timestamp("2011-12-09 12:50")
    assert sales["customer_id"].nunique() == 4_372
    customers = uci.tables["customers"]
    assert len(customers) == 4_372 and (customers["customer_name"] == customers["customer_id"]).all()
    rejects = uci.rejects
    assert len(rejects) == 135_080 and set(rejects["reason_code"]) == {"missing_customer"}
    assert int(rejects["raw"].str.contains('"InvoiceNo": "C').sum()) == 383


HELPDESK_SOURCES = """\
sources:
  - path: "{path}"
    table: dispatches
    columns: {{customer_name: customer, service_level: service_level}}
    options:
      event_log: {{case: Case ID, activity: Activity, timestamp: Complete Timestamp, resource: Resource,
                  arrived: [Take in charge ticket], closed: [Resolve ticket, Closed]{reported}}}
"""


def _helpdesk(real_data, tmp_path, reported=""):
    path = real_data / "helpdesk_eventlog" / "helpdesk_4tu_full.csv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    (tmp_path / "sources.yml").write_text(HELPDESK_SOURCES.format(path=path, reported=reported), encoding="utf-8")
    return clean(tmp_path, run_date="2026-11-29")


def test_helpdesk_event_log_folds_into_one_dispatch_per_ticket(real_data, tmp_path):
    result = _helpdesk(real_data, tmp_path)      # absolute path in sources.yml; reported = first event
    f = result.manifest["files"][0]
    assert f["events_read"] == 21_348
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (4_580, 4_580, 0, 0)
    d = result.tables["dispatches"].set_index("ticket_id")
    assert d.index.is_unique and int(d["events"].sum()) == 21_348
    # Case 1: Assign seriousness 2012/10/09 14:50:17, Take in charge 14:51:01 (Value 1) then again by
    # Value 2, Resolve ticket 2012/10/25 11:54:26
    c1 = d.loc["Case 1"]
    assert c1["reported_at"] == pd.Timestamp("2012-10-09 14:50:17")
    assert c1["arrived_at"] == pd.Timestamp("2012-10-09 14:51:01")
    assert c1["closed_at"] == pd.Timestamp("2012-10-25 11:54:26")
    assert c1["customer_name"] == "Value 1"
    assert (c1["events"], c1["reassignments"]) == (5, 3)      # resources 1, 1, 2, 1, 3
    # anonymised customers "Value 1" … "Value 397" stay apart (digits differ: never fuzzy-merged)
    assert d["customer_id"].nunique() == d["customer_name"].nunique() == 395
    # service levels kept as written, the ticket's latest (the export anonymises them as "Value N")
    assert d["service_level_text"].value_counts().to_dict() == {"Value 2": 3_537, "Value 3": 926,
                                                               "Value 1": 115, "Value 4": 2}


def test_helpdesk_declared_reported_activities_reject_tickets_without_one(real_data, tmp_path):
    result = _helpdesk(real_data, tmp_path, reported=", reported: [Insert ticket, Assign seriousness]")
    f = result.manifest["files"][0]
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"]) == (4_580, 4_502, 78)
    assert f["rejected_by_reason"] == {"missing_date": 78}
