"""The worked examples of docs/examples/ (the sources.yml the README shows) set up on the real exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_real import EXAMPLES, EXPORTS


def example_raw(real_data: Path, folder: Path, name: str) -> Path:
    """A raw folder for the worked example ``name``: its sources.yml, and its real files as symlinks
    (never copies). Skips when a file is absent."""
    files, _period = EXPORTS[name]
    raw = folder / "raw"
    raw.mkdir(parents=True)
    for f in files:
        if not (real_data / f).exists():
            pytest.skip(f"{real_data / f} not found")
        (raw / Path(f).name).symlink_to(real_data / f)
    (raw / "sources.yml").write_text((EXAMPLES / f"{name}.sources.yml").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    return raw
