"""The planted cause-given-symptom distributions, recovered from free text the coder was not written
from: the sample's dispatch texts rewritten by ``pipeline.sample.rephrase`` (synonyms, English,
both scripts, Taiwan vocabulary, typos), a generator written without seeing the taxonomy."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analyses import service
from pipeline.clean import clean
from pipeline.sample import write_sample
from pipeline.sample.rephrase import rephrase_dispatch_exports

SEEDS = (1, 2)


def _coverage(raw, truth) -> tuple[float, float]:
    d = clean(raw, run_date="2026-11-29").tables["dispatches"]
    table = service.cause_given_symptom(d, first_only=True)
    planted = truth["cause_given_symptom"]
    hits = [(row.ci_low <= p <= row.ci_high) for row in table.itertuples()
            if (p := planted.get(row.symptom_code, {}).get(row.cause_code, 0.0)) > 0]
    with_text = d["symptom_text"].notna()
    return pd.Series(hits).mean(), (d.loc[with_text, "symptom_code"] == "UNMAPPED").mean()


@pytest.mark.slow
def test_planted_causes_fall_inside_their_intervals_on_rewritten_texts(tmp_path):
    """Measured 2026-12-02 (300 customers): 87.8% and 85.4% of the 41 planted (symptom, cause)
    probabilities inside their 95% intervals on seeds 1 and 2, against 92.7% on the sample's own
    phrasings; 9% of rewritten symptom texts stay UNMAPPED. Issue 17 asks for ≥ 90%: not reached."""
    coverage, unmapped = [], []
    for seed in SEEDS:
        raw = tmp_path / f"raw{seed}"
        raw.mkdir()
        truth = write_sample(raw, customers=300, seed=seed)
        assert sum(rephrase_dispatch_exports(raw, seed).values()) > 1000
        c, u = _coverage(raw, truth)
        coverage.append(c)
        unmapped.append(u)
    assert min(coverage) >= 0.8, coverage
    assert max(unmapped) <= 0.12, unmapped
