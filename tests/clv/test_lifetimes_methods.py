"""lifetimes' calling conventions on the models: positional fits, ``.data``, the prediction methods under
lifetimes' names, JSON save / load, and the utilities built on them.

Unless a test says otherwise, the expected figures were printed by lifetimes 0.11.3 itself
(``lifetimes.fitters``, ``lifetimes.utils``; pip-installed beside this repository, 2026-12-02) with its
``params_`` set to the parameters used here, on lifetimes' own CDNOW files (read from the shared real-data
folder, never copied). So they test the formulas, not two optimisers.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

pytestmark = [pytest.mark.real]

BG = {"r": 0.242593, "alpha": 4.413532, "a": 0.792886, "b": 2.425753}
PN = {"r": 0.5533, "alpha": 10.58, "s": 0.6062, "beta": 11.67}


@pytest.fixture(scope="module")
def shipped(cdnow_shipped_summary) -> pd.DataFrame:
    """lifetimes' ``load_cdnow_summary_data_with_monetary_value()`` under its own column names."""
    return cdnow_shipped_summary.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


def _with(model, params, shipped):
    """`model` fitted on the shipped summary, its parameters then set to `params` (as the lifetimes run)."""
    model.fit(shipped["frequency"], shipped["recency"], shipped["T"])
    model.params_ = dict(params)
    return model


def test_positional_fit_equals_frame_fit_and_keeps_data(shipped):
    by_frame = clv.BetaGeo().fit(shipped)
    positional = clv.BetaGeoFitter().fit(shipped["frequency"], shipped["recency"], shipped["T"])
    assert positional.params_ == pytest.approx(by_frame.params_, rel=1e-9)
    # FHL 2005 on the same summary: r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4
    assert positional.log_likelihood_ == pytest.approx(-9582.43, abs=0.01)
    assert list(positional.data.columns) == ["frequency", "recency", "T", "weights"]
    assert positional.data.index.equals(shipped.index) and positional.data["weights"].sum() == 2357
    labelled = clv.BetaGeo().fit(shipped["frequency"].to_numpy(), shipped["recency"].to_numpy(),
                                 shipped["T"].to_numpy(), index=[f"c{i}" for i in range(len(shipped))])
    assert labelled.data.index[0] == "c0" and labelled.data["frequency"].iloc[0] == 2
    with pytest.raises(InputError, match="index has 2 labels"):
        clv.BetaGeo().fit([1, 0, 2], [3.0, 0.0, 4.0], [5.0, 5.0, 5.0], index=["a", "b"])


def test_initial_params_as_lifetimes_log_array_or_a_mapping(shipped):
    start = np.log([0.1, 1.0, 0.5, 1.0])
    a = clv.BetaGeo().fit(shipped["frequency"], shipped["recency"], shipped["T"], None, start)
    b = clv.BetaGeo().fit(shipped, initial_params=dict(zip(("r", "alpha", "a", "b"), np.exp(start))))
    assert a.params_ == pytest.approx(b.params_, rel=1e-7)
    with pytest.raises(InputError, match="needs 4 values"):
        clv.BetaGeo().fit(shipped, initial_params=[0.1, 0.2])


def test_lifetimes_summary_layout(shipped):
    s = clv.BetaGeo().fit(shipped).summary
    assert list(s.columns) == ["coef", "se(coef)", "lower 95% bound", "upper 95% bound"]
    assert s.loc["r", "coef"] == pytest.approx(0.2426, abs=1e-4)


def test_bg_probability_of_n_purchases_equals_lifetimes(shipped):
    bg = _with(clv.BetaGeo(), BG, shipped)
    got = [bg.probability_of_n_purchases_up_to_time(30, n) for n in range(5)]
    assert got == pytest.approx([0.6076043569943503, 0.19350591238630124, 0.07997416445890301,
                                 0.04160642839060795, 0.024370806151839224], rel=1e-10)
    # a distribution over n, whose mean is eq. 9's E[X(t)] (independent of lifetimes)
    n = np.arange(400)
    pmf = np.asarray(bg.probability_of_n_purchases_up_to_time(30, n))
    assert pmf.sum() == pytest.approx(1.0, abs=1e-12)
    assert n @ pmf == pytest.approx(bg.expected_number_of_purchases_up_to_time(30), rel=1e-10)


@pytest.mark.parametrize("model, params, cells", [
    (clv.BetaGeo, BG, [1.0, 0.1442766763875575, 0.974602159946819, 0.30933048864314555]),
    (clv.ParetoNBD, PN, [0.30027029187536336, 0.17315364817931336, 1.0, 0.39249642374027915]),
])
def test_probability_alive_matrix_equals_lifetimes(shipped, model, params, cells):
    m = _with(model(), params, shipped).conditional_probability_alive_matrix()
    # rows: recency 0..38 (the largest T), columns: frequency 0..29 (the largest frequency)
    assert m.shape == (39, 30)
    assert [m[0, 0], m[10, 3], m[38, 29], m[20, 5]] == pytest.approx(cells, rel=1e-10)


