"""Tests for pipeline.clv: RFM summary, BG/NBD, Pareto/NBD, Gamma-Gamma, sBG.

Published-value tests use the CDNOW data shipped with lifetimes, read from
../shared/data/real/cdnow_lifetimes (skipped when absent; the data is never copied into the repo).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
CDNOW = REAL / "cdnow_lifetimes"


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------

def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"CDNOW data not available at {path} (shared real-data folder absent)")
    return path


@pytest.fixture(scope="module")
def cdnow_tx() -> pd.DataFrame:
    """The 1/10 CDNOW sample: master id, sample id (1..2357), date, number of CDs, dollars."""
    path = _need(CDNOW / "CDNOW_sample.txt")
    d = pd.read_csv(path, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"],
                    dtype={"master_id": str, "customer_id": int, "date": str})
    d["order_date"] = pd.to_datetime(d["date"], format="%Y%m%d")
    return d


@pytest.fixture(scope="module")
def cdnow_cal(cdnow_tx) -> pd.DataFrame:
    """The papers' calibration summary: 39 weeks 1997-01-01..1997-09-30, weekly units."""
    return clv.rfm_summary(cdnow_tx, "customer_id", "order_date", "amount", freq="W",
                           observation_end="1997-09-30")


@pytest.fixture(scope="module")
def cdnow_cal_holdout(cdnow_tx) -> pd.DataFrame:
    return clv.rfm_summary(cdnow_tx, "customer_id", "order_date", "amount", freq="W",
                           observation_end="1998-06-30", calibration_end="1997-09-30")


@pytest.fixture(scope="module")
def bg_cdnow(cdnow_cal):
    return clv.BetaGeo().fit(cdnow_cal)


@pytest.fixture(scope="module")
def pn_cdnow(cdnow_cal):
    return clv.ParetoNBD().fit(cdnow_cal)


@pytest.fixture(scope="module")
def gg_cdnow(cdnow_cal):
    return clv.GammaGamma().fit(cdnow_cal)


def _rel(est: dict, published: dict, tol: float = 0.01):
    for k, v in published.items():
        assert est[k] == pytest.approx(v, rel=tol), f"{k}: {est[k]:.4f} vs published {v}"


# --------------------------------------------------------------------------------------------
# rfm_summary on a hand-made table
# --------------------------------------------------------------------------------------------

@pytest.fixture
def tiny() -> pd.DataFrame:
    rows = [
        ("A", "2020-01-01 09:00", 10.0), ("A", "2020-01-01 17:00", 5.0),   # same day -> one purchase of 15
        ("A", "2020-01-08", 20.0), ("A", "2020-01-15", 30.0),
        ("A", "2020-02-05", 99.0),                                         # after observation end: dropped
        ("B", "2020-01-10", 7.0),
        ("C", "2020-01-05", 100.0), ("C", "2020-01-06 10:00", 50.0), ("C", "2020-01-06 18:00", 25.0),
        ("C", "2020-01-20", 40.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_rfm_summary_days(tiny):
    s = clv.rfm_summary(tiny, freq="D", observation_end="2020-01-29")
    exp = pd.DataFrame({"frequency": [2, 0, 2], "recency": [14.0, 0.0, 15.0], "T": [28.0, 19.0, 24.0],
                        "monetary_value": [25.0, 0.0, 57.5]}, index=pd.Index(["A", "B", "C"], name="customer_id"))
    pd.testing.assert_frame_equal(s, exp, check_dtype=False)
    assert s["frequency"].dtype.kind == "i"


def test_rfm_summary_weeks(tiny):
    s = clv.rfm_summary(tiny, freq="W", observation_end="2020-01-29")
    assert s["frequency"].tolist() == [2, 0, 2]
    np.testing.assert_allclose(s["recency"], [2.0, 0.0, 15 / 7])
    np.testing.assert_allclose(s["T"], [4.0, 19 / 7, 24 / 7])
    np.testing.assert_allclose(s["monetary_value"], [25.0, 0.0, 57.5])
    # collapse within weeks counted from the first purchase: C's day-1 purchase joins week 0
    p = clv.rfm_summary(tiny, freq="W", observation_end="2020-01-29", collapse="period")
    assert p["frequency"].tolist() == [2, 0, 1]
    np.testing.assert_allclose(p["recency"], [2.0, 0.0, 15 / 7])
    np.testing.assert_allclose(p["monetary_value"], [25.0, 0.0, 40.0])


def test_rfm_summary_default_end_and_no_value(tiny):
    s = clv.rfm_summary(tiny.iloc[:-1], freq="D", value_col=None)   # ends at the last transaction, 2020-02-05
    assert "monetary_value" not in s.columns
    assert s.loc["A", "frequency"] == 3 and s.loc["A", "T"] == 35.0


def test_rfm_summary_calibration_holdout(tiny):
    s = clv.rfm_summary(tiny, freq="D", observation_end="2020-01-29", calibration_end="2020-01-10")
    assert list(s.columns) == ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
                               "frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    assert s["frequency_cal"].tolist() == [1, 0, 1]
    assert s["recency_cal"].tolist() == [7.0, 0.0, 1.0]
    assert s["T_cal"].tolist() == [9.0, 0.0, 5.0]
    assert s["monetary_value_cal"].tolist() == [20.0, 0.0, 75.0]
    assert s["frequency_holdout"].tolist() == [1, 0, 1]
    assert s["monetary_value_holdout"].tolist() == [30.0, 0.0, 40.0]
    assert (s["duration_holdout"] == 19.0).all()


def test_rfm_summary_errors(tiny):
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, customer_col="nope")
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, freq="Q")
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, observation_end="2020-01-29", calibration_end="2020-02-01")


