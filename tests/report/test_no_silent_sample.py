"""The sample is written only into the default, empty ``data/raw`` (issue 16, point 1): never beside a
user's exports, never into a folder the user named, and the run says so in one line when it does."""

from __future__ import annotations

import lzma
import zipfile

import pytest

from pipeline.errors import PipelineError
from pipeline.report.run import has_raw_data, prepare

CSV = "Order No,Order Date,Customer,Qty,Unit Price\nS1,2009-01-08,甲,2,10\nS2,2009-01-09,乙,1,10\n"


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_sources_yml_pointing_elsewhere_is_the_users_data(tmp_path):
    elsewhere = tmp_path / "exports" / "orders.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text(CSV, encoding="utf-8")
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "sources.yml").write_text(f"sources:\n  - path: \"{elsewhere}\"\n    table: sales\n", encoding="utf-8")
    said = []
    result, data, _period, _ = prepare(raw, tmp_path / "processed", sample_if_empty=True, run_date="2026-11-29",
                                       say=said.append)
    assert _files(raw) == ["sources.yml"] and said == []
    assert [f["path"] for f in result.manifest["files"]] == ["orders.csv"] and len(data["sales"]) == 2


@pytest.mark.parametrize("kind", ["xz", "zip"])
def test_compressed_exports_alone_are_the_users_data(tmp_path, kind):
    raw = tmp_path / "raw"
    raw.mkdir()
    if kind == "xz":
        (raw / "sales.csv.xz").write_bytes(lzma.compress(CSV.encode("utf-8")))
    else:
        with zipfile.ZipFile(raw / "sales.zip", "w") as z:
            z.writestr("sales.csv", CSV)
    assert has_raw_data(raw)
    before = _files(raw)
    result, data, _period, _ = prepare(raw, tmp_path / "processed", sample_if_empty=True, run_date="2026-11-29")
    assert _files(raw) == before and len(data["sales"]) == 2
    assert result.manifest["files"][0]["rows_read"] == 2


def test_an_empty_folder_the_user_named_gets_no_sample(tmp_path):
    raw = tmp_path / "my_exports"
    raw.mkdir()
    with pytest.raises(PipelineError, match="no raw exports .* and no sources.yml"):
        prepare(raw, tmp_path / "processed", sample_if_empty=True, run_date="2026-11-29")
    assert _files(raw) == []


def test_the_default_empty_raw_folder_gets_the_sample_and_the_run_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    raw = tmp_path / "data" / "raw"
    raw.mkdir(parents=True)
    said = []
    result, data, _period, _ = prepare(raw, tmp_path / "data" / "processed", sample_if_empty=True,
                                       run_date="2026-11-29", say=said.append)
    assert said == [f"{raw} held no exports: the sample exports were written there"]
    assert len(result.manifest["files"]) == 6 and len(data["dispatches"]) > 1000
    with pytest.raises(PipelineError):         # without the flag, even the default folder stays as it is
        empty = tmp_path / "other" / "data" / "raw"
        empty.mkdir(parents=True)
        monkeypatch.chdir(tmp_path / "other")
        prepare(empty, tmp_path / "other" / "processed", run_date="2026-11-29")
