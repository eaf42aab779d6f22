"""Truth recovery: the service analyses recover what the sample generator planted (``truth.json``)."""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest

from pipeline.analyses import service
from pipeline.analyses.service import sla

MIN_DISPATCHES = 30          # "enough data" for a symptom
MAJOR_SHARE = 0.10           # a major symptom: at least 10% of the dispatches


@pytest.fixture(scope="module")
def sample(sample_exports, sample_cleaned):
    raw, _ = sample_exports(300)
    truth = json.loads((raw / "truth.json").read_text(encoding="utf-8"))
    return truth, sample_cleaned(300)[1].tables["dispatches"]


def planted_kit_coverage(dist: dict, cause_parts: dict, second_rate: float, kit: set) -> float:
    """P(all needed parts ⊆ kit) under the generator: first cause ~ dist; with ``second_rate`` a
    second cause drawn from dist without the first; need = parts of both."""
    total = 0.0
    for first, p in dist.items():
        need1 = set(cause_parts[first])
        total += p * (1 - second_rate) * (need1 <= kit)
        rest = {c: q for c, q in dist.items() if c != first}
        norm = sum(rest.values())
        for second, q in rest.items():
            total += p * second_rate * q / norm * ((need1 | set(cause_parts[second])) <= kit)
    return total


def planted_best_kit(dist: dict, cause_parts: dict, second_rate: float, max_parts: int = 2):
    parts = sorted({p for c in dist for p in cause_parts[c]})
    ranked = []
    for size in range(min(max_parts, len(parts)) + 1):
        for kit in itertools.combinations(parts, size):
            ranked.append((planted_kit_coverage(dist, cause_parts, second_rate, set(kit)), -size, kit))
    ranked.sort(reverse=True)
    return ranked


def test_cause_probabilities_within_intervals(sample):
    truth, d = sample
    est = service.cause_given_symptom(d, first_only=True, min_dispatches=MIN_DISPATCHES)
    planted = truth["cause_given_symptom"]
    est = est[est["symptom_code"].isin(planted)]
    rows = []
    for r in est.itertuples():
        p = planted[r.symptom_code].get(r.cause_code, 0.0)
        if p == 0 and r.dispatches == 0:
            continue                      # a cause never planted and never seen: nothing to compare
        rows.append((r.symptom_code, r.cause_code, p, r.ci_low, r.ci_high))
    cmp = pd.DataFrame(rows, columns=["symptom", "cause", "planted", "low", "high"])
    inside = (cmp["planted"] >= cmp["low"]) & (cmp["planted"] <= cmp["high"])
    print(f"cause|symptom pairs compared: {len(cmp)}, inside 95% interval: {inside.sum()} ({inside.mean():.1%})")
    assert len(cmp) >= 30
    assert est["symptom_code"].nunique() == len(planted)
    assert inside.mean() >= 0.90, cmp[~inside]


def test_mention_probabilities_consistent_with_first_cause(sample):
    """The default (all mentions) estimate differs from the first-cause one only a little (8% have two)."""
    _, d = sample
    a = service.cause_given_symptom(d, min_dispatches=MIN_DISPATCHES).set_index(["symptom_code", "cause_code"])
    b = service.cause_given_symptom(d, first_only=True, min_dispatches=MIN_DISPATCHES).set_index(
        ["symptom_code", "cause_code"])
    diff = (a["probability"] - b["probability"]).abs()
    assert diff.max() < 0.05
    assert (b["mentions"] == b["symptom_dispatches"]).all()


def test_cag_accuracy_recovered(sample):
    truth, d = sample
    acc = service.cag_accuracy(d, first_only=True).iloc[-1]
    print(f"CAG accuracy planted {truth['cag_accuracy']}, estimated {acc.accuracy:.4f} "
          f"[{acc.ci_low:.4f}, {acc.ci_high:.4f}] on {acc.predictions} predictions")
    assert acc.ci_low <= truth["cag_accuracy"] <= acc.ci_high
    anyhit = service.cag_accuracy(d).iloc[-1]
    assert anyhit.accuracy >= acc.accuracy       # a prediction matching the second cause also counts there


def test_best_two_part_kit_recovered(sample):
    truth, d = sample
    planted = truth["cause_given_symptom"]
    cause_parts, rate = truth["cause_parts"], truth["second_cause_rate"]
    kit = service.parts_kit(d, cause_parts=cause_parts).set_index("symptom_code")
    shares = d["symptom_code"].value_counts(normalize=True)
    major = [s for s in planted if shares.get(s, 0) >= MAJOR_SHARE]
    assert len(major) >= 3
    for s in major:
        ranked = planted_best_kit(planted[s], cause_parts, rate)
        best = set(ranked[0][2])
        got = {p for p in kit.loc[s, ["part_1", "part_2"]] if isinstance(p, str)}
        print(f"{s}: planted best kit {sorted(best)} (coverage {ranked[0][0]:.3f}, runner-up "
              f"{ranked[1][0]:.3f}), estimated {sorted(got)} (coverage {kit.loc[s, 'kit_coverage']:.3f})")
        assert got == best, s
        assert abs(kit.loc[s, "kit_coverage"] - ranked[0][0]) < 0.06


def test_sla_breaches_match_truth(sample):
    truth, d = sample
    thesis = d["source_file"] == "dispatches_thesis_table_4_1.csv"     # no times in the thesis's table
    assert thesis.sum() == len(truth["thesis_table_4_1"])
    d = d[~thesis]
    flags = sla.sla_flags(d)
    dt = truth["dispatch_truth"]
    expected = d["ticket_id"].map(lambda t: dt[t]["breached"] if t in dt else None)
    assert expected.notna().all(), "every kept ticket is in truth.json"
    got = flags["breached"]
    assert got.notna().all()
    mismatch = d.loc[got.astype(bool).to_numpy() != expected.astype(bool).to_numpy(), "ticket_id"]
    print(f"SLA flags compared on {len(d)} kept tickets, {int(expected.sum())} breaches, "
          f"{len(mismatch)} mismatches")
    assert mismatch.empty, list(mismatch[:10])


def test_thesis_table_rows_cleaned(sample):
    truth, d = sample
    from pipeline.analyses.service import thesis_table_4_1
    table = thesis_table_4_1(d).set_index("ticket_id")
    assert len(table) == len(truth["thesis_table_4_1"])
    for row in truth["thesis_table_4_1"]:
        got = table.loc[row["ticket_id"]]
        assert got["symptom_code"] == row["symptom_code"]
        assert list(got["cause_codes"]) == row["cause_codes"]
        assert got["machine_type_model"] == row["machine_type_model"]
        assert str(got["reported_on"]) == row["reported_on"]
