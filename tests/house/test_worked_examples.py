"""The README's worked sources.yml are the files in docs/examples/ that the real-export tests and
benchmarks/bench_real.py run: shown once, kept true by running them."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_readme_shows_every_worked_example_as_its_file_says():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.strip() for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)]
    examples = sorted((ROOT / "docs" / "examples").glob("*.sources.yml"))
    assert len(examples) >= 6
    for path in examples:
        text = path.read_text(encoding="utf-8").strip()
        assert text in blocks, f"README.md does not show {path.name} as it is"
        entries = yaml.safe_load(text)["sources"]
        assert all("/" not in e["path"] for e in entries)      # a file name in the raw folder, not a path


def test_every_worked_example_is_benchmarked():
    from benchmarks.bench_real import EXPORTS

    names = {p.name.removesuffix(".sources.yml") for p in (ROOT / "docs" / "examples").glob("*.sources.yml")}
    assert names == set(EXPORTS)
