"""How often the planted cause-given-symptom probabilities fall inside their 95% intervals, over seeds,
on the sample's own phrasings and on phrasings rewritten by ``pipeline.sample.rephrase``.

    .venv/bin/python benchmarks/bench_cause_coverage.py --seeds 1 2 3 4 5 6

Target (issue 17): ≥ 90% of the planted (symptom, cause) probabilities inside their intervals,
over seeds, on the rewritten texts. Prints per seed and phrasing: the planted probabilities
checked, the share inside, the share of symptom texts left UNMAPPED and the dispatches the table
left out for an unmapped symptom or cause.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from pipeline.analyses.coding import planted_cause_coverage
from pipeline.clean import clean
from pipeline.sample import write_sample
from pipeline.sample.rephrase import rephrase_dispatch_exports


def coverage(raw: Path, truth: dict) -> dict:
    return planted_cause_coverage(clean(raw, run_date="2026-11-29").tables["dispatches"],
                                  truth["cause_given_symptom"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--customers", type=int, default=300)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            for phrasing in ("original", "rewritten"):
                raw = Path(tmp) / f"{phrasing}{seed}"
                raw.mkdir()
                truth = write_sample(raw, customers=args.customers, seed=seed)
                if phrasing == "rewritten":
                    rephrase_dispatch_exports(raw, seed)
                rows.append({"seed": seed, "phrasing": phrasing, **coverage(raw, truth)})
                print(rows[-1], flush=True)
    out = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print(out.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    pooled = out.groupby("phrasing")[["planted", "inside", "left_out"]].sum()
    pooled["coverage"] = pooled["inside"] / pooled["planted"]
    print("\npooled over seeds:")
    print(pooled.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
