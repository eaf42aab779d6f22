"""Lifecycle measures on hand-worked tables, and the planted win-backs on the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses import lifecycle as lc


def _sales(rows):
    d = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "is_return"])
    d["order_date"] = pd.to_datetime(d["order_date"])
    d["order_id"] = [f"o{i}" for i in range(len(d))]
    d["product_category"] = "server"
    return d


HAND = _sales([
    ("c1", "2020-01-05", 10, False), ("c1", "2020-02-10", 10, False), ("c1", "2020-04-01", 10, False),
    ("c2", "2020-01-20", 10, False), ("c2", "2020-03-03", 10, False),
    ("c3", "2020-02-15", 10, False), ("c3", "2020-02-20", 10, False), ("c3", "2020-03-01", 10, False),
    ("c4", "2020-02-28", 10, False), ("c4", "2020-03-05", -10, True),     # a return is not a purchase
])


def test_cohort_retention_by_hand():
    got = lc.cohort_retention(HAND, "M")
    expected = pd.DataFrame({
        "cohort": ["2020-01"] * 4 + ["2020-02"] * 2,
        "period_index": [0, 1, 2, 3, 0, 1],
        "customers": [2, 2, 2, 2, 2, 2],
        "retained": [2, 1, 1, 1, 2, 1],
        "rate": [1.0, 0.5, 0.5, 0.5, 1.0, 0.5]})
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    m = lc.cohort_matrix(got, end="2020-04")
    expected_m = pd.DataFrame([[1.0, 0.5, 0.5, 0.5], [1.0, 0.5, 0.0, np.nan]], index=["2020-01", "2020-02"],
                              columns=range(4))
    pd.testing.assert_frame_equal(m, expected_m, check_names=False)


def test_time_to_second_purchase_by_hand():
    t = lc.time_to_second_purchase(HAND, "2020-06-30").set_index("customer_id")
    assert t.loc["c1", "days"] == 36 and t.loc["c1", "event"]
    assert t.loc["c3", "days"] == 5 and t.loc["c3", "event"]
    assert t.loc["c4", "days"] == (pd.Timestamp("2020-06-30") - pd.Timestamp("2020-02-28")).days
    assert not t.loc["c4", "event"]


def test_win_back_and_stages_by_hand():
    sales = _sales([("a", "2018-01-10", 5, False), ("a", "2019-06-01", 5, False),    # gap 507 days: win-back
                    ("b", "2018-01-10", 5, False), ("b", "2018-12-01", 5, False),    # gap 325: no lapse
                    ("c", "2018-03-01", 5, False)])
    sales["channel"] = ["direct", "trade-in", "direct", "direct", "direct"]
    contracts = pd.DataFrame({"contract_id": ["k"], "customer_id": ["c"],
                              "start_date": pd.to_datetime(["2018-03-01"]), "end_date": pd.to_datetime(["2019-02-28"]),
                              "annual_fee": [100.0]})
    wb = lc.win_backs(sales, contracts, as_of="2019-12-31")
    assert wb[["customer_id", "gap_days", "via"]].to_dict("records") == [
        {"customer_id": "a", "gap_days": 507, "via": "trade-in"}]
    assert wb["value_after"].iloc[0] == 5
    customers = pd.DataFrame({"customer_id": ["a", "b", "c", "d"]})
    st = lc.stages_at(customers, sales, contracts, "2019-12-31")
    assert st.to_dict() == {"a": "won_back", "b": "lapsed", "c": "at_risk", "d": "prospect"}   # b: 395 days, c: 306
    st = lc.stages_at(customers, sales, contracts, "2018-06-30")
    assert st.to_dict() == {"a": "new", "b": "new", "c": "new", "d": "prospect"}
    tr = lc.stage_transitions(customers, sales, contracts, "2018-06-30", "2019-12-31")
    assert tr["customers"].sum() == 4


@pytest.fixture(scope="module")
def sample(sample_processed):
    return sample_processed(500)


def test_planted_win_backs_are_all_counted(sample):
    truth, data = sample
    assert "365 days" in truth["win_back_definition"]
    wb = lc.win_backs(data["sales"], data["contracts"], data["dispatches"], lapse_days=365,
                      as_of=truth["params"]["end"])
    found = set(zip(wb["customer_id"], wb["returned_on"].dt.strftime("%Y-%m-%d")))
    planted = [w for w in truth["win_back"] if w["planted"]]
    assert planted
    assert {(w["customer_id"], w["returned_on"]) for w in planted} <= found
    every = {(w["customer_id"], w["returned_on"]) for w in truth["win_back"]}
    assert len(every & found) >= 0.95 * len(every)


def test_cohort_counts_agree_on_the_dense_and_the_sorting_paths(monkeypatch):
    # the sparse fallback (np.unique) must give what the dense arrays give
    import numpy as np
    import pandas as pd

    from pipeline.analyses import lifecycle
    from pipeline.analyses.lifecycle import cohorts

    rng = np.random.default_rng(4)
    sales = pd.DataFrame({"customer_id": rng.integers(0, 300, 5000).astype(str),
                          "order_date": pd.Timestamp("2007-01-01") + pd.to_timedelta(rng.integers(0, 1000, 5000), "D"),
                          "is_return": rng.random(5000) < 0.05})
    dense = lifecycle.cohort_retention(sales, freq="M")
    monkeypatch.setattr(cohorts, "DENSE_KEYS", 0)
    monkeypatch.setattr(cohorts, "DENSE_COUNTS", 0)
    sorted_ = lifecycle.cohort_retention(sales, freq="M")
    pd.testing.assert_frame_equal(dense, sorted_)
    assert (dense.loc[dense["period_index"] == 0, "rate"] == 1.0).all()
    assert dense["customers"].groupby(dense["cohort"]).nunique().eq(1).all()
    assert dense.drop_duplicates("cohort")["customers"].sum() == sales.loc[~sales["is_return"], "customer_id"].nunique()


def test_selection_ranking_carries_both_models_uncertainty(sample):
    truth, data = sample
    sales = data["sales"]
    as_of = pd.Timestamp(truth["params"]["end"])
    ranking, models = lc.selection_ranking(sales, as_of)
    again, _ = lc.selection_ranking(sales, as_of)
    pd.testing.assert_frame_equal(ranking, again)           # seeded draws: the same table twice
    assert ranking["potential_value"].is_monotonic_decreasing and ranking["rank"].tolist()[:3] == [1, 2, 3]
    assert (ranking["potential_low"] <= ranking["potential_value"] + 1e-9).all()
    assert (ranking["potential_value"] <= ranking["potential_high"] + 1e-9).all()
    assert ranking[["p_alive_low", "p_alive_high"]].stack().between(0, 1).all()
    assert (ranking["p_alive_low"] <= ranking["p_alive"] + 1e-12).all()
    # potential = expected purchases x expected spend, the spend from the fitted Gamma-Gamma
    gg = models["gamma_gamma"]
    assert gg is not None
    np.testing.assert_allclose(ranking["potential_value"], ranking["expected_purchases"] * ranking["expected_spend"])
    # with the spend model's uncertainty, the intervals are wider than BG/NBD's alone would make them
    from pipeline import clv
    top = ranking.head(20)
    summary = clv.rfm_summary(lc.cohorts.buying_lines(sales), "customer_id", "order_date", "amount", freq="W",
                              observation_end=as_of).loc[top["customer_id"]]
    bg_only = clv.joint_interval(
        [models["bgnbd"]], lambda ms: np.asarray(ms[0].conditional_expected_number_of_purchases_up_to_time(
            52, summary["frequency"], summary["recency"], summary["T"])) * top["expected_spend"].to_numpy(),
        level=0.90, method="bootstrap", draws=200, seed=0)
    # (draw by draw the two samples differ, so compare the widths in total, not customer by customer)
    assert (top["potential_high"] - top["potential_low"]).sum() > 1.1 * (bg_only["high"] - bg_only["low"]).sum()