# --------------------------------------------------------------------------------------------
# CDNOW: the published numbers
# --------------------------------------------------------------------------------------------

@pytest.mark.real
def test_cdnow_summary_reproduces_lifetimes_file(cdnow_cal):
    shipped = pd.read_csv(_need(CDNOW / "cdnow_customers_summary_with_transactions.csv")).set_index("ID")
    assert len(cdnow_cal) == 2357
    s = cdnow_cal.reindex(shipped.index)
    assert (s["frequency"] == shipped["x"]).all()
    np.testing.assert_allclose(s["recency"], shipped["t_x"], atol=0.005)   # file rounds to 2 decimals
    np.testing.assert_allclose(s["T"], shipped["T"], atol=0.005)
    np.testing.assert_allclose(s["monetary_value"], shipped["zbar"], atol=0.006)


@pytest.mark.real
def test_bgnbd_cdnow_published(bg_cdnow):
    # Fader, Hardie & Lee (2005) "Counting your customers the easy way", CDNOW 39-week calibration
    _rel(bg_cdnow.params_, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    assert bg_cdnow.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)
    assert bg_cdnow.converged_
    s = bg_cdnow.summary_
    assert list(s.columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert ((s["ci_low"] < s["estimate"]) & (s["estimate"] < s["ci_high"]) & (s["se"] > 0)).all()
    assert list(bg_cdnow.confidence_intervals_.columns) == ["ci_low", "ci_high"]
    # fitted on the distinct (x, t_x, T) rows
    assert bg_cdnow.n_customers_ == 2357 and bg_cdnow.n_distinct_ < 2357


@pytest.mark.real
def test_paretonbd_cdnow_published(pn_cdnow):
    # Fader & Hardie (2005) "A Note on Deriving the Pareto/NBD Model and Related Expressions", LL = -9595.0
    _rel(pn_cdnow.params_, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669})
    assert pn_cdnow.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)
    assert pn_cdnow.converged_


@pytest.mark.real
def test_gammagamma_cdnow_published(cdnow_cal, gg_cdnow):
    # Fader, Hardie & Lee (2005) "RFM and CLV: using iso-value curves": 946 repeat buyers
    assert gg_cdnow.n_customers_ == 946
    assert cdnow_cal.loc[cdnow_cal.frequency > 0, "monetary_value"].mean() == pytest.approx(35.08, abs=0.01)
    _rel(gg_cdnow.params_, {"p": 6.25, "q": 3.74, "v": 15.44})
    corr = clv.frequency_spend_correlation(cdnow_cal)
    assert corr["n"] == 946 and corr["r"] == pytest.approx(0.11, abs=0.01)     # the paper's r = 0.11
    # population mean spend p v / (q - 1)
    assert gg_cdnow.conditional_expected_average_profit() == pytest.approx(6.25 * 15.44 / 2.74, rel=0.02)


