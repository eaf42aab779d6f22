"""Data safety end to end: hostile data stays text, failures leave the last good report, reruns repeat."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from pipeline.errors import PipelineError
from pipeline.report.notebooks import NOTEBOOK_DIR, validate_parameters

RUN_DATE = "2026-11-29"
HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", r"\input{/etc/passwd}",
           r"\immediate\write18{touch PWNED}", r"\def\x{\x}\x", "}{", r"& % $ # _ ~ ^ \ 【測試】", "{fig:evil}",
           "=HYPERLINK(\"http://x\")"]


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file but timings.json (seconds per stage differ from run to run by nature)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "timings.json"}


@pytest.mark.parametrize("name", ["x=1\nimport os", "__import__('os')", "class", "not_declared", "1x"])
def test_papermill_parameter_names_are_checked_before_any_kernel(name):
    with pytest.raises(PipelineError):
        validate_parameters(NOTEBOOK_DIR / "01_data_quality.ipynb", {name: "x"})


def test_parameter_values_must_be_strings():
    with pytest.raises(PipelineError, match="must be a string"):
        validate_parameters(NOTEBOOK_DIR / "01_data_quality.ipynb", {"period": 7})
    assert validate_parameters(NOTEBOOK_DIR / "01_data_quality.ipynb", {"period": "007"}) == {"period": "007"}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    raw, processed, reports = root / "raw", root / "processed", root / "reports"
    assert cli("sample-data", "--out", str(raw), "--customers", "40", "--seed", "3").returncode == 0
    rows = ["派單號,報修時間,完成時間,客戶名稱,服務級別,故障現象,故障原因"]
    for i, text in enumerate(HOSTILE):
        quoted = '"' + text.replace('"', '""') + '"'
        rows.append(f"H{i},2009.11.0{i % 9 + 1} 10:00,2009.11.0{i % 9 + 1} 15:00,{quoted},5*9,{quoted},{quoted}")
    (raw / "$(touch PWNED) dispatches_hostile.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    before = digest(raw)
    args = ("report", "--raw", str(raw), "--processed", str(processed), "--out", str(reports), "--run-date",
            RUN_DATE, "--period", "2009Q4")
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    html_first = (reports / "2009Q4" / "report.html").read_bytes()
    pdf_first = (reports / "2009Q4" / "report.pdf").read_bytes()
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    return {"root": root, "raw": raw, "processed": processed, "reports": reports, "args": args,
            "raw_before": before, "html_first": html_first, "pdf_first": pdf_first}


@pytest.mark.slow
def test_hostile_values_are_text_in_the_html(hostile_run):
    html = (hostile_run["reports"] / "2009Q4" / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script")
    assert not [a for tag in soup.find_all(True) for a in tag.attrs if a.lower().startswith("on")]
    text = soup.get_text()
    for value in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", r"\input{/etc/passwd}", "{fig:evil}"):
        assert value in text, value


@pytest.mark.slow
def test_hostile_values_are_text_in_the_pdf(hostile_run):
    pdf = hostile_run["reports"] / "2009Q4" / "report.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert r"\input{/etc/passwd}" in text
    assert "root:x:0:0" not in text
    assert not (hostile_run["root"] / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.slow
def test_csv_exports_neutralise_formulas(hostile_run):
    tables = hostile_run["reports"] / "2009Q4" / "tables"
    found = False
    for path in tables.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith(("=", "+", "@")), (path.name, cell)
        found |= "HYPERLINK" in text
    assert found


@pytest.mark.slow
def test_raw_files_are_never_modified(hostile_run):
    assert digest(hostile_run["raw"]) == hostile_run["raw_before"]


@pytest.mark.slow
def test_same_inputs_give_identical_documents_and_tables(hostile_run):
    report = hostile_run["reports"] / "2009Q4"
    assert report.joinpath("report.html").read_bytes() == hostile_run["html_first"]
    assert report.joinpath("report.pdf").read_bytes() == hostile_run["pdf_first"]


@pytest.mark.slow
def test_a_failing_notebook_leaves_the_last_good_report(hostile_run, tmp_path):
    broken = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, broken)
    book = nbformat.read(broken / "02_service.ipynb", as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('planted failure')"))
    nbformat.write(book, broken / "02_service.ipynb")
    report = hostile_run["reports"] / "2009Q4"
    good = digest(report)
    proc = cli(*hostile_run["args"], env={"AFTERCARE_NOTEBOOKS": str(broken)})
    assert proc.returncode == 2
    assert "02_service.ipynb" in proc.stderr and "cell" in proc.stderr and "planted failure" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert digest(report) == good                       # the previous report is untouched
    kept = hostile_run["reports"] / ".failed" / "2009Q4" / "02_service.ipynb"
    assert kept.exists() and "planted failure" in kept.read_text(encoding="utf-8")
    leftovers = [p.name for p in hostile_run["reports"].iterdir() if p.name.startswith(".2009Q4")]
    assert leftovers == []


def test_killed_clean_leaves_the_previous_tables(tmp_path):
    """SIGKILL at several moments of a clean: the folder always holds one complete, readable run."""
    import signal
    import time

    raw, out = tmp_path / "raw", tmp_path / "processed"
    assert cli("sample-data", "--out", str(raw), "--customers", "150").returncode == 0
    assert cli("clean", "--raw", str(raw), "--out", str(out), "--run-date", RUN_DATE).returncode == 0
    good = digest(out)
    for delay in (0.3, 0.8, 1.3, 1.8):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline", "clean", "--raw", str(raw), "--out", str(out),
                                 "--run-date", RUN_DATE], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["files"] and digest(out) == good
    assert cli("clean", "--raw", str(raw), "--out", str(out), "--run-date", RUN_DATE).returncode == 0
    assert digest(out) == good