def test_pareto_conditional_probability_of_n_equals_lifetimes(shipped):
    pn = _with(clv.ParetoNBD(), PN, shipped)
    got = pn.conditional_probability_of_n_purchases_up_to_time(np.arange(5), 10, 2, 30.43, 38.86)
    assert list(got) == pytest.approx([0.689778574472528, 0.22357284243409462, 0.06528282489991016,
                                       0.016480326655169686, 0.0038234506835306934], rel=1e-9)
    got = pn.conditional_probability_of_n_purchases_up_to_time(np.array([0, 1, 3, 8]), 39, 7, 35.0, 38.86)
    assert list(got) == pytest.approx([0.1398222929527542, 0.08147426338372137, 0.10496717980862949,
                                       0.059532899079087584], rel=1e-9)
    assert pn.expected_probability_no_purchase(10, 2, 30.43, 38.86) == pytest.approx(0.689778574472528, rel=1e-9)


@pytest.mark.parametrize("model, params", [(clv.BetaGeo, BG), (clv.ParetoNBD, PN)])
def test_conditional_pmf_is_a_distribution_with_the_conditional_mean(shipped, model, params):
    """Independent of any peer: the pmf sums to 1 and its mean is the model's own closed-form E[Y(t)]."""
    m = _with(model(), params, shipped)
    n = np.arange(400)
    for x, tx, T in ((0, 0.0, 38.86), (2, 30.43, 38.86), (7, 10.0, 38.86)):
        pmf = np.asarray(m.conditional_probability_of_n_purchases_up_to_time(n, 26, x, tx, T))
        assert pmf.sum() == pytest.approx(1.0, abs=1e-10)
        assert n @ pmf == pytest.approx(m.conditional_expected_number_of_purchases_up_to_time(26, x, tx, T), rel=1e-9)
    if model is clv.ParetoNBD:
        pmf = np.asarray(m.probability_of_n_purchases_up_to_time(30, n))
        assert n @ pmf == pytest.approx(m.expected_number_of_purchases_up_to_time(30), rel=1e-9)


def test_pareto_probability_alive_in_the_future(shipped):
    pn = _with(clv.ParetoNBD(), PN, shipped)
    now = pn.conditional_probability_alive(2, 30.43, 38.86)
    later = pn.conditional_probability_alive(2, 30.43, 38.86, future_t=10)
    # alive at T, the drop-out rate is gamma(s, beta + T): survival for 10 more weeks
    assert later == pytest.approx(now * ((PN["beta"] + 38.86) / (PN["beta"] + 48.86)) ** PN["s"], rel=1e-12)
    assert later < now
    with pytest.raises(InputError, match="future_t"):
        pn.conditional_probability_alive(2, 30.43, 38.86, future_t=-1)


def test_gamma_gamma_positional_fit_and_q_constraint(shipped):
    rep = shipped[shipped["frequency"] > 0]
    gg = clv.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    # Fader & Hardie 2013 on the same 946 repeat buyers: p 6.25, q 3.74, gamma 15.44
    assert (gg.params_["p"], gg.params_["q"], gg.params_["v"]) == pytest.approx((6.25, 3.74, 15.44), rel=0.01)
    assert gg.data.index.equals(rep.index) and list(gg.data.columns) == ["monetary_value", "frequency", "weights"]
    # not binding on CDNOW (q = 3.7): the same estimates
    assert clv.GammaGamma().fit(rep["frequency"], rep["monetary_value"], q_constraint=True).params_ == \
        pytest.approx(gg.params_, rel=1e-6)
    # heavy-tailed spend: unconstrained q falls below 1 (the population mean is undefined); the
    # constraint holds it at 1
    rng = np.random.default_rng(5)
    x = rng.integers(1, 8, 3000).astype(float)
    nu = rng.gamma(0.6, 1 / 10.0, 3000)
    m = rng.gamma(4.0 * x, 1 / (nu * x))
    free = clv.GammaGamma().fit(x, m)
    held = clv.GammaGamma().fit(x, m, q_constraint=True)
    assert free.params_["q"] < 1.0
    assert held.params_["q"] == pytest.approx(1.0, abs=1e-9) and held.log_likelihood_ < free.log_likelihood_


