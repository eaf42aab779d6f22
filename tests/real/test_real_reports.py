"""Each real public export alone, with its smallest sources.yml, gives a report whose figures match what
pandas computes straight from the raw file (the README's worked examples use the same sources.yml).

The reports are rendered in this process (:mod:`pipeline.report.direct`); the CLI path is the same code.
"""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from pipeline.clean import clean
from pipeline.processed import load_processed, write_processed
from pipeline.report.direct import render_here
from tests.end_to_end.conftest import check_html, visible_text
from tests.real.conftest import example_raw

pytestmark = [pytest.mark.slow, pytest.mark.real]

def report(real_data, tmp_path, name: str, **period):
    """The worked example ``name`` (docs/examples/<name>.sources.yml) cleaned and rendered here."""
    raw = example_raw(real_data, tmp_path, name)
    result = clean(raw, run_date="2026-11-29")
    write_processed(result, tmp_path / "processed")
    html = render_here(tmp_path / "processed", tmp_path / "report", separate=True, **period).read_text("utf-8")
    tables = {p.parent.parent.name + "/" + p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in (tmp_path / "report").glob("*/tables/*.csv")}

    class Rendered:
        pass
    r = Rendered()
    r.html, r.text, r.tables, r.result = html, visible_text(html), tables, result
    r.processed = load_processed(tmp_path / "processed")
    check_html(r)
    return r


def key_numbers(r) -> dict[str, str]:
    k = r.tables["05_conclusions/key_numbers"]
    return dict(zip(k["Measure"], k["This period"], strict=True))


def money(x: float) -> str:
    return f"{x:,.0f}"


def test_uci_online_retail_alone(real_data, tmp_path):
    r = report(real_data, tmp_path, "uci_online_retail")
    raw = pd.read_csv(real_data / "uci_online_retail" / "online_retail.csv.xz", dtype={"CustomerID": str})
    raw = raw[raw["CustomerID"].notna()].drop_duplicates()
    raw["when"] = pd.to_datetime(raw["InvoiceDate"])
    assert raw["CustomerID"].nunique() == 4_372
    # the default period: the data end on 2011-12-09, so the latest complete quarter is 2011Q3
    q3 = raw[(raw["when"] >= "2011-07-01") & (raw["when"] < "2011-10-01")]
    revenue = float((q3["Quantity"] * q3["UnitPrice"]).sum())                 # returns net off
    buyers = q3.loc[~q3["InvoiceNo"].str.startswith("C"), "CustomerID"].nunique()
    assert "This report covers 2011Q3" in r.text
    numbers = key_numbers(r)
    assert numbers["Revenue"] == money(revenue)
    assert numbers["Buying customers"] == f"{buyers:,}"
    assert not any(name.startswith("02_service/") for name in r.tables)     # no dispatches: no service tables
    # 1.8 million customer pairs are held by 5 or more: the CSV keeps the 10,000 of highest lift
    pairs = r.tables["04_lifecycle/cross_sell_pairs"]
    lift = pairs["lift"].astype(float)
    assert len(pairs) == 10_000 and lift.is_monotonic_decreasing and (pairs["customers"].astype(int) >= 5).all()
    assert "This needs the dispatch records export, which the data does not include" in r.text


def test_superstore_alone(real_data, tmp_path):
    r = report(real_data, tmp_path, "superstore")
    raw = pd.read_csv(real_data / "superstore_npm" / "superstore.csv", parse_dates=["Order Date"])
    assert raw["Customer ID"].nunique() == 793 and len(raw) == 9_994
    assert r.processed["sales"]["customer_id"].nunique() == 793
    assert not r.processed["sales"]["is_return"].any()          # "CA-" order ids are not returns
    q4 = raw[(raw["Order Date"] >= "2017-10-01") & (raw["Order Date"] < "2018-01-01")]
    assert "This report covers 2017Q4" in r.text
    numbers = key_numbers(r)
    assert numbers["Revenue"] == money(q4["Sales"].sum())
    assert numbers["Buying customers"] == f"{q4['Customer ID'].nunique():,}"


