"""Per-customer prediction intervals from parameter uncertainty (pipeline.clv.uncertainty)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

TRUTH = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
# customers (frequency, recency, T in weeks) whose predictions are followed across simulated data sets
PROFILES = (np.array([1.0, 2.0, 5.0]), np.array([10.0, 30.0, 35.0]), np.full(3, 39.0))


def test_intervals_cover_the_true_prediction_at_the_nominal_rate():
    """Fitted on 40 data sets simulated from known parameters, the 95% intervals of P(alive) and of
    expected purchases in 26 weeks contain the value the true parameters give about 95% of the time
    (measured while writing this, 60 seeds: 92-97% per profile)."""
    truth = clv.BetaGeo()
    truth.params_ = dict(TRUTH)
    true_alive = truth.conditional_probability_alive(*PROFILES)
    true_purchases = truth.conditional_expected_number_of_purchases_up_to_time(26, *PROFILES)
    covered = []
    for seed in range(40):
        sim = clv.beta_geometric_nbd_model(39.0, *TRUTH.values(), size=3000, seed=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = clv.BetaGeo().fit(sim["frequency"], sim["recency"], sim["T"])
        alive = clv.prediction_interval(m, "conditional_probability_alive", *PROFILES)
        purchases = clv.prediction_interval(m, "conditional_expected_number_of_purchases_up_to_time", 26, *PROFILES)
        covered += list((alive["low"] <= true_alive) & (true_alive <= alive["high"]))
        covered += list((purchases["low"] <= true_purchases) & (true_purchases <= purchases["high"]))
    assert 0.88 <= np.mean(covered) <= 0.99, f"covered {np.mean(covered):.0%} of {len(covered)}"


@pytest.fixture(scope="module")
def cdnow(cdnow_shipped_summary):
    s = cdnow_shipped_summary.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})
    return s, clv.BetaGeo().fit(s), clv.GammaGamma().fit(s[s["frequency"] > 0])


@pytest.mark.real
def test_delta_and_bootstrap_agree_on_cdnow(cdnow):
    s, bg, _ = cdnow
    f, r, T = s["frequency"], s["recency"], s["T"]
    delta = clv.prediction_interval(bg, "conditional_expected_number_of_purchases_up_to_time", 52, f, r, T)
    boot = clv.prediction_interval(bg, "conditional_expected_number_of_purchases_up_to_time", 52, f, r, T,
                                   method="bootstrap", draws=2000, seed=1)
    assert delta.index.equals(s.index)
    assert delta["estimate"].equals(boot["estimate"])
    width = delta["high"] - delta["low"]
    assert ((boot["low"] - delta["low"]).abs() / width).median() < 0.05
    assert ((boot["high"] - delta["high"]).abs() / width).median() < 0.05
    assert (delta["low"] <= delta["estimate"]).all() and (delta["estimate"] <= delta["high"]).all()
    # customer 1 (2 repeat purchases, the last at week 30.43 of 38.86): 1.56 purchases in a year, 1.44-1.69
    assert delta.loc[1].tolist() == pytest.approx([1.5586, 1.4370, 1.6904], abs=1e-3)


@pytest.mark.real
def test_probabilities_stay_probabilities_and_the_bootstrap_is_seeded(cdnow):
    s, bg, _ = cdnow
    args = (s["frequency"], s["recency"], s["T"])
    alive = clv.prediction_interval(bg, "conditional_probability_alive", *args)
    assert (alive["low"] >= 0).all() and (alive["high"] <= 1).all()
    # no repeat purchase: certainly alive under BG/NBD, and no uncertainty about it
    assert (alive.loc[s["frequency"] == 0, ["low", "high"]] == 1.0).all().all()
    a = clv.prediction_interval(bg, "conditional_probability_alive", *args, method="bootstrap", draws=200, seed=3)
    b = clv.prediction_interval(bg, "conditional_probability_alive", *args, method="bootstrap", draws=200, seed=3)
    c = clv.prediction_interval(bg, "conditional_probability_alive", *args, method="bootstrap", draws=200, seed=4)
    assert a.equals(b) and not a.equals(c)


@pytest.mark.real
def test_clv_interval_carries_both_models(cdnow):
    s, bg, gg = cdnow
    args = (s["frequency"], s["recency"], s["T"], s["monetary_value"])
    both = clv.customer_lifetime_value_interval(gg, bg, *args, freq="W")
    assert both["estimate"].equals(gg.customer_lifetime_value(bg, *args, freq="W").rename("estimate"))
    # with the spend model's uncertainty added, the interval is wider than from BG/NBD alone
    spend = gg.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
    alone = clv.joint_interval([bg], lambda ms: gg.customer_lifetime_value(ms[0], *args, freq="W"), scale="log",
                               like=s)
    repeat = s["frequency"] > 0
    assert ((both["high"] - both["low"]) >= (alone["high"] - alone["low"]) - 1e-9)[repeat].all()
    assert spend.notna().all()


def test_refusals_and_missing_standard_errors():
    m = clv.BetaGeo()
    with pytest.raises(InputError, match="not fitted"):
        clv.prediction_interval(m, "conditional_probability_alive", 1, 5, 10)
    m.params_ = dict(TRUTH)
    m.log_variance_matrix_ = pd.DataFrame(np.full((4, 4), np.nan), index=list(TRUTH), columns=list(TRUTH))
    out = clv.prediction_interval(m, "conditional_probability_alive", [1, 2], [5, 6], [10, 10])
    assert out["estimate"].notna().all() and out["low"].isna().all()
    with pytest.raises(InputError, match="method"):
        clv.prediction_interval(m, "conditional_probability_alive", 1, 5, 10, method="exact")
    with pytest.raises(InputError, match="no prediction"):
        clv.prediction_interval(m, "expected_value", 1)
