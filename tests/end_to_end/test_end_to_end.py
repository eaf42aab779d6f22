"""sample-data → clean → report on a small sample, checked through the rendered documents."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.slow
RUN_DATE = "2026-11-29"


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"pipeline {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    raw, processed, reports = root / "raw", root / "processed", root / "reports"
    cli("sample-data", "--out", str(raw), "--seed", "7", "--customers", "60")
    cli("report", "--raw", str(raw), "--processed", str(processed), "--out", str(reports), "--run-date", RUN_DATE)
    return {"raw": raw, "processed": processed, "reports": reports, "report": reports / "2009Q4"}


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_report_documents_exist_for_the_latest_complete_quarter(run):
    report = run["report"]
    assert (report / "report.html").stat().st_size > 10_000
    assert (report / "report.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in (report / "notebooks").glob("*.ipynb")) == [
        "01_data_quality.ipynb", "02_service.ipynb", "03_customer_value.ipynb", "04_lifecycle.ipynb",
        "05_conclusions.ipynb"]


def test_pdf_has_the_chapters_and_numbers_computed_from_the_data(run):
    text = pdf_text(run["report"] / "report.pdf")
    for title in ("The Data and Its Quality", "After-Sales Service", "Customer Value and Segmentation",
                  "The Customer Lifecycle", "Conclusions", "Provenance"):
        assert title in text, title
    manifest = json.loads((run["processed"] / "manifest.json").read_text(encoding="utf-8"))
    rows_read = sum(f["rows_read"] for f in manifest["files"])
    assert f"with {rows_read:,} rows" in " ".join(text.split())
    # the provenance appendix names every input by its SHA-256
    flat = text.replace("\n", "")
    for f in manifest["files"]:
        assert f["sha256"][:16] in flat, f["path"]
    # the thesis's table 4-1, cleaned, in its appendix with its codes (a two-cause cell gives two)
    flat_text = " ".join(text.split())
    assert "Appendix D Thesis table 4-1, cleaned" in flat_text
    html = (run["report"] / "report.html").read_text(encoding="utf-8")
    assert "<td>MOTHERBOARD + MEMORY</td>" in html and "<td>4個HDD黃燈常亮</td>" in html
    # ... and the versions of the packages the numbers depend on
    from importlib.metadata import version
    assert "Software versions" in text and version("pandas") in text and version("scipy") in text
    # the breach count in the SLA table is recomputed from the processed dispatches
    sla = pd.read_csv(run["report"] / "tables" / "sla_compliance.csv", encoding="utf-8-sig")
    d = pd.read_parquet(run["processed"] / "dispatches.parquet")
    in_q4 = d[(d["reported_at"] >= "2009-10-01") & (d["reported_at"] < "2010-01-01") & d["service_level"].notna()]
    assert sla["dispatches"].sum() == len(in_q4)
    assert "2009Q4" in text


def test_html_is_self_contained_and_has_no_code(run):
    from bs4 import BeautifulSoup

    html = (run["report"] / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script", src=True)
    linked = [tag.get(attr) for tag in soup.find_all(True) for attr in ("src", "href") if tag.get(attr)]
    assert linked and all(link.startswith(("data:", "#")) for link in linked), [
        link for link in linked if not link.startswith(("data:", "#"))][:5]
    text = soup.get_text()
    assert "open_chapter(" not in text and "import " not in text
    assert len(soup.select('img[src^="data:image/png;base64,"]')) >= 5


def test_contract_tables_are_written_with_their_columns(run):
    tables = run["report"] / "tables"
    expected = {
        "sla_compliance.csv": ["service_level", "dispatches", "breaches", "breach_rate", "ci_low", "ci_high"],
        "first_time_fix.csv": ["group", "dispatches", "first_time_fixes", "rate"],
        "cause_given_symptom.csv": ["symptom_code", "cause_code", "dispatches", "probability", "ci_low", "ci_high"],
        "parts_kit.csv": ["symptom_code", "part_1", "part_2", "kit_coverage"],
        "customer_value.csv": ["customer_id", "historical_value", "current_value", "potential_value", "clv",
                               "p_alive", "rfm_segment", "cluster", "value_type"],
        "model_parameters.csv": ["model", "parameter", "estimate", "ci_low", "ci_high"],
        "cohort_retention.csv": ["cohort", "period_index", "customers", "retained", "rate"],
    }
    for name, columns in expected.items():
        raw = (tables / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name        # BOM: Excel opens Chinese correctly
        frame = pd.read_csv(tables / name, encoding="utf-8-sig")
        assert set(columns) <= set(frame.columns), (name, frame.columns.tolist())
        assert len(frame) > 0, name
    ftf = pd.read_csv(tables / "first_time_fix.csv", encoding="utf-8-sig")
    assert "all" in ftf["group"].tolist()


def test_manifest_accounts_for_every_row_of_every_file(run):
    manifest = json.loads((run["processed"] / "manifest.json").read_text(encoding="utf-8"))
    truth = json.loads((run["raw"] / "truth.json").read_text(encoding="utf-8"))
    assert len(manifest["files"]) == 6
    for f in manifest["files"]:
        assert f["rows_read"] == f["rows_kept"] + f["rows_rejected"] + f["duplicates"], f
        q = truth["quirks"][f["path"]]
        assert f["rows_read"] == q["rows_read"], f["path"]
        assert f["duplicates"] == q["exact_duplicates"], f["path"]
        expected = {}
        for r in q["rejects"]:
            expected[r["reason"]] = expected.get(r["reason"], 0) + 1
        assert f["rejected_by_reason"] == expected, f["path"]


def test_bad_period_is_one_clear_line(run):
    proc = cli("report", "--raw", str(run["raw"]), "--processed", str(run["processed"]), "--out",
               str(run["reports"]), "--period", "2009Q5", "--no-pdf", check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error:") and "2009Q5" in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
