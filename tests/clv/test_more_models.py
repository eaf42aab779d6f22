"""MBG/NBD and BG/BB: estimates against the published ones, predictions against lifetimes 0.11.3.

Sources:
- MBG/NBD on the CDNOW 1/10 sample (39 calibration weeks): BTYDplus (Platzer & Reutterer), README /
  vignette: r 0.525, alpha 6.183, a 0.891, b 1.614.
- BG/BB on the donations data: Fader, Hardie & Shang (2010), "Customer-base analysis in a
  discrete-time noncontractual setting", Marketing Science 29(6): alpha 1.204, beta 0.750, gamma 0.657,
  delta 2.783, LL -33,225.6. The data are the paper's 22 (x, t_x) patterns of the 11,104 donors of the
  1995 cohort over six annual opportunities, as printed there (and shipped by lifetimes as
  ``datasets/donations.csv``); written out below as a published table.
- The predictions' expected values were printed by lifetimes 0.11.3 (``ModifiedBetaGeoFitter``,
  ``BetaGeoBetaBinomFitter``; pip-installed beside this repository, 2026-12-02) with ``params_`` set to
  the parameters used here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

# (frequency, recency, number of donors), all with n = 6 opportunities (1996-2001)
DONATIONS = [(0, 0, 3464), (1, 1, 1091), (1, 2, 277), (1, 3, 129), (1, 4, 78), (1, 5, 119), (1, 6, 129),
             (2, 2, 613), (2, 3, 255), (2, 4, 155), (2, 5, 173), (2, 6, 234), (3, 3, 322), (3, 4, 181),
             (3, 5, 225), (3, 6, 357), (4, 4, 240), (4, 5, 284), (4, 6, 512), (5, 5, 335), (5, 6, 728),
             (6, 6, 1203)]
MBG = {"r": 0.5248, "alpha": 6.183, "a": 0.8914, "b": 1.614}
BGBB = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    d = pd.DataFrame(DONATIONS, columns=["frequency", "recency", "weights"])
    d["n_periods"] = 6
    return d


@pytest.fixture(scope="module")
def shipped(cdnow_shipped_summary) -> pd.DataFrame:
    return cdnow_shipped_summary.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.mark.real
def test_mbg_reproduces_btydplus_on_cdnow(shipped, cdnow_cal, close_to_published):
    for summary in (shipped, cdnow_cal):      # lifetimes' rounded summary and ours from the transactions
        m = clv.ModifiedBetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
        close_to_published(m.params_, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}, tol=0.002)
        assert m.converged_
    # one more parameter's worth of flexibility than BG/NBD, about the same fit (FHL 2005: -9582.4)
    assert m.log_likelihood_ == pytest.approx(-9582.1, abs=0.1)


@pytest.mark.real
def test_mbg_predictions_equal_lifetimes(shipped):
    m = clv.ModifiedBetaGeo().fit(shipped)
    m.params_ = dict(MBG)
    x, tx, T = np.array([0, 2, 7]), np.array([0, 30.43, 35.0]), np.full(3, 38.86)
    assert m.expected_number_of_purchases_up_to_time(30) == pytest.approx(0.9919151845352342, rel=1e-10)
    assert list(m.conditional_expected_number_of_purchases_up_to_time(10, x, tx, T)) == pytest.approx(
        [0.04359177234647402, 0.3729123557857063, 1.2884955404465024], rel=1e-10)
    # unlike BG/NBD, a customer without repeat purchases may have dropped out
    assert list(m.conditional_probability_alive(x, tx, T)) == pytest.approx(
        [0.38972279165330515, 0.7061177324453506, 0.8312045978929736], rel=1e-10)
    assert [m.probability_of_n_purchases_up_to_time(30, n) for n in range(4)] == pytest.approx(
        [0.6106766925187168, 0.181705694029491, 0.08301253135654346, 0.04469912510149946], rel=1e-10)
    # the conditional pmf: sums to 1, its mean is the closed-form conditional expectation
    n = np.arange(400)
    pmf = np.asarray(m.conditional_probability_of_n_purchases_up_to_time(n, 10, 2, 30.43, 38.86))
    assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
    assert n @ pmf == pytest.approx(0.3729123557857063, rel=1e-9)


def test_bgbb_reproduces_fader_hardie_shang_2010(donations, close_to_published):
    bb = clv.BetaGeoBetaBinomFitter().fit(donations["frequency"], donations["recency"], donations["n_periods"],
                                          weights=donations["weights"])
    close_to_published(bb.params_, {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}, tol=0.001)
    assert bb.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert bb.n_customers_ == 11104 and bb.converged_
    by_frame = clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    assert by_frame.params_ == pytest.approx(bb.params_, rel=1e-8)


def test_bgbb_predictions_equal_lifetimes(donations):
    bb = clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    bb.params_ = dict(BGBB)
    x, tx, n = np.array([0, 3, 6]), np.array([0, 5, 6]), np.full(3, 6)
    assert list(bb.conditional_expected_number_of_purchases_up_to_time(5, x, tx, n)) == pytest.approx(
        [0.07280287747504345, 1.8044259997939913, 3.752115607599819], rel=1e-10)
    assert list(bb.conditional_probability_alive(1, x, tx, n)) == pytest.approx(
        [0.10801658416867378, 0.7667340499954726, 0.930402542372872], rel=1e-10)
    assert list(bb.conditional_probability_alive(0, np.array([0, 3, 1]), np.array([0, 5, 1]), n)) == pytest.approx(
        [0.11609661329298424, 0.8240885155365206, 0.07460006829896633], rel=1e-10)
    expected = bb.expected_number_of_transactions_in_first_n_periods(6)["model"]
    assert expected.tolist() == pytest.approx([3455.7618212017856, 1888.9012002259396, 1348.919624867337,
                                               1113.3216292354205, 1017.791012430332, 1026.910666340367,
                                               1252.3940456988205], rel=1e-10)
    assert expected.sum() == pytest.approx(11104, rel=1e-12)


def test_bgbb_refuses_impossible_histories():
    with pytest.raises(InputError, match="frequency <= recency <= n_periods"):
        clv.BetaGeoBetaBinom().fit([3], [2], [6])
    with pytest.raises(InputError, match="whole number"):
        clv.BetaGeoBetaBinom().fit([1.5], [2], [6])


def test_new_models_save_and_load(donations, tmp_path):
    bb = clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    bb.save_model(tmp_path / "bb.json")
    back = clv.load_model(tmp_path / "bb.json")
    assert type(back) is clv.BetaGeoBetaBinom and back.params_ == bb.params_
    assert back.conditional_probability_alive(1, 3, 5, 6) == bb.conditional_probability_alive(1, 3, 5, 6)


def test_bgbb_period_transactions_are_the_expected_counts(donations):
    from pipeline.clv import plotting
    bb = clv.BetaGeoBetaBinom().fit(donations, weights="weights")
    counts = plotting.period_transactions(bb)
    assert counts["actual"].tolist() == [3464, 1823, 1430, 1085, 1036, 1063, 1203]
    assert counts["model"].tolist() == pytest.approx(
        bb.expected_number_of_transactions_in_first_n_periods(6)["model"].tolist(), rel=1e-12)