def test_customer_lifetime_value_uses_lifetimes_default_unit(shipped):
    """lifetimes' default ``freq`` is "D": the summary's unit is read as days, as lifetimes reads it."""
    bg = clv.BetaGeo().fit(shipped)
    rep = shipped[shipped["frequency"] > 0]
    gg = clv.GammaGamma().fit(rep["frequency"], rep["monetary_value"])
    args = (bg, shipped["frequency"], shipped["recency"], shipped["T"], shipped["monetary_value"])
    default, days = gg.customer_lifetime_value(*args), gg.customer_lifetime_value(*args, freq="D")
    assert default.equals(days)
    # these are weeks: read as days, a month is 30 of them instead of 4.345, so far more purchases
    assert default.sum() > 3 * gg.customer_lifetime_value(*args, freq="W").sum()


@pytest.mark.parametrize("model", [clv.BetaGeo, clv.ParetoNBD, clv.GammaGamma])
def test_save_and_load_as_json_predict_the_same(shipped, model, tmp_path):
    m = model().fit(shipped if model is not clv.GammaGamma else shipped[shipped["frequency"] > 0])
    path = tmp_path / "model.json"
    m.save_model(path)
    assert path.read_text().lstrip().startswith("{")          # JSON, not a pickle
    back = clv.load_model(path)
    into = model().load_model(path)
    assert type(back) is model and back.params_ == m.params_ and into.params_ == m.params_
    pd.testing.assert_frame_equal(back.summary_, m.summary_)
    pd.testing.assert_frame_equal(back.variance_matrix_, m.variance_matrix_)
    pd.testing.assert_frame_equal(back.data, m.data)
    if model is clv.GammaGamma:
        assert back.conditional_expected_average_profit(3, 40.0) == m.conditional_expected_average_profit(3, 40.0)
    else:
        f, r, T = shipped["frequency"], shipped["recency"], shipped["T"]
        assert back.predict(10, f, r, T).equals(m.predict(10, f, r, T))
        assert np.array_equal(back.conditional_probability_alive_matrix(), m.conditional_probability_alive_matrix())
    m.save_model(path, save_data=False)
    assert clv.load_model(path).data is None


def test_load_model_refuses_pickles_and_the_wrong_class(shipped, tmp_path):
    bad = tmp_path / "bgf.pkl"
    bad.write_bytes(b"\x80\x04\x95")
    with pytest.raises(InputError, match="not JSON"):
        clv.load_model(bad)
    with pytest.raises(InputError, match="no saved model"):
        clv.load_model(tmp_path / "missing.json")
    path = tmp_path / "bg.json"
    clv.BetaGeo().fit(shipped).save_model(path)
    with pytest.raises(InputError, match="holds a BetaGeo, not a ParetoNBD"):
        clv.ParetoNBD().load_model(path)
    with pytest.raises(ValueError):   # InputError is a ValueError, as lifetimes users catch
        clv.ParetoNBD().load_model(path)


def test_sbg_expected_residual_lifetime():
    """Fader & Hardie (2007) 'high end' cohort: alpha 0.668, beta 3.806; DERL at 10% after 7 renewals
    is 7.530 in the independent sBG implementation 'shifted_beta_geometric' (its README), and equals
    the discounted sum of the survival curve (Fader & Hardie 2010, eq. 6)."""
    m = clv.ShiftedBetaGeo().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    assert (m.params_["alpha"], m.params_["beta"]) == pytest.approx((0.668, 3.806), abs=1e-3)
    assert m.expected_residual_lifetime(7, 0.1) == pytest.approx(7.530, abs=5e-4)
    k = np.arange(1, 3000)
    for t in (0, 3, 7):
        direct = np.sum(np.asarray(m.survival(t + k)) / float(m.survival(t)) / 1.1 ** (k - 1))
        assert m.expected_residual_lifetime(t, 0.1) == pytest.approx(direct, rel=1e-10)
    # heterogeneity: the survivors are the loyal ones, so DERL grows with tenure
    assert np.all(np.diff(m.expected_residual_lifetime(np.arange(10), 0.1)) > 0)
    with pytest.raises(InputError, match="discount_rate"):
        m.expected_residual_lifetime(1, 0.0)


@pytest.fixture(scope="module")
def cdnow_dated(cdnow_tx) -> pd.DataFrame:
    return cdnow_tx.rename(columns={"order_date": "dt"})[["customer_id", "dt"]]


# lifetimes' BetaGeoFitter fitted on summary_data_from_transaction_data(sample, freq="W",
# observation_period_end="1997-09-30")
BG_WEEKLY = dict(zip(("r", "alpha", "a", "b"), (0.2909363194028945, 6.852093906789362, 0.6652493616034926,
                                                 2.3203235036766894)))


