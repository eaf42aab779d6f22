"""The dask engine gives the same processed tables and accounting as pandas (issue 9)."""

import json

import pandas as pd
import pytest

pytest.importorskip("distributed")

from pipeline.clean import clean
from pipeline.clean.engine import check_engine, open_engine  # noqa: E402
from pipeline.contract import PROCESSED_COLUMNS  # noqa: E402
from pipeline.errors import PipelineError  # noqa: E402
from pipeline.processed import load_processed, write_processed
from pipeline.runtime.progress import format_stages  # noqa: E402

RUN_DATE = "2026-11-29"
ACCOUNTING = ("path", "table", "sha256", "rows_read", "rows_kept", "rows_rejected", "duplicates",
              "rejected_by_reason", "encoding", "columns", "warnings")


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    from pipeline.sample import write_sample

    root = tmp_path_factory.mktemp("engines")
    raw = root / "raw"
    write_sample(raw, customers=80)
    out = {}
    with open_engine("dask") as engine:
        assert engine.scheduler.startswith("tcp://127.0.0.1:")       # localhost only
        info = engine.client.scheduler_info()
        assert len(info["workers"]) == 2
        assert all(addr.startswith("tcp://127.0.0.1:") for addr in info["workers"])
        out["dask"] = clean(raw, run_date=RUN_DATE, engine=engine)
    out["pandas"] = clean(raw, run_date=RUN_DATE, engine="pandas")
    for name, result in out.items():
        write_processed(result, root / name)
    return root, out


def test_processed_tables_are_identical(both):
    root, out = both
    for table in [*PROCESSED_COLUMNS]:
        pd.testing.assert_frame_equal(out["pandas"].tables[table], out["dask"].tables[table], obj=table)
    pd.testing.assert_frame_equal(out["pandas"].rejects, out["dask"].rejects, obj="rejects")
    pd.testing.assert_frame_equal(out["pandas"].customer_names, out["dask"].customer_names, obj="customer_names")
    # and as written: single files for pandas, partitioned folders for dask, read back equal
    assert (root / "pandas" / "sales.parquet").is_file()
    assert (root / "dask" / "sales.parquet").is_dir()
    assert pd.read_parquet(root / "dask" / "sales.parquet").shape == out["pandas"].tables["sales"].shape
    loaded = {name: load_processed(root / name) for name in ("pandas", "dask")}
    for table, frame in loaded["pandas"].items():
        pd.testing.assert_frame_equal(frame, loaded["dask"][table], obj=f"loaded {table}")


def test_manifest_accounting_is_identical(both):
    root, out = both
    manifests = {name: json.loads((root / name / "manifest.json").read_text(encoding="utf-8")) for name in out}
    files = {name: [{k: f.get(k) for k in ACCOUNTING} for f in m["files"]] for name, m in manifests.items()}
    assert files["pandas"] == files["dask"]
    assert manifests["pandas"]["tables"] == manifests["dask"]["tables"]
    assert manifests["dask"]["engine"] == "dask" and manifests["pandas"]["engine"] == "pandas"
    for m in manifests.values():
        f = m["files"]
        assert all(e["rows_read"] == e["rows_kept"] + e["rows_rejected"] + e["duplicates"] for e in f)


def test_stages_summary(both):
    _root, out = both
    stages = out["pandas"].manifest["stages"]
    names = [s["stage"] for s in stages]
    assert names[0].startswith("discover") and "read + clean (pandas)" in names and "de-duplicate" in names
    assert all(s["seconds"] >= 0 for s in stages)
    read = next(s for s in stages if s["stage"].startswith("read + clean"))
    assert read["rows"] == sum(f["rows_read"] for f in out["pandas"].manifest["files"])
    text = format_stages(stages)
    assert "rows/s" in text and "total" in text


def test_engine_choices():
    assert check_engine(None) == "pandas"
    with pytest.raises(PipelineError, match="unknown engine"):
        check_engine("spark")
    with pytest.raises(PipelineError, match="--engine dask"):
        check_engine("pandas", "tcp://127.0.0.1:8786")


def test_unreachable_scheduler_is_one_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="cannot reach the Dask scheduler"):
        with open_engine("dask", "tcp://127.0.0.1:9"):
            pass


def test_cli_engine_flags(tmp_path, capsys):
    from pipeline.cli import build_parser, main

    args = build_parser().parse_args(["clean", "--engine", "dask", "--scheduler", "tcp://10.0.0.5:8786"])
    assert (args.engine, args.scheduler) == ("dask", "tcp://10.0.0.5:8786")
    args = build_parser().parse_args(["report", "--engine", "dask"])
    assert (args.engine, args.scheduler) == ("dask", None)
    # a scheduler without the dask engine: one clear message, exit 2
    assert main(["clean", "--raw", str(tmp_path), "--out", str(tmp_path / "p"), "--scheduler", "tcp://x:1"]) == 2
    assert "--engine dask" in capsys.readouterr().err
