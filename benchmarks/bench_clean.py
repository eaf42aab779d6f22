"""Benchmark: clean 1,000,000 sales lines and 200,000 dispatches; rows per second and peak memory.

    .venv/bin/python benchmarks/bench_clean.py                                   # 1,000,000 + 200,000
    .venv/bin/python benchmarks/bench_clean.py --sales 100000 --dispatches 20000  # quick run

The raw files are made from the seeded sample (``pipeline.sample``): its rows, in all their
written forms (Traditional/Simplified, dotted and slashed dates, ``5*9``/``7x24x4``, two causes in a
cell, planted bad rows), are drawn at random with fresh ids until the wanted size, and written to a
temporary folder as the sample writes them (dispatches UTF-8 with BOM; sales as CSV). Timings:

* the I/O floor: ``pyarrow.csv`` reading the same files with every column as text;
* ``clean()`` in a fresh child process, so its peak resident memory (``ru_maxrss``) is its own;
* a second ``clean(cache_dir=…)`` after ``write_processed``: nothing changed, nothing parsed again.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _templates(seed: int, customers: int, work: Path):
    import openpyxl

    from pipeline.sample import write_sample

    sample = work / "sample"
    write_sample(sample, seed=seed, customers=customers)
    with open(sample / "dispatches_2007_2008.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    d_header, d_rows = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    wb = openpyxl.load_workbook(sample / "sales_2007_2009.xlsx", read_only=True, data_only=True)
    values = [["" if v is None else str(v) for v in row] for row in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    h = next(i for i, r in enumerate(values) if "Order No" in r)
    s_header = values[h]
    s_rows = [r for r in values[h + 1:] if any(r) and r[0] not in ("合計", "合计", "Total")]
    return d_header, d_rows, s_header, s_rows


# an export larger than the pipeline's file-size guard (1 GiB) is refused; real exports of this size
# come one file per period, so larger runs are written in parts of at most this many lines
LINES_PER_FILE = 2_000_000


def _parts(name: str, lines: int) -> list[tuple[str, int, int]]:
    """(file name, first line, end line) for ``lines`` lines of table ``name``."""
    if lines <= LINES_PER_FILE:
        return [(f"{name}.csv", 0, lines)]
    starts = range(0, lines, LINES_PER_FILE)
    return [(f"{name}_part{k + 1:02d}.csv", a, min(a + LINES_PER_FILE, lines)) for k, a in enumerate(starts)]


def generate(out: Path, *, sales: int, dispatches: int, seed: int = 7, customers: int = 300) -> dict:
    """Write ``dispatches.csv`` and ``sales.csv`` of the wanted sizes into ``out/raw`` (in parts of
    :data:`LINES_PER_FILE` lines when larger). Returns {file stem: path}."""
    rng = np.random.default_rng(seed)
    d_header, d_rows, s_header, s_rows = _templates(seed, customers, out)
    out.mkdir(parents=True, exist_ok=True)
    raw = out / "raw"
    raw.mkdir()
    files = {}

    def dispatch_ids(row, i):
        row[0] = f"B{i:08d}"

    def sales_ids(row, i):
        row[0], row[1] = f"S{i // 3:08d}", str(i % 3 + 1)

    # dispatches first, then sales: the draws from `rng` keep the order of the single-file version
    for table, lines, header, rows, encoding, fresh_ids in (
            ("dispatches", dispatches, d_header, d_rows, "utf-8-sig", dispatch_ids),
            ("sales", sales, s_header, s_rows, "utf-8", sales_ids)):
        for file_name, a, b in _parts(table, lines):
            with open(raw / file_name, "w", encoding=encoding, newline="") as fh:
                w = csv.writer(fh)
                w.writerow(header)
                for i, k in zip(range(a, b), rng.integers(0, len(rows), b - a)):
                    row = list(rows[k])
                    fresh_ids(row, i)
                    w.writerow(row)
            files[Path(file_name).stem] = raw / file_name
    return files


def io_floor(files: dict) -> float:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    started = time.perf_counter()
    for path in files.values():
        with open(path, "rb") as fh:
            header = next(csv.reader([fh.readline().decode("utf-8-sig")]))
        pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header}))
    return time.perf_counter() - started


CHILD = """
import json, resource, sys, time
from pipeline.clean import clean
from pipeline.processed import write_processed
raw, out, cache = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
started = time.perf_counter()
result = clean(raw, run_date="2026-11-29", cache_dir=(out + "/.cache") if cache else None)
cleaned = time.perf_counter() - started
write_processed(result, out)
print(json.dumps({"clean_s": cleaned, "total_s": time.perf_counter() - started,
                  "rows_read": sum(f["rows_read"] for f in result.manifest["files"]),
                  "files": [{k: f[k] for k in ("path", "rows_read", "rows_kept", "rows_rejected", "duplicates")}
                            for f in result.manifest["files"]],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(raw: Path, out: Path, cache: bool) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(raw), str(out), "1" if cache else "0"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=1_000_000)
    ap.add_argument("--dispatches", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_clean.") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        files = generate(work, sales=args.sales, dispatches=args.dispatches, seed=args.seed)
        size = sum(p.stat().st_size for p in files.values()) / 1e6
        print(f"generated {args.sales:,} sales lines + {args.dispatches:,} dispatches ({size:.0f} MB) "
              f"in {time.perf_counter() - started:.1f} s")
        floor = io_floor(files)
        rows = args.sales + args.dispatches
        print(f"I/O floor (pyarrow.csv, all columns text): {floor:.1f} s = {rows / floor:,.0f} rows/s")
        first = run_child(work / "raw", work / "processed", cache=True)
        print(f"clean(): {first['clean_s']:.1f} s = {first['rows_read'] / first['clean_s']:,.0f} rows/s "
              f"(with write_processed {first['total_s']:.1f} s); peak memory {first['peak_rss_mb']:,.0f} MB")
        for f in first["files"]:
            print(f"  {f['path']}: read {f['rows_read']:,} = kept {f['rows_kept']:,} + rejected "
                  f"{f['rows_rejected']:,} + duplicates {f['duplicates']:,}")
        second = run_child(work / "raw", work / "processed", cache=True)
        print(f"clean() again, nothing changed (cache): {second['clean_s']:.1f} s; "
              f"peak memory {second['peak_rss_mb']:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
