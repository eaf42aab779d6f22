"""SLAs as ticket systems define them, and values outside the vocabulary, on real exports (issue 16,
points 5 and 6). Every expected figure is computed with pandas straight from the raw file.

ServiceNow's incident log has one row per update of an incident: an incident's state is its latest row
(by ``sys_updated_at``, then file order). It has no arrival time, so no incident may be a response
breach; its own ``made_sla`` flag is compared with Aftercare's resolution verdict under the targets the
sources.yml below declares.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.service.sla import sla_flags, targets_from_manifest
from pipeline.clean import clean
from pipeline.processed import load_manifest, load_processed, write_processed
from pipeline.report.direct import render_here
from tests.end_to_end.conftest import visible_text
from tests.real.conftest import example_raw

pytestmark = [pytest.mark.slow, pytest.mark.real]

START, END = pd.Timestamp("2016-03-01"), pd.Timestamp("2016-05-01")      # END exclusive: the report's as-of
HOURS = {"1 - Critical": 4, "2 - High": 8}                                  # wall-clock resolution targets


@pytest.fixture(scope="module")
def servicenow(real_data, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("servicenow")
    raw = example_raw(real_data, tmp, "servicenow")          # docs/examples/servicenow.sources.yml
    path = raw / "incident_event_log.csv.zip"
    result = clean(raw, run_date="2026-11-29")
    write_processed(result, tmp / "processed")
    html = render_here(tmp / "processed", tmp / "report", separate=True, start="2016-03-01", end="2016-04-30",
                       chapters=["01_data_quality.ipynb", "02_service.ipynb"]).read_text("utf-8")
    tables = {p.parent.parent.name + "/" + p.stem: pd.read_csv(p, dtype=str, keep_default_na=False)
              for p in (tmp / "report").glob("*/tables/*.csv")}
    with zipfile.ZipFile(path) as z, z.open("incident_event_log.csv") as f:
        rows = pd.read_csv(f, na_values="?", keep_default_na=False, low_memory=False)
    return {"result": result, "processed": load_processed(tmp / "processed"), "dir": tmp / "processed",
            "text": visible_text(html), "tables": tables, "raw": rows}


def _latest(raw: pd.DataFrame) -> pd.DataFrame:
    """Each incident's latest state (by sys_updated_at, then file order), with its first opening time."""
    r = raw.assign(updated=pd.to_datetime(raw["sys_updated_at"], format="%d/%m/%Y %H:%M"),
                   opened=pd.to_datetime(raw["opened_at"], format="%d/%m/%Y %H:%M"),
                   resolved=pd.to_datetime(raw["resolved_at"], format="%d/%m/%Y %H:%M"), order=np.arange(len(raw)))
    latest = r.sort_values(["updated", "order"], kind="stable").groupby("number").tail(1).set_index("number")
    latest["opened"] = r.groupby("number")["opened"].min()
    return latest


def _end_of_third_business_day(opened: pd.Series) -> pd.Series:
    """3 business days (Mon-Fri 09:00-18:00, no holidays) after the call is received, at 18:00 — worked
    out with pandas' own business-day offsets, not the pipeline's clock."""
    def one(t):
        day = t.normalize()
        busy = day.dayofweek < 5
        if busy and t.hour < 18:
            received = day                                                # in hours, or before opening
        else:
            received = day + pd.offsets.BDay(1)                           # after closing, or a weekend
        return received + pd.offsets.BDay(3) + pd.Timedelta(hours=18)
    return opened.map(one)


def _expected_verdicts(latest: pd.DataFrame) -> pd.DataFrame:
    """Aftercare's resolution verdict per incident: True late, False on time, NA undecided or no target."""
    e = latest[["priority", "opened", "resolved", "made_sla"]].copy()
    due = pd.Series(pd.NaT, index=e.index, dtype="datetime64[ns]")
    for level, hours in HOURS.items():
        m = e["priority"] == level
        due[m] = e.loc[m, "opened"] + pd.Timedelta(hours=hours)
    m = e["priority"] == "3 - Moderate"
    due[m] = _end_of_third_business_day(e.loc[m, "opened"])
    closed = e["resolved"].where(e["resolved"] < END)                     # a later resolution: still open
    verdict = pd.Series(pd.NA, index=e.index, dtype="boolean")
    known = closed.notna() & due.notna()
    verdict[known] = (closed > due)[known]
    overdue = closed.isna() & due.notna() & (due < END)
    verdict[overdue] = True
    e["verdict"] = verdict
    return e


