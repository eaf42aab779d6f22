"""Free-text coding on the held-out half of the evaluation set: coverage, precision, errors.

The evaluation set (``tests/data/coding_eval/``, its README says how it was made) was written
without seeing the taxonomy's rules. The taxonomy's phrases and thresholds were tuned on its
tuning half only; this prints the held-out half (``--half tuning`` for the other one).

    .venv/bin/python benchmarks/bench_coding.py

Targets (issue 17): coverage ≥ 95% and precision ≥ 97% for both symptoms and causes.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from pipeline.analyses.coding import code_phrases, confusions, load_phrases, per_code, summary
from pipeline.clean.taxonomy import load_taxonomy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--half", default="heldout", choices=["heldout", "tuning"])
    args = ap.parse_args()
    phrases = load_phrases(half=args.half)
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    coded = code_phrases(phrases, taxonomy)
    seconds = time.perf_counter() - started
    pd.set_option("display.width", 160)
    pd.set_option("display.max_rows", 200)
    print(f"{args.half} half: {len(phrases)} texts coded in {seconds:.2f} s (model built on first use)\n")
    print(summary(coded).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print("\nper code (coverage over texts labelled with it, precision over texts coded as it):")
    print(per_code(coded).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    by_script = coded.groupby(["field", "script"]).agg(texts=("text", "size"), coverage=("covered", "mean"))
    print("\ncoverage per script:")
    print(by_script.to_string(float_format=lambda v: f"{v:.3f}"))
    print("\nerrors (label -> coded):")
    errors = confusions(coded)
    print(errors.to_string(index=False) if len(errors) else "none")
    print("\nby method:")
    print(coded.groupby(["field", "method"]).size().to_string())


if __name__ == "__main__":
    main()