def test_expected_cumulative_transactions_equals_lifetimes(cdnow_dated):
    bg = clv.BetaGeo()
    bg.params_ = dict(BG_WEEKLY)
    weekly = clv.expected_cumulative_transactions(bg, cdnow_dated, "dt", "customer_id", 78, freq="W")
    assert len(weekly) == 78
    assert weekly["actual"].iloc[[0, 10, 38, 77]].tolist() == [0, 466, 2195, 4001]
    assert weekly["predicted"].iloc[[0, 10, 38, 77]].tolist() == pytest.approx(
        [4.160728410571079, 444.9680035325365, 2259.1606513949614, 3971.1450763169482], rel=1e-10)
    daily = clv.expected_cumulative_transactions(bg, cdnow_dated, "dt", "customer_id", 546, freq="D",
                                                 freq_multiplier=7, set_index_date=True)
    assert len(daily) == 78 and str(daily.index[0]) == "1997-01-07"
    assert daily["actual"].iloc[[0, 50, 77]].tolist() == [0, 3153, 4339]
    assert daily["predicted"].iloc[[0, 50, 77]].tolist() == pytest.approx(
        [3.4332580861898316, 2842.350932691578, 3966.358107582611], rel=1e-10)


def test_calculate_alive_path_equals_lifetimes(cdnow_dated):
    bg = clv.BetaGeo()
    bg.params_ = dict(BG_WEEKLY)
    path = clv.calculate_alive_path(bg, cdnow_dated[cdnow_dated["customer_id"] == 1], "dt", 80, freq="W")
    assert len(path) == 81
    assert path.iloc[[0, 1, 5, 30, 60, 80]].tolist() == pytest.approx(
        [1.0, 1.0, 0.7052738416640755, 0.833085635593636, 0.7823294959460133, 0.6029989650140521], rel=1e-12)
    with pytest.raises(InputError, match="no purchases"):
        clv.calculate_alive_path(bg, cdnow_dated.iloc[:0], "dt", 10)


@pytest.mark.parametrize("generate, model, truth", [
    (clv.beta_geometric_nbd_model, clv.BetaGeo, BG),
    (clv.pareto_nbd_model, clv.ParetoNBD, PN),
])
def test_generators_draw_the_model(generate, model, truth):
    """The mean frequency of simulated customers is the model's E[X(T)]; the same seed gives the same
    draws (parameter recovery over seeds: tests/clv/test_generators.py)."""
    sim = generate(39.0, *truth.values(), size=20000, seed=3)
    assert sim.equals(generate(39.0, *truth.values(), size=20000, seed=3))
    assert not sim.equals(generate(39.0, *truth.values(), size=20000, seed=4))
    expected = model()
    expected.params_ = dict(truth)
    se = sim["frequency"].std() / math.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - expected.expected_number_of_purchases_up_to_time(39.0)) < 3 * se
    assert set(sim.columns) >= {"frequency", "recency", "T", "lambda", "alive"}
    assert (sim["recency"] <= sim["T"]).all() and (sim.loc[sim["frequency"] == 0, "recency"] == 0).all()


def test_transactional_generator_summarises_back():
    log = clv.beta_geometric_nbd_model_transactional_data(39, *BG.values(), observation_period_end="2019-1-1",
                                                          freq="W", size=2000, seed=2)
    assert list(log.columns) == ["customer_id", "date"] and log["customer_id"].nunique() == 2000
    s = clv.summary_data_from_transaction_data(log, "customer_id", "date", observation_period_end="2019-1-1",
                                               freq="W")
    assert len(s) == 2000 and s["T"].between(38, 40).all()
    expected = clv.BetaGeo()
    expected.params_ = dict(BG)
    # whole calendar weeks merge a few purchases, so slightly below E[X(39)]
    assert 0.85 * expected.expected_number_of_purchases_up_to_time(39.0) < s["frequency"].mean() \
        <= 1.1 * expected.expected_number_of_purchases_up_to_time(39.0)


def test_bg_bb_generator_moments():
    sim = clv.beta_geometric_beta_binom_model(6, 1.204, 0.750, 0.657, 2.783, size=20000, seed=1)
    assert list(sim.columns) == ["frequency", "recency", "n_periods", "p", "theta", "alive"]
    assert sim["frequency"].between(0, 6).all() and (sim["recency"] >= sim["frequency"]).all()
    # by simulation of the same process directly, opportunity by opportunity
    rng = np.random.default_rng(9)
    p, th = rng.beta(1.204, 0.750, 200000), rng.beta(0.657, 2.783, 200000)
    alive, count = np.ones(p.size, bool), np.zeros(p.size)
    for _ in range(6):
        alive &= rng.random(p.size) >= th
        count += alive & (rng.random(p.size) < p)
    assert sim["frequency"].mean() == pytest.approx(count.mean(), abs=0.05)
