"""docs/lifetimes.md is lifetimes' quickstart on CDNOW with only the import lines changed: run its
blocks in order, as an analyst would in one notebook, and check what they compute."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pipeline import clv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "lifetimes.md"

pytestmark = [pytest.mark.real]


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _run_cell(source: str, namespace: dict):
    """Run a block as Jupyter runs a cell: all statements, and the value of a final expression."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<docs/lifetimes.md>", "exec"), namespace)  # noqa: S102 - our own documentation
    value = eval(compile(ast.Expression(last.value), "<docs/lifetimes.md>", "eval"), namespace) if last else None  # noqa: S307
    plt.close("all")
    return value


def test_the_quickstart_changes_only_import_lines():
    """Outside the data cell, every line naming pipeline is an import that says what it replaces."""
    for block in _blocks()[1:]:
        for line in block.splitlines():
            if "pipeline" in line:
                assert line.startswith("from pipeline.clv") and "# lifetimes" in line, line


def test_the_quickstart_runs_and_gives_lifetimes_numbers(real_data, tmp_path, monkeypatch):
    cdnow = real_data / "cdnow_lifetimes"
    if not cdnow.exists():
        pytest.skip("CDNOW files not available")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    blocks = _blocks()
    assert len(blocks) >= 14
    blocks[0] = blocks[0].replace('Path("../shared/data/real/cdnow_lifetimes")', f"Path({str(cdnow)!r})")
    results = [_run_cell(block, namespace) for block in blocks]
    ns = namespace
    # the first fit: FHL 2005 on lifetimes' summary (r 0.243, alpha 4.414, a 0.793, b 2.426)
    assert list(results[1]["coef"].round(3)) == [0.243, 4.414, 0.793, 2.426]
    top = results[4]
    assert len(top) == 5 and top["predicted_purchases"].is_monotonic_increasing
    # the weekly summary from the integer-dated transactions (the int-date case), then calibration/holdout
    assert len(ns["summary"]) == 2357 and ns["summary"]["T"].max() == 39
    assert len(ns["summary_cal_holdout"]) == 2357
    assert 0 < float(results[8]) < 10
    # Gamma-Gamma (Fader & Hardie 2013: p 6.25, q 3.74, gamma 15.44) and a CLV per customer
    assert ns["ggf"].params_["p"] == pytest.approx(6.25, rel=0.01)
    loaded = results[-1]
    assert isinstance(loaded, clv.BetaGeo) and loaded.params_ == ns["bgf"].params_
    assert (tmp_path / "bgf.pkl").read_text().lstrip().startswith("{")
