"""Assign the `half` column of phrases.csv (tuning / heldout), once.

Rule (standard library only, deterministic):
  * strata are (field, codes), with `codes` taken literally (so
    "MOTHERBOARD+MEMORY" and "MEMORY+MOTHERBOARD" are different strata);
  * within a stratum, of n texts ceil(n/2) go to `heldout` and floor(n/2) to
    `tuning` (odd counts: the extra one goes to heldout);
  * rows with variation `thesis` always go to `heldout` and take heldout
    places first (if a stratum had more thesis rows than ceil(n/2), they would
    all still be heldout);
  * the remaining rows are sorted by id, shuffled with one
    random.Random(20261202) shared across strata (strata visited in sorted
    order), and the first ones fill the remaining heldout places.

Usage:  python tests/data/coding_eval/split.py            # rewrite phrases.csv
        python tests/data/coding_eval/split.py --check    # verify only
"""

import csv
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261202
PATH = Path(__file__).with_name("phrases.csv")
FIELDS = ["id", "field", "text", "codes", "script", "variation", "half"]


def assign(rows):
    """Return {id: half} for the given rows (dicts with id/field/codes/variation)."""
    strata = defaultdict(list)
    for row in rows:
        strata[(row["field"], row["codes"])].append(row)
    rng = random.Random(SEED)
    halves = {}
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda r: r["id"])
        n = len(members)
        n_heldout = n - n // 2
        thesis = [r for r in members if r["variation"] == "thesis"]
        others = [r for r in members if r["variation"] != "thesis"]
        for r in thesis:
            halves[r["id"]] = "heldout"
        rng.shuffle(others)
        remaining = max(0, n_heldout - len(thesis))
        for i, r in enumerate(others):
            halves[r["id"]] = "heldout" if i < remaining else "tuning"
    return halves


def main(argv):
    with PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    halves = assign(rows)
    if "--check" in argv:
        bad = [r["id"] for r in rows if r["half"] != halves[r["id"]]]
        if bad:
            print(f"{len(bad)} rows differ from the split rule, e.g. {bad[:5]}")
            return 1
        print(f"ok: {len(rows)} rows match the split rule")
        return 0
    for r in rows:
        r["half"] = halves[r["id"]]
    with PATH.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    counts = defaultdict(int)
    for r in rows:
        counts[r["half"]] += 1
    print(dict(sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
