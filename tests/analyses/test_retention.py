"""The service test recovers the planted SLA-breach effect on renewal, and finds none when none is planted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.lifecycle import retention
from pipeline.clean import clean
from pipeline.processed import load_processed, write_processed
from pipeline.sample import write_sample

N_CUSTOMERS = 800


def _fit(tmp_path_factory, effect: float):
    raw = tmp_path_factory.mktemp(f"raw_{effect}")
    truth = write_sample(raw, customers=N_CUSTOMERS, sla_breach_effect=effect)
    out = tmp_path_factory.mktemp(f"processed_{effect}")
    write_processed(clean(raw, run_date="2026-11-29"), out)
    data = load_processed(out)
    features = retention.contract_service_features(data["contracts"], data["dispatches"], data["customers"])
    model, table = retention.service_retention_model(features)
    return truth, features, model, table.set_index("term"), data


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    return _fit(tmp_path_factory, -0.9)


@pytest.fixture(scope="module")
def null(tmp_path_factory):
    return _fit(tmp_path_factory, 0.0)


def test_features_match_the_generator(planted):
    truth, features, _, _, _ = planted
    true = pd.DataFrame(truth["contracts"]).T
    joined = features.set_index("contract_id").join(true[["breaches"]], rsuffix="_true", how="inner")
    assert len(joined) >= 0.95 * len(features)
    assert (joined["breaches"] == joined["breaches_true"]).mean() > 0.97


COVERAGE_SEEDS = (1, 2, 3, 4, 5, 6)


@pytest.mark.slow
def test_planted_breach_effect_is_recovered(tmp_path_factory):
    """A 95% interval covers the planted value on most samples, not on every one: one seed can miss
    (the default seed's interval is [-1.48, -0.98]), so coverage is checked over six seeds.

    Measured (800 customers each): coefficients -0.89, -0.85, -0.92, -0.92, -1.27, -0.85; five of the
    six intervals hold -0.9. Failing at three or fewer of six has probability below 0.3% when the
    intervals are right, and a wrong model (no effect, or the wrong sign) fails every seed."""
    effect = -0.9
    rows = []
    for seed in COVERAGE_SEEDS:
        raw = tmp_path_factory.mktemp(f"raw_seed{seed}")
        truth = write_sample(raw, customers=N_CUSTOMERS, seed=seed, sla_breach_effect=effect)
        assert truth["renewal"]["sla_breach_effect"] == effect
        out = tmp_path_factory.mktemp(f"processed_seed{seed}")
        write_processed(clean(raw, run_date="2026-11-29"), out)
        data = load_processed(out)
        features = retention.contract_service_features(data["contracts"], data["dispatches"], data["customers"])
        _, table = retention.service_retention_model(features)
        rows.append(table.set_index("term").loc["breaches"])
    found = pd.DataFrame(rows, index=list(COVERAGE_SEEDS))
    print(found[["coef", "ci_low_coef", "ci_high_coef", "p_value"]])
    covered = (found["ci_low_coef"] <= effect) & (effect <= found["ci_high_coef"])
    assert covered.sum() >= 4
    assert (found["p_value"] < 0.01).all() and (found["ratio"] < 1).all()
    assert found["coef"].mean() == pytest.approx(effect, abs=0.15)
    assert np.allclose(found["ratio"], np.exp(found["coef"]))


def test_model_table_columns(planted):
    _, _, _, table, _ = planted
    assert table.loc["breaches", "p_value"] < 0.01
    assert list(table.reset_index().columns[:6]) == ["term", "ratio", "ci_low", "ci_high", "p_value", "model"]


def test_no_effect_when_none_is_planted(null):
    truth, _, _, table, _ = null
    assert truth["renewal"]["sla_breach_effect"] == 0.0
    row = table.loc["breaches"]
    assert row["ci_low"] <= 1.0 <= row["ci_high"]
    assert row["p_value"] > 0.05


def test_calibration_deciles(planted):
    _, features, model, _, _ = planted
    cal = retention.calibration(features, model)
    assert len(cal) == 10 and cal["contracts"].sum() == features["renewed"].notna().sum()
    assert (cal["predicted"] - cal["observed"]).abs().max() < 0.15
    assert cal.attrs["hl_p"] > 0.01


def test_thesis_comparison_groups(planted):
    _, features, _, _, _ = planted
    cmp_ = retention.thesis_comparison(features).set_index("group")
    assert cmp_["contracts"].sum() == features["renewed"].notna().sum()
    assert cmp_.loc["no_breach", "rate"] > cmp_.loc["breach_resolved_slowly", "rate"]
    assert cmp_.loc["breach_resolved_fast", "thesis_rate"] == 0.95


def test_logit_matches_a_known_fit():
    # y = 1 with probability expit(0.5 - 1.0 x); large n recovers the coefficients
    rng = np.random.default_rng(3)
    x = rng.normal(size=20000)
    y = rng.random(20000) < 1 / (1 + np.exp(-(0.5 - 1.0 * x)))
    m = retention.Logit().fit(pd.DataFrame({"intercept": 1.0, "x": x}), y)
    assert abs(m.params_["intercept"] - 0.5) < 4 * m.bse_["intercept"]
    assert abs(m.params_["x"] + 1.0) < 4 * m.bse_["x"]


def test_cox_repurchase_finds_no_effect_the_generator_does_not_plant(planted):
    # the sample's purchases follow BG/NBD and do not depend on service: the hazard ratio covers 1
    truth, _, _, _, data = planted
    lm = retention.repurchase_landmark(data["sales"], data["dispatches"], data["customers"],
                                       landmark="2009-01-01", as_of=truth["params"]["end"])
    assert lm["event"].between(0, 1).all() and (lm["duration"] > 0).all()
    _, table, ph = retention.repurchase_cox(lm)
    row = table.set_index("term").loc["breaches"]
    assert row["ci_low"] <= 1.0 <= row["ci_high"]
    assert list(table.columns[:6]) == ["term", "ratio", "ci_low", "ci_high", "p_value", "model"]
    assert set(table["model"]) == {"cox repurchase"} and "breaches" in set(ph["term"])
