"""The per-file cache key covers every module cleaning runs, found by following imports, not by a list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.clean import cache
from pipeline.ingest.sources import Source

PACKAGE = Path(cache.__file__).resolve().parents[1]


def _key(source: Source) -> str:
    return cache.cache_key(source, "0" * 64, run_date="2026-11-29", taxonomy_files=[PACKAGE / "clean" / "taxonomy.yml"])


def test_every_ingest_and_clean_module_is_covered():
    covered = set(cache.cleaning_modules())
    for stage in ("ingest", "clean"):
        for path in (PACKAGE / stage).glob("*.py"):
            name = f"pipeline.{stage}." + path.stem if path.stem != "__init__" else f"pipeline.{stage}"
            assert name in covered, name
    # and what they import from the other stages: the contract's declarations, the runtime helpers
    assert {"pipeline.contract.dispatches", "pipeline.runtime.text", "pipeline.errors"} <= covered
    # but not the report, which does not change a cleaned part
    assert not any(m.startswith("pipeline.report") for m in covered)


@pytest.fixture
def package_copy(tmp_path, monkeypatch):
    """The package copied, with the cache's module lookup pointed at the copy (so a test may edit it)."""
    copy = tmp_path / "pipeline"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_ROOT", copy)
    cache.cleaning_modules.cache_clear()
    yield copy
    cache.cleaning_modules.cache_clear()


def test_editing_any_cleaning_module_changes_the_key(package_copy):
    source = Source(path=Path("dispatches.csv"), name="dispatches.csv", table="dispatches")
    before = _key(source)
    assert _key(source) == before                                # the key is stable
    for module in cache.cleaning_modules():
        path = cache.module_path(module)
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        cache.cleaning_modules.cache_clear()
        assert _key(source) != before, f"editing {module} does not invalidate cached parts"
        path.write_bytes(original)
    cache.cleaning_modules.cache_clear()
    assert _key(source) == before


def test_a_new_module_imported_by_cleaning_is_covered_without_listing_it(package_copy):
    (package_copy / "clean" / "extra_rule.py").write_text("RULE = 1\n", encoding="utf-8")
    rows = package_copy / "clean" / "rows.py"
    rows.write_text(rows.read_text(encoding="utf-8") + "\nfrom pipeline.clean.extra_rule import RULE  # noqa\n",
                    encoding="utf-8")
    cache.cleaning_modules.cache_clear()
    assert "pipeline.clean.extra_rule" in cache.cleaning_modules()