@pytest.mark.real
def test_calibration_holdout_comparison(bg_cdnow, pn_cdnow, cdnow_cal_holdout):
    ch = cdnow_cal_holdout
    assert len(ch) == 2357 and (ch["duration_holdout"] == 39.0).all()
    # the calibration part equals the plain 39-week summary
    out = clv.calibration_holdout_comparison(bg_cdnow, ch, max_frequency=7)
    assert list(out.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert list(out.columns) == ["customers", "actual_mean", "predicted_mean", "error",
                                 "actual_total", "predicted_total"]
    assert out.loc["all", "customers"] == 2357 and out.loc["0", "customers"] == 1411
    assert out.loc["all", "actual_total"] == ch["frequency_holdout"].sum()
    ov = out.attrs["overall"]
    assert set(ov) == {"mae_customer", "mae_bucket", "total_actual", "total_predicted", "ratio"}
    assert 0.8 < ov["ratio"] < 1.1 and ov["mae_bucket"] < 0.3
    # predicted conditional means increase with calibration frequency
    assert np.all(np.diff(out["predicted_mean"].iloc[:8].to_numpy()) > 0)
    assert clv.calibration_holdout_comparison(pn_cdnow, ch).attrs["overall"]["ratio"] > 0.8


@pytest.mark.real
def test_model_parameters_table(bg_cdnow, pn_cdnow, gg_cdnow):
    t = clv.model_parameters_table({"BG/NBD": bg_cdnow, "Pareto/NBD": pn_cdnow, "Gamma-Gamma": gg_cdnow})
    assert list(t.columns) == ["model", "parameter", "estimate", "ci_low", "ci_high"]
    assert len(t) == 11
    assert t.loc[t.model == "Gamma-Gamma", "parameter"].tolist() == ["p", "q", "v"]
    assert (t.ci_low > 0).all() and (t.ci_low < t.estimate).all() and (t.estimate < t.ci_high).all()


@pytest.mark.real
def test_customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal):
    s = cdnow_cal
    c12 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value,
                                           time=12, discount_rate=0.01, freq="W")
    c24 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value, time=24)
    assert isinstance(c12, pd.Series) and c12.index.equals(s.index) and c12.name == "clv"
    assert (c12 > 0).all() and (c24 >= c12).all()
    # undiscounted CLV = expected spend x expected purchases over 12 months
    c0 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value,
                                          discount_rate=0.0)
    direct = (gg_cdnow.conditional_expected_average_profit(s.frequency, s.monetary_value)
              * bg_cdnow.conditional_expected_number_of_purchases_up_to_time(12 * 4.345, s.frequency, s.recency,
                                                                              s["T"]))
    np.testing.assert_allclose(c0, direct, rtol=1e-10)


