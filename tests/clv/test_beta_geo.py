"""Tests for pipeline.clv.BetaGeo (BG/NBD): the published CDNOW fit, predictions on synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv


@pytest.mark.real
def test_bgnbd_cdnow_published(bg_cdnow, close_to_published):
    # Fader, Hardie & Lee (2005) "Counting your customers the easy way", CDNOW 39-week calibration
    close_to_published(bg_cdnow.params_, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert bg_cdnow.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bg_cdnow.converged_
    s = bg_cdnow.summary_
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert ((s["ci_low"] < s["estimate"]) & (s["estimate"] < s["ci_high"]) & (s["se"] > 0)).all()
    assert list(bg_cdnow.confidence_intervals_.columns) == ["ci_low", "ci_high"]
    # fitted on the distinct (x, t_x, T) rows
    assert bg_cdnow.n_customers_ == 2357 and bg_cdnow.n_distinct_ < 2357


def test_bg_probability_alive_and_monotone_expectations(synthetic_summary):
    s = synthetic_summary
    bg = clv.BetaGeo().fit(s)
    assert np.all(bg.conditional_probability_alive(np.zeros(5), np.zeros(5), np.linspace(1, 50, 5)) == 1.0)
    p = bg.conditional_probability_alive(s.frequency, s.recency, s["T"])
    assert isinstance(p, pd.Series) and ((p > 0) & (p <= 1)).all()
    # for a repeat buyer, P(alive) falls as the time since the last purchase grows
    assert np.all(np.diff(bg.conditional_probability_alive(3, 10.0, np.array([10.0, 20, 30, 40]))) < 0)
    t = np.linspace(0, 200, 41)
    e = bg.expected_number_of_purchases_up_to_time(t)
    assert e[0] == pytest.approx(0.0, abs=1e-12) and np.all(np.diff(e) > 0)
    c = bg.conditional_expected_number_of_purchases_up_to_time(t, 4, 30.0, 35.0)
    assert np.all(np.diff(c) > 0)
    assert bg.predict(10, 4, 30.0, 35.0) == pytest.approx(c[2])


def test_bgnbd_prediction_at_the_bound_is_the_homogeneous_limit():
    """a, b at the search bound (no heterogeneity in drop-out): predictions stay finite and equal
    the limit of large a, b with the same a/(a+b)."""
    x, tx, T = np.array([0, 1, 3]), np.array([0, 20, 100.0]), np.array([50, 80, 120.0])
    huge, big = clv.BetaGeo(), clv.BetaGeo()
    huge.params_ = {"r": 1.119, "alpha": 37.687, "a": 379653.98, "b": 3269011.9}
    big.params_ = {"r": 1.119, "alpha": 37.687, "a": 3796.5398, "b": 32690.119}
    a = huge.conditional_expected_number_of_purchases_up_to_time(52, x, tx, T)
    b = big.conditional_expected_number_of_purchases_up_to_time(52, x, tx, T)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, b, rtol=1e-3)
