"""Fixtures the test folders share: the real public exports, and the sample written and cleaned once per
session for each size (tests that change the files write their own)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("AFTERCARE_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
# The run date of every cleaned sample: later than any date the sample holds.
SAMPLE_RUN_DATE = "2026-11-29"


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real public exports not found at {REAL} (set AFTERCARE_REAL_DATA)")
    return REAL


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture(scope="session")
def sample_exports(tmp_path_factory):
    """``make(customers=300, seed=…, **options)`` → ``(raw folder, truth)``: the sample exports written once
    per session for each set of arguments (``truth`` as ``write_sample`` returns it; ``truth.json`` in the
    folder holds the same as JSON). The folder is shared: read it, do not change it."""
    from pipeline.sample import write_sample

    made: dict = {}

    def make(customers: int = 300, **options):
        key = (customers, tuple(sorted(options.items())))
        if key not in made:
            raw = tmp_path_factory.mktemp(f"sample_{customers}")
            made[key] = (raw, write_sample(raw, customers=customers, **options))
        return made[key]

    return make


@pytest.fixture(scope="session")
def sample_cleaned(sample_exports):
    """``make(customers=300, **options)`` → ``(truth, CleanResult)``: the sample cleaned once per session."""
    from pipeline.clean import clean

    made: dict = {}

    def make(customers: int = 300, **options):
        key = (customers, tuple(sorted(options.items())))
        if key not in made:
            raw, truth = sample_exports(customers, **options)
            made[key] = (truth, clean(raw, run_date=SAMPLE_RUN_DATE))
        return made[key]

    return make


@pytest.fixture(scope="session")
def sample_processed(sample_cleaned, tmp_path_factory):
    """``make(customers=300, **options)`` → ``(truth, tables)``: the cleaned sample written as processed
    tables and loaded back the way analysts load them."""
    from pipeline.processed import load_processed, write_processed

    made: dict = {}

    def make(customers: int = 300, **options):
        key = (customers, tuple(sorted(options.items())))
        if key not in made:
            truth, result = sample_cleaned(customers, **options)
            out = tmp_path_factory.mktemp(f"processed_{customers}")
            write_processed(result, out)
            made[key] = (truth, load_processed(out))
        return made[key]

    return make