# --------------------------------------------------------------------------------------------
# sBG: Fader & Hardie (2007) "How to project customer retention"
# --------------------------------------------------------------------------------------------

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize("active, alpha, beta", [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_published(active, alpha, beta):
    # the paper fits years 0..7 (seven renewal opportunities) and projects years 8..12
    m = clv.ShiftedBetaGeo().fit(active)
    _rel(m.params_, {"alpha": alpha, "beta": beta})
    surv = m.survival(np.arange(8))
    assert surv[0] == 1.0 and np.all(np.diff(surv) < 0)
    # fitted counts track the data within a few customers
    proj = m.projected_active(1000, 12)
    assert list(proj.index) == list(range(13))
    np.testing.assert_allclose(proj.iloc[:8], active, rtol=0.03)
    # retention rate r_t = S(t)/S(t-1), increasing in t
    rr = m.retention_rate(np.arange(1, 13))
    np.testing.assert_allclose(rr[:7], surv[1:] / surv[:-1])
    assert np.all(np.diff(rr) > 0)
    assert m.churn_probability(1) == pytest.approx(1 - surv[1])


def test_sbg_rejects_increasing_counts():
    with pytest.raises(InputError):
        clv.ShiftedBetaGeo().fit([100, 120, 80])


# --------------------------------------------------------------------------------------------
# properties on small synthetic data (no real data needed)
# --------------------------------------------------------------------------------------------

def _synthetic(n=1500, seed=1):
    """Small summary simulated from BG/NBD (CDNOW-like parameters, weeks, day-resolution recency)
    with Gamma-Gamma spend."""
    rng = np.random.default_rng(seed)
    T = rng.integers(190, 273, n) / 7
    lam = rng.gamma(0.25, 1 / 4.4, n)
    p = rng.beta(0.8, 2.4, n)
    x = np.zeros(n, dtype=int)
    t = np.zeros(n)
    last = np.zeros(n)
    idx = np.arange(n)
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / np.maximum(lam[idx], 1e-300)
        idx = idx[t[idx] <= T[idx]]
        x[idx] += 1
        last[idx] = np.floor(t[idx] * 7) / 7
        idx = idx[rng.random(idx.size) >= p[idx]]
    nu = rng.gamma(3.7, 1 / 15.4, n)
    m = np.where(x > 0, np.round(rng.gamma(6.25 * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 2), 0.0)
    return pd.DataFrame({"frequency": x, "recency": last, "T": T, "monetary_value": m})


@pytest.mark.parametrize("model", [clv.BetaGeo, clv.ParetoNBD, clv.GammaGamma])
def test_weighted_fit_equals_duplicated_rows(model):
    base = _synthetic()
    k = np.random.default_rng(7).integers(1, 4, len(base))
    dup = base.loc[base.index.repeat(k)].reset_index(drop=True)
    a = model().fit(dup)
    b = model().fit(base, weights=k)
    for name in a.params_:
        assert a.params_[name] == pytest.approx(b.params_[name], rel=1e-6)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-9)
    assert a.n_customers_ == b.n_customers_
    if model is not clv.GammaGamma:          # Gamma-Gamma counts repeat buyers only
        assert a.n_customers_ == k.sum()


def test_bg_probability_alive_and_monotone_expectations():
    s = _synthetic()
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


def test_pareto_monotone_and_stable():
    s = _synthetic()
    pn = clv.ParetoNBD().fit(s)
    t = np.linspace(0, 200, 41)
    assert np.all(np.diff(pn.expected_number_of_purchases_up_to_time(t)) > 0)
    assert np.all(np.diff(pn.conditional_expected_number_of_purchases_up_to_time(t, 4, 30.0, 35.0)) > 0)
    p = pn.conditional_probability_alive(s.frequency, s.recency, s["T"])
    assert ((p > 0) & (p <= 1)).all()
    # extreme frequencies stay finite (2F1 in log space)
    ll = clv.ParetoNBD._ll(*pn.params_.values(), np.array([0.0, 500.0, 5000.0]), np.array([0.0, 38.0, 38.9]),
                           np.array([39.0, 39.0, 39.0]))
    assert np.all(np.isfinite(ll))
    pa = pn.conditional_probability_alive([500, 5000, 5000], [38.0, 38.9, 5.0], [39.0, 39.0, 39.0])
    assert np.all(np.isfinite(pa)) and pa[2] < 1e-6 < pa[1]


def test_unfitted_and_bad_input():
    with pytest.raises(RuntimeError):
        clv.BetaGeo().conditional_probability_alive(1, 1, 2)
    with pytest.raises(InputError):
        clv.BetaGeo().fit(pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [3.0]}))
    with pytest.raises(InputError):
        clv.BetaGeo().fit(pd.DataFrame({"frequency": [1], "recency": [1.0]}))


def test_pareto_slow_hypergeometric_rows_use_the_quadrature_and_agree():
    """Large s (a fit running s and beta up together) used to cost ~1 ms per hyp2f1 value and ~170 s
    per fit; those rows now go to the quadrature, which matches the direct series."""
    import time
    from scipy import special
    x = np.array([0.0, 1, 2, 5])
    tx = np.array([0.0, 10, 30, 50])
    T = np.array([60.0, 60, 80, 100])
    r, al, s, be = 1.2, 38.0, 150.0, 30000.0
    t0 = time.perf_counter()
    lA = clv.ParetoNBD._log_A0(r, al, s, be, x, tx, T)
    assert time.perf_counter() - t0 < 0.5
    rsx, dl = r + s + x, be - al
    l1 = np.log(special.hyp2f1(rsx, r + x, rsx + 1, dl / (be + tx))) - rsx * np.log(be + tx)
    l2 = np.log(special.hyp2f1(rsx, r + x, rsx + 1, dl / (be + T))) - rsx * np.log(be + T)
    np.testing.assert_allclose(lA, l1 + np.log(-np.expm1(l2 - l1)), rtol=1e-10)


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
