"""pipeline.reviews: who is due, one customer's numbers, safe file names, and the reviews command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from pipeline.analyses.period import parse_period
from pipeline.report import reviews

HOSTILE = r"<script>alert(1)</script> \input{/etc/passwd} & % $ # _ { } ~ ^"


# --------------------------------------------------------------------------------------------
# Unit level

def _data() -> dict[str, pd.DataFrame]:
    def disp(cid, when, n):
        return [{"ticket_id": f"{cid}-{when}-{i}", "customer_id": cid, "customer_name": cid.lower(),
                 "reported_at": pd.Timestamp(when) + pd.Timedelta(days=i), "arrived_at": pd.NaT,
                 "closed_at": pd.NaT, "service_level": "7x24x4", "visits": 1} for i in range(n)]
    rows = disp("V1", "2009-07-01", 0) + disp("F1", "2009-07-01", 3) + disp("S1", "2009-05-01", 1) \
        + disp("S2", "2008-01-01", 1) + disp("S3", "2009-10-05", 2)
    customers = pd.DataFrame({"customer_id": ["V1", "F1", "S1", "S2", "S3", "S4"],
                              "customer_name": ["v1", "f1", "s1", "s2", "s3", "s4"],
                              "tier": ["VIP", "SMB", "SMB", "large", None, "SMB"]})
    contracts = pd.DataFrame({"contract_id": ["k"], "customer_id": ["S4"],
                              "start_date": pd.to_datetime(["2009-01-01"]), "end_date": pd.to_datetime(["2009-12-31"]),
                              "renewed": pd.array([pd.NA], dtype="boolean")})
    return {"dispatches": pd.DataFrame(rows), "customers": customers, "contracts": contracts}


def test_due_customers_quarterly_and_half_yearly():
    data = _data()
    q3 = reviews.due_customers(data, parse_period("2009Q3"))
    assert dict(zip(q3["customer_id"], q3["reason"])) == {"F1": "frequent", "V1": "vip"}
    # Q4 closes a half year: others with a dispatch or a running contract in 2009H2 are due too
    q4 = reviews.due_customers(data, parse_period("2009Q4"))
    assert dict(zip(q4["customer_id"], q4["reason"])) == {"F1": "half-yearly", "S3": "half-yearly",
                                                           "S4": "half-yearly", "V1": "vip"}
    h1 = reviews.due_customers(data, parse_period("2009H1"))
    assert set(h1["customer_id"]) == {"V1", "S1", "S4"}
    # the threshold is a parameter
    q3_low = reviews.due_customers(data, parse_period("2009Q3"), frequent_per_quarter=4)
    assert set(q3_low["customer_id"]) == {"V1"}
    assert reviews.is_half_year_end(parse_period("2009Q2")) and not reviews.is_half_year_end(parse_period("2009Q3"))


def test_safe_names_stay_in_the_folder():
    ids = ["007", "C0001", "../etc/passwd", "a/b", "..", "", "con:1", "A", "a", "客戶", "-rf"]
    names = reviews.safe_names(ids)
    assert names["007"] == "007" and names["C0001"] == "C0001"
    assert len({n.lower() for n in names.values()}) == len(ids)
    for name in names.values():
        assert name and "/" not in name and "\\" not in name and not name.startswith((".", "-"))
        assert (Path("/tmp/x") / f"{name}.html").parent == Path("/tmp/x")


def test_review_numbers_and_agenda():
    data = _data()
    d = data["dispatches"]
    t0 = pd.Timestamp("2009-08-03 10:00")
    extra = pd.DataFrame([
        {"ticket_id": "X-1", "customer_id": "V1", "customer_name": "v1", "reported_at": t0,
         "arrived_at": t0 + pd.Timedelta(hours=6), "closed_at": t0 + pd.Timedelta(hours=8),
         "service_level": "7x24x4", "visits": 1, "machine_type": "7979", "machine_model": "Q7C", "serial": "S1"},
        {"ticket_id": "X-2", "customer_id": "V1", "customer_name": "v1", "reported_at": t0 + pd.Timedelta(days=7),
         "arrived_at": t0 + pd.Timedelta(days=7, hours=1), "closed_at": pd.NaT,
         "service_level": "7x24x4", "visits": 2, "machine_type": "7979", "machine_model": "Q7C", "serial": "S1"}])
    data["dispatches"] = pd.concat([d, extra], ignore_index=True)
    for col in ("machine_type", "machine_model", "serial", "symptom_code", "parts_sent"):
        data["dispatches"][col] = data["dispatches"].get(col)
    r = reviews.customer_review(data, "V1", parse_period("2009Q3"))
    n = r.numbers
    assert (n["dispatches"], n["breaches"], n["repeat_visits"], n["open_tickets"]) == (2, 1, 1, 1)
    assert n["worst_lateness_hours"] == pytest.approx(2.0)
    items = reviews.agenda(r, "en")
    assert any("1 of 2 dispatches missed" in i for i in items)
    assert any("7979Q7C (S1) had 2 dispatches" in i for i in items)
    assert any("No maintenance contract" in i for i in items)
    assert any("逾時" in i for i in reviews.agenda(r, "zh-Hant"))


# --------------------------------------------------------------------------------------------
# The command on a small sample

@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    root = tmp_path_factory.mktemp("reviews")
    raw = root / "raw"
    subprocess.run([sys.executable, "-m", "pipeline", "sample-data", "--out", str(raw), "--customers", "20"],
                   check=True, capture_output=True)
    with open(raw / "customers.csv", "a", encoding="utf-8") as fh:
        fh.write(f'../evil/x,"{HOSTILE}",,government,VIP,X\n')
        fh.write("007,Bond Ltd,,finance,VIP,X\n")
    (raw / "dispatches_extra.csv").write_text(
        "ticket_id,reported_at,arrived_at,closed_at,customer_name,service_level,machine_type_model,visits\n"
        f'X-1,2009-08-03 10:00,2009-08-03 16:00,2009-08-03 18:00,"{HOSTILE}",7x24x4,7979Q7C,1\n'
        f'X-2,2009-08-10 10:00,2009-08-10 11:00,2009-08-10 12:00,"{HOSTILE}",7x24x4,7979Q7C,2\n',
        encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "pipeline", "reviews", "--raw", str(raw), "--processed",
                          str(root / "processed"), "--out", str(root / "reports"), "--period", "2009Q3",
                          "--run-date", "2026-11-29", "--lang", "en"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return root


pytestmark_slow = pytest.mark.slow


@pytestmark_slow
def test_exactly_the_due_customers_get_reviews(reviewed):
    from pipeline.processed import load_processed

    data = load_processed(reviewed / "processed")
    q3 = parse_period("2009Q3")
    d = data["dispatches"]
    counts = d[q3.contains(d["reported_at"])].groupby("customer_id").size()
    expected = set(data["customers"].loc[data["customers"]["tier"] == "VIP", "customer_id"].astype(str))
    expected |= set(counts[counts >= 3].index.astype(str))
    folder = reviewed / "reports" / "2009Q3" / "reviews"
    index = pd.read_csv(folder / "index.csv", dtype=str, encoding="utf-8-sig")
    assert set(index["customer_id"]) == expected
    assert "007" in set(index["customer_id"]) and (folder / "007.html").exists()
    for _, row in index.iterrows():
        assert (folder / row["html"]).is_file() and (folder / row["pdf"]).is_file()
        assert (folder / row["html"]).resolve().parent == folder.resolve()
    assert len(list(folder.glob("*.html"))) == len(expected)
    assert not (reviewed / "reports" / "evil").exists()


@pytestmark_slow
def test_one_review_against_the_processed_data(reviewed):
    from pipeline.analyses.service import sla
    from pipeline.processed import load_processed

    data = load_processed(reviewed / "processed")
    folder = reviewed / "reports" / "2009Q3" / "reviews"
    index = pd.read_csv(folder / "index.csv", dtype=str, encoding="utf-8-sig").set_index("customer_id")
    q3 = parse_period("2009Q3")
    d = data["dispatches"]
    in_q3 = d[q3.contains(d["reported_at"])]
    busiest = in_q3.groupby("customer_id").size().sort_values(kind="mergesort").index[-1]
    mine = in_q3[in_q3["customer_id"] == busiest]
    breaches = int(sla.sla_flags(mine, as_of=q3.end_exclusive)["breached"].dropna().sum())
    soup = BeautifulSoup((folder / index.loc[busiest, "html"]).read_text(encoding="utf-8"), "html.parser")
    table = soup.select_one("#tab-dispatches table")
    rows = table.select("tbody tr")
    assert len(rows) == len(mine)
    assert {r.td.get_text() for r in rows} == set(mine["ticket_id"].astype(str))
    headers = [th.get_text() for th in table.select("thead th")]
    late = headers.index("Late")
    assert sum(r.select("td")[late].get_text() == "yes" for r in rows) == breaches
    summary = soup.select_one("main p.ac-para").get_text()
    assert f"dispatches reported, {len(mine)};" in summary and f"{breaches} of" in summary


@pytestmark_slow
def test_hostile_customer_name_is_text(reviewed):
    folder = reviewed / "reports" / "2009Q3" / "reviews"
    index = pd.read_csv(folder / "index.csv", dtype=str, encoding="utf-8-sig").set_index("customer_id")
    name = index.loc["../evil/x", "html"]
    assert "/" not in name and not name.startswith(".")
    soup = BeautifulSoup((folder / name).read_text(encoding="utf-8"), "html.parser")
    assert soup.find("script") is None
    assert HOSTILE in soup.select_one(".ac-doc-title").get_text()
    summary = soup.select_one("main p.ac-para").get_text()
    assert HOSTILE in summary and "dispatches reported, 2;" in summary and "1 of 2 decided" in summary
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(folder / index.loc["../evil/x", "pdf"]), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert r"\input{/etc/passwd}" in text and "<script>alert(1)</script>" in text
