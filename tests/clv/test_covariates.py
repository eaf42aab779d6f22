"""BG/NBD and Pareto/NBD with static covariates: planted effects are recovered inside their intervals over
seeds, and where nothing was planted nothing is found, at about the nominal rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

N, SEEDS = 2000, 12
# service experience per customer: SLA breaches and second visits in the calibration period
EFFECTS = {"planted": (np.array([-0.3, 0.0]), np.array([0.4, 0.0])), "none": (np.zeros(2), np.zeros(2))}
BASE = {clv.BetaGeoCovariates: (0.243, 4.414, 0.793, 2.426), clv.ParetoNBDCovariates: (0.553, 10.58, 0.606, 11.67)}


def _simulate(model, effects, seed):
    rng = np.random.default_rng(1000 + seed)
    z = pd.DataFrame({"sla_breaches": rng.poisson(0.8, N).astype(float),
                      "second_visits": rng.poisson(0.5, N).astype(float)})
    gp, gd = effects
    r, alpha, third, fourth = BASE[model]
    alpha_i = alpha * np.exp(-(z.to_numpy() @ gp))
    dropout_i = fourth * np.exp(-(z.to_numpy() @ gd))       # BG/NBD: b_i; Pareto/NBD: beta_i
    if model is clv.BetaGeoCovariates:
        sim = clv.beta_geometric_nbd_model(39.0, r, alpha_i, third, dropout_i, size=N, seed=seed)
    else:
        sim = clv.pareto_nbd_model(39.0, r, alpha_i, third, dropout_i, size=N, seed=seed)
    return sim, z


@pytest.mark.parametrize("model", [clv.BetaGeoCovariates, clv.ParetoNBDCovariates])
@pytest.mark.parametrize("variant", ["planted", "none"])
def test_recovery_over_seeds(model, variant):
    gp, gd = EFFECTS[variant]
    truth = {"purchase:sla_breaches": gp[0], "purchase:second_visits": gp[1],
             "dropout:sla_breaches": gd[0], "dropout:second_visits": gd[1]}
    covered, significant = [], []
    for seed in range(SEEDS):
        sim, z = _simulate(model, EFFECTS[variant], seed)
        fit = model().fit(sim["frequency"], sim["recency"], sim["T"], z, z)
        for name, value in truth.items():
            row = fit.summary_.loc[name]
            covered.append(row["ci_low"] <= value <= row["ci_high"])
            if value == 0:
                significant.append(row["p_value"] < 0.05)
    # 48 intervals: the true coefficient inside about 95% of them
    assert np.mean(covered) >= 0.85, f"covered {np.mean(covered):.0%}"
    # a coefficient that is truly 0 is called significant at about the 5% rate
    assert np.mean(significant) <= 0.15, f"false positives {np.mean(significant):.0%} of {len(significant)}"


def test_planted_effects_are_found_and_point_the_right_way():
    sim, z = _simulate(clv.ParetoNBDCovariates, EFFECTS["planted"], 0)
    fit = clv.ParetoNBDCovariates().fit(sim["frequency"], sim["recency"], sim["T"], z, z)
    c = fit.coefficients_.set_index(["process", "covariate"])
    # breaches lower the purchase rate (rate ratio below 1) and speed drop-out (above 1)
    assert c.loc[("purchase", "sla_breaches"), "ci_high"] < 0 and c.loc[("purchase", "sla_breaches"), "rate_ratio"] < 1
    assert c.loc[("dropout", "sla_breaches"), "ci_low"] > 0
    assert list(c.columns) == ["estimate", "se", "ci_low", "ci_high", "p_value", "rate_ratio"]


def test_without_covariates_it_is_the_plain_model():
    sim = clv.beta_geometric_nbd_model(39.0, *BASE[clv.BetaGeoCovariates], size=N, seed=3)
    plain = clv.BetaGeo().fit(sim["frequency"], sim["recency"], sim["T"])
    cov = clv.BetaGeoCovariates().fit(sim["frequency"], sim["recency"], sim["T"])
    assert cov.params_ == pytest.approx(plain.params_, rel=1e-4)
    assert cov.log_likelihood_ == pytest.approx(plain.log_likelihood_, abs=1e-4)
    # and its predictions at z = 0 are the plain model's
    args = (sim["frequency"][:5], sim["recency"][:5], sim["T"][:5])
    np.testing.assert_allclose(cov.conditional_probability_alive(*args), plain.conditional_probability_alive(*args),
                               rtol=1e-4)


def test_covariate_predictions_use_each_customers_parameters():
    sim, z = _simulate(clv.BetaGeoCovariates, EFFECTS["planted"], 1)
    fit = clv.BetaGeoCovariates().fit(sim["frequency"], sim["recency"], sim["T"], z, z)
    one = pd.DataFrame({"sla_breaches": [0.0, 3.0], "second_visits": [0.0, 0.0]})
    expected = fit.conditional_expected_number_of_purchases_up_to_time(26, [2, 2], [30.0, 30.0], [39.0, 39.0],
                                                                       one, one)
    assert expected[1] < expected[0]        # three breaches: fewer expected purchases
    with pytest.raises(InputError, match="fitted with purchase covariates"):
        fit.conditional_probability_alive([2], [30.0], [39.0], one[["sla_breaches"]].iloc[:1], one.iloc[:1])
    with pytest.raises(InputError, match="rows for"):
        clv.BetaGeoCovariates().fit(sim["frequency"], sim["recency"], sim["T"], z.iloc[:10])


def test_pareto_covariate_predictions_at_scale_use_each_customers_parameters():
    """Many customers (the predictions then run on distinct rows for the plain model): each covariate
    customer still gets its own parameters."""
    sim, z = _simulate(clv.ParetoNBDCovariates, EFFECTS["planted"], 2)
    fit = clv.ParetoNBDCovariates().fit(sim["frequency"], sim["recency"], sim["T"], z, z)
    big = pd.concat([z] * 3, ignore_index=True)
    f, r, T = (np.tile(sim[c].to_numpy(), 3) for c in ("frequency", "recency", "T"))
    many = fit.conditional_expected_number_of_purchases_up_to_time(26, f, r, T, big, big)
    few = fit.conditional_expected_number_of_purchases_up_to_time(26, f[:N], r[:N], T[:N], z, z)
    np.testing.assert_allclose(many[:N], few, rtol=1e-12)
    alive = fit.conditional_probability_alive(f, r, T, big, big)
    assert alive.shape == (3 * N,) and np.all((alive > 0) & (alive <= 1))