def test_helpdesk_event_log_alone(real_data, tmp_path):
    r = report(real_data, tmp_path, "helpdesk_eventlog")
    ev = pd.read_csv(real_data / "helpdesk_eventlog" / "helpdesk_4tu_full.csv")
    ev["when"] = pd.to_datetime(ev["Complete Timestamp"])
    reported = ev.groupby("Case ID")["when"].min()
    closed = ev[ev["Activity"].isin(["Resolve ticket", "Closed"])].groupby("Case ID")["when"].min()
    assert len(reported) == 4_580 == len(r.processed["dispatches"])
    d = r.processed["dispatches"]
    assert (d.set_index("ticket_id")["reported_at"].sort_index() == reported.sort_index()).all()
    # the report's period and its tickets
    label = r.tables["01_data_quality/coverage"]
    assert label.loc[label["Table"] == "dispatch records", "Rows"].item() == "4580"
    numbers = key_numbers(r)
    start, end = _period_of(r)
    in_period = reported[(reported >= start) & (reported < end)]
    assert numbers["Dispatches"] == f"{len(in_period):,}"
    # open: not closed by the period's end (the report's as-of), whether closed later or never
    closed_by_end = closed.reindex(in_period.index).where(lambda c: c < end)
    hours = (closed_by_end - in_period).dt.total_seconds() / 3600
    # per service level as the export writes it ("Value N", kept as written): each ticket's latest level
    level = ev.sort_values("when", kind="stable").dropna(subset=["service_level"]).groupby("Case ID")[
        "service_level"].last().reindex(in_period.index)
    repair = r.tables["02_service/repair"].set_index("Service level")
    assert repair.index.tolist() == sorted(level.dropna().unique())
    assert repair["Tickets"].astype(int).to_dict() == level.value_counts().sort_index().to_dict()
    assert repair["Still open"].astype(int).to_dict() == hours.isna().groupby(level).sum().astype(int).to_dict()
    # the report's median is Kaplan-Meier's, open tickets censored: it lies between the median of the
    # closed tickets alone and the median with every open ticket taken as never closed
    largest = level.value_counts().idxmax()
    mine = hours[level == largest]
    median = float(repair.loc[largest, "Median hours"].split(" ")[0].replace(",", ""))
    assert mine.dropna().median() - 0.05 <= median <= mine.fillna(float("inf")).median() + 0.05


def _period_of(r) -> tuple[pd.Timestamp, pd.Timestamp]:
    import re
    m = re.search(r"This report covers (\d{4})Q(\d)", r.text)
    start = pd.Timestamp(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    return start, start + pd.DateOffset(months=3)


def _servicenow_raw(real_data) -> pd.DataFrame:
    with zipfile.ZipFile(real_data / "incident_event_log_uci" / "incident_event_log.csv.zip") as z:
        with z.open("incident_event_log.csv") as f:
            raw = pd.read_csv(f, na_values="?", keep_default_na=False)
    raw["opened"] = pd.to_datetime(raw["opened_at"], format="%d/%m/%Y %H:%M")
    return raw


def test_servicenow_state_log_alone_counts_every_incident(real_data, tmp_path):
    r = report(real_data, tmp_path, "servicenow", start="2016-03-01", end="2016-04-30")
    assert "This report covers 2016-03-01 to 2016-04-30" in r.text
    raw = _servicenow_raw(real_data)
    f = r.result.manifest["files"][0]
    # every update accounted for: one incident kept per number (its latest state), the rest folded
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (119_998, 20_769, 0, 0)
    assert f["states_folded"] == 119_998 - 20_769 == len(raw) - raw["number"].nunique()
    opened = raw.groupby("number")["opened"].min()
    in_period = opened[(opened >= "2016-03-01") & (opened < "2016-05-01")]
    assert len(in_period) == 16_929
    assert key_numbers(r)["Dispatches"] == f"{len(in_period):,}"
    # u_symptom is the desk's own code (options.coded_columns): the symptoms are counted as written
    raw["updated"] = pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M")
    raw["position"] = range(len(raw))
    latest = raw.sort_values(["updated", "position"]).drop_duplicates("number", keep="last").set_index("number")
    symptoms = latest.loc[in_period.index, "u_symptom"].value_counts().head(4)
    assert symptoms.to_dict() == {"Symptom 491": 6483, "Symptom 534": 938, "Symptom 387": 355, "Symptom 4": 346}
    restore = r.tables["02_service/repair_time_by_symptom"].set_index("symptom_code")["tickets"]
    assert {code: int(restore[code]) for code in symptoms.index} == symptoms.to_dict()
    assert int(restore[""]) == int(latest.loc[in_period.index, "u_symptom"].isna().sum()) == 4068


def test_cdnow_alone(real_data, tmp_path):
    r = report(real_data, tmp_path, "cdnow")
    raw = pd.read_csv(real_data / "cdnow_lifetimes" / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str})
    raw["when"] = pd.to_datetime(raw["date"].astype(str), format="%Y%m%d")
    assert len(raw) == 69_659 and raw["customer_id"].nunique() == 23_570
    f = r.result.manifest["files"][0]
    # identical lines are separate purchases in this file (exact_copies: keep): all 69,659 kept
    assert (f["rows_read"], f["rows_kept"], f["rows_rejected"], f["duplicates"]) == (69_659, 69_659, 0, 0)
    assert [w["code"] for w in f["warnings"]] == ["order_from_customer_day"]
    sales = r.processed["sales"]
    assert sales["customer_id"].nunique() == 23_570
    assert round(float(sales["amount"].sum()), 2) == round(float(raw["dollar_value"].sum()), 2) == 2_500_315.63
    # an order is a customer's purchases on one day
    assert sales["order_id"].nunique() == len(raw[["customer_id", "when"]].drop_duplicates())
    # the data end on 1998-06-30: the default period is 1998Q2
    q2 = raw[(raw["when"] >= "1998-04-01") & (raw["when"] < "1998-07-01")]
    assert "This report covers 1998Q2" in r.text
    numbers = key_numbers(r)
    assert numbers["Revenue"] == money(q2["dollar_value"].sum())
    assert numbers["Buying customers"] == f"{q2.loc[q2['dollar_value'] > 0, 'customer_id'].nunique():,}"
