"""Benchmark data: the sample generator scaled to millions of rows, seeded, CSV and Parquet.

    .venv/bin/python benchmarks/generate.py --sales 1000000 --dispatches 1000000   # into benchmarks/out/
    .venv/bin/python benchmarks/generate.py --sales 10000000 --dispatches 1000000 --no-raw

Two kinds of data, both under ``OUT/<sales>_<dispatches>/``:

* ``raw/`` — raw exports for the ``clean`` job: rows of the seeded sample
  (:mod:`pipeline.sample`) in all their written forms (Traditional/Simplified, dotted and
  slashed dates, ``5*9``/``7x24x4``, two causes in a cell, planted bad rows), drawn at random with
  fresh ids (``benchmarks/bench_clean.py``'s generator), as CSV, plus the same files as Parquet
  (all columns text) in ``raw_parquet/``.
* ``processed/`` — processed-shaped ``sales.parquet`` and ``dispatches.parquet`` for the
  aggregation jobs, made directly with numpy (the sample has 300 customers; these have one per
  ten sales lines, 400 products, 20 symptoms and 30 causes), so that 10M lines take seconds.

``benchmarks/out/`` is git-ignored.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "benchmarks" / "out"

LEVELS = np.array(["5x9", "7x24x8", "7x24x4"])
RESPONSE_HOURS = {"5x9": 9.0, "7x24x8": 8.0, "7x24x4": 4.0}


def folder(sales: int, dispatches: int, out: Path = OUT) -> Path:
    return out / f"{sales}_{dispatches}"


def processed_sales(n: int, seed: int = 11, lines_per_customer: int = 10, products: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = max(n // lines_per_customer, 1)
    cust = np.sort(rng.integers(0, customers, n))          # lines grouped by customer, as orders are
    start = pd.Timestamp("2015-01-01").value // 86_400_000_000_000
    first = rng.integers(0, 9 * 365, customers)             # each customer's first day
    span = rng.exponential(700, customers).astype(np.int64)
    day = start + first[cust] + np.minimum((rng.random(n) * span[cust]).astype(np.int64), 10 * 365 - 1 - first[cust])
    seconds = rng.integers(8 * 3600, 19 * 3600, n)
    order_date = pd.to_datetime(day * 86_400 + seconds, unit="s")
    prod_weights = 1.0 / np.arange(1, products + 1) ** 0.9
    prod = rng.choice(products, n, p=prod_weights / prod_weights.sum())
    qty = rng.integers(1, 6, n).astype(float)
    price = np.round(rng.lognormal(5, 1, n), 2)
    is_return = rng.random(n) < 0.03
    qty[is_return] *= -1
    amount = np.round(qty * price, 2)
    ids = np.char.add("C", np.char.zfill(cust.astype(str), 7))
    return pd.DataFrame({
        "order_id": np.char.add("S", np.char.zfill((np.arange(n) // 3).astype(str), 8)),
        "line_no": (np.arange(n) % 3 + 1).astype(str),
        "customer_id": pd.Categorical(ids),
        "order_date": order_date.astype("datetime64[ns]"),
        "product_id": pd.Categorical(np.char.add("P", np.char.zfill(prod.astype(str), 4))),
        "quantity": qty, "unit_price": price, "amount": amount, "is_return": is_return,
    })


def processed_dispatches(n: int, seed: int = 12, customers: int = 100_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2015-01-01").value // 1_000_000_000
    reported = start + rng.integers(0, 10 * 365 * 86_400, n)
    level_i = rng.choice(3, n, p=[0.6, 0.25, 0.15])
    target = np.array([RESPONSE_HOURS[v] for v in LEVELS])[level_i]
    arrive_h = rng.gamma(2.0, target / 2.2)
    arrived = reported + (arrive_h * 3600).astype(np.int64)
    closed = arrived + (rng.gamma(2.0, 3.0, n) * 3600).astype(np.int64)
    open_ = rng.random(n) < 0.01
    symptoms = np.array([f"SYM{i:02d}" for i in range(20)])
    causes = np.array([f"CAU{i:02d}" for i in range(30)])
    sym_i = rng.integers(0, 20, n)
    c1 = (sym_i + rng.integers(0, 6, n)) % 30                # causes depend on the symptom
    two = rng.random(n) < 0.15
    c2 = (c1 + 1 + rng.integers(0, 29, n)) % 30
    code_lists = [[causes[a], causes[b]] if t else [causes[a]] for a, b, t in zip(c1, c2, two)]
    frame = pd.DataFrame({
        "ticket_id": np.char.add("T", np.char.zfill(np.arange(n).astype(str), 9)),
        "customer_id": pd.Categorical(np.char.add("C", np.char.zfill(rng.integers(0, customers, n).astype(str), 7))),
        "reported_at": pd.to_datetime(reported, unit="s").astype("datetime64[ns]"),
        "arrived_at": pd.to_datetime(np.where(open_, np.iinfo(np.int64).min, arrived * 1_000_000_000)).astype(
            "datetime64[ns]"),
        "closed_at": pd.to_datetime(np.where(open_, np.iinfo(np.int64).min, closed * 1_000_000_000)).astype(
            "datetime64[ns]"),
        "service_level": pd.Categorical(LEVELS[level_i]),
        "symptom_code": pd.Categorical(symptoms[sym_i]),
        "cause_codes": code_lists,
        "visits": rng.integers(1, 4, n),
    })
    return frame


def write_raw(dest: Path, sales: int, dispatches: int, seed: int) -> dict:
    """Raw CSV exports (the scaled sample) and the same as all-text Parquet."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from benchmarks.bench_clean import generate

    files = generate(dest, sales=sales, dispatches=dispatches, seed=seed)
    (dest / "raw_parquet").mkdir(exist_ok=True)
    for path in files.values():
        with open(path, "rb") as fh:
            import csv
            header = next(csv.reader([fh.readline().decode("utf-8-sig")]))
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types={h: pa.string() for h in header}))
        pq.write_table(table, dest / "raw_parquet" / (path.stem + ".parquet"))
    return files


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sales", type=int, default=1_000_000)
    ap.add_argument("--dispatches", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--no-raw", action="store_true", help="only the processed-shaped tables")
    args = ap.parse_args(argv)
    dest = ensure(args.sales, args.dispatches, seed=args.seed, out=args.out, raw=not args.no_raw)
    print(dest)
    return 0


def ensure(sales: int, dispatches: int, *, seed: int = 7, out: Path = OUT, raw: bool = True) -> Path:
    """Generate once; a folder already complete is reused (the data is seeded)."""
    dest = folder(sales, dispatches, out)
    (dest / "processed").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not (dest / "processed" / "sales.parquet").exists():
        processed_sales(sales, seed).to_parquet(dest / "processed" / "sales.parquet", index=False,
                                                row_group_size=1_000_000)
    if not (dest / "processed" / "dispatches.parquet").exists():
        processed_dispatches(dispatches, seed + 1).to_parquet(dest / "processed" / "dispatches.parquet", index=False,
                                                              row_group_size=1_000_000)
    if raw and not (dest / "raw_parquet").exists():
        if (dest / "raw").exists():
            import shutil
            shutil.rmtree(dest / "raw")
        write_raw(dest, sales, dispatches, seed)
    print(f"data in {dest} ({time.perf_counter() - started:.0f} s to generate)", file=sys.stderr)
    return dest


if __name__ == "__main__":
    raise SystemExit(main())