def test_servicenow_made_sla_share_and_agreement(servicenow):
    latest = _latest(servicenow["raw"])
    d = servicenow["processed"]["dispatches"].set_index("ticket_id")
    assert d["made_sla"].dtype == "boolean"
    period = d[(d["reported_at"] >= START) & (d["reported_at"] < END)]
    expected = latest[(latest["opened"] >= START) & (latest["opened"] < END)]
    kept = expected.loc[expected.index.intersection(period.index)]
    assert len(kept) == len(period) == len(expected) == 16_929     # every incident, callers or not
    # the incident's latest made_sla is what the processed table holds
    assert (period["made_sla"].astype(bool) == kept.loc[period.index, "made_sla"].astype(bool)).all()
    share = kept["made_sla"].astype(bool).mean()
    assert share == pytest.approx(0.571, abs=0.001)        # the measure: ServiceNow says 57.1% met
    met = int(kept["made_sla"].astype(bool).sum())
    assert (f"it says {met:,} of {len(kept):,} tickets of 2016-03-01 to 2016-04-30 met their service level "
            f"({100 * share:.1f}%)") in servicenow["text"]

    # Aftercare's own verdict, and its agreement with made_sla, computed independently
    e = _expected_verdicts(kept)
    made, ours = e["made_sla"].astype(bool), e["verdict"]
    decided = ours.notna()
    counts = {"both_met": int((decided & made & ~ours.fillna(False)).sum()),
              "both_breached": int((decided & ~made & ours.fillna(False)).sum()),
              "export_only_breach": int((decided & ~made & ~ours.fillna(True)).sum()),
              "aftercare_only_breach": int((decided & made & ours.fillna(False)).sum()),
              "undecided": int((~decided).sum())}
    agreement = servicenow["tables"]["02_service/sla_agreement"]
    assert dict(zip(agreement["outcome"], agreement["dispatches"].astype(int), strict=True)) == counts
    rate = (counts["both_met"] + counts["both_breached"]) / int(decided.sum())
    assert f"({100 * rate:.1f}%, 95% interval" in servicenow["text"]
    assert 0.78 < rate < 0.85                                     # 81.2% when measured (issue 16)
    # 4 - Low has no target: its incidents are undecided and the text names the level
    low = int((e["priority"] == "4 - Low").sum())
    assert f"`4 - Low` ({low:,})" in servicenow["text"]

    # the resolution table per level
    resolution = servicenow["tables"]["02_service/sla_resolution_compliance"].set_index("service_level")
    assert list(resolution.index) == ["1 - Critical", "2 - High", "3 - Moderate"]
    for level, row in resolution.iterrows():
        v = e.loc[e["priority"] == level, "verdict"]
        assert (int(row["dispatches"]), int(row["breaches"]), int(row["undecided"])) == (
            int(v.notna().sum()), int(v.fillna(False).sum()), int(v.isna().sum())), level


def test_servicenow_without_arrivals_has_no_response_breach(servicenow):
    d = servicenow["processed"]["dispatches"]
    assert d["arrived_at"].isna().all()
    settings = targets_from_manifest(load_manifest(servicenow["dir"]))
    assert settings.targets["1 - Critical"]["response"] == {"clock": "wall", "hours": 1.0}
    flags = sla_flags(d, as_of=END, targets=settings.targets, **settings.clock)
    assert flags["breached"].isna().all()                                  # unknown, never a breach
    # 1 - Critical has a response target, but nothing to judge it on: the section says what is missing
    assert "02_service/sla" not in servicenow["tables"]
    assert "This needs `arrived_at` in the dispatch records export" in servicenow["text"]
    assert "0 of 0" not in servicenow["text"]


def test_servicenow_priorities_are_kept_as_written_and_counted(servicenow):
    latest = _latest(servicenow["raw"])
    d = servicenow["processed"]["dispatches"].set_index("ticket_id")
    assert (d["service_level"] == latest.loc[d.index, "priority"]).all()
    vocabulary = servicenow["tables"]["01_data_quality/vocabulary"]
    counts = d["service_level"].value_counts()
    assert dict(zip(vocabulary["Value"], vocabulary["Rows"].str.replace(",", "").astype(int), strict=True)) == \
        counts.to_dict()
    assert "options: {service_levels:" in servicenow["text"]


SUPERSTORE_CUSTOMERS = """\
sources:
  - path: "{path}"
    table: customers
    columns: {{customer_id: Customer ID, customer_name: Customer Name, tier: Segment}}
{options}"""


@pytest.mark.parametrize("options, expected", [
    ("", {"Consumer": "Consumer", "Corporate": "Corporate", "Home Office": "Home Office"}),
    ("    options: {tiers: {Corporate: large, Consumer: SMB, Home Office: SMB}}\n",
     {"Consumer": "SMB", "Corporate": "large", "Home Office": "SMB"}),
])
def test_superstore_segments_are_kept_or_mapped(real_data, tmp_path, options, expected):
    path = real_data / "superstore_npm" / "superstore.csv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    (tmp_path / "sources.yml").write_text(SUPERSTORE_CUSTOMERS.format(path=path, options=options), encoding="utf-8")
    customers = clean(tmp_path, run_date="2026-11-29").tables["customers"]
    raw = pd.read_csv(path).drop_duplicates("Customer ID")
    assert raw["Segment"].value_counts().to_dict() == {"Consumer": 409, "Corporate": 236, "Home Office": 148}
    want = raw.set_index("Customer ID")["Segment"].map(expected)
    got = customers.set_index("customer_id")["tier"]
    assert got.notna().all() and (got.sort_index() == want.sort_index()).all()
