"""Cross-sell: exact pair measures on a hand-made table; the planted affinities come out on top."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.lifecycle import crosssell as cs


def _sales(rows):
    return pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "product_id", "amount"]).assign(
        order_date=lambda d: pd.to_datetime(d["order_date"]), is_return=False, product_category="c")


HAND = _sales([
    ("o1", "c1", "2020-01-01", "A", 10), ("o1", "c1", "2020-01-01", "B", 5), ("o1", "c1", "2020-01-01", "B", 5),
    ("o2", "c2", "2020-02-01", "A", 10),
    ("o3", "c2", "2020-03-01", "B", 10),
    ("o4", "c3", "2021-01-01", "C", 10),
    ("o5", "c3", "2021-02-01", "A", -10),      # a negative line is not a purchase
])


def test_pair_measures_by_hand():
    order = cs.pair_table(HAND, "order").set_index(["product_a", "product_b"])
    # orders with purchases: o1 {A,B}, o2 {A}, o3 {B}, o4 {C} -> 4 baskets
    row = order.loc[("A", "B")]
    assert row["customers"] == 1 and row["support"] == 0.25
    assert row["confidence"] == 0.5 and row["lift"] == pytest.approx(0.5 / 0.5)
    cust = cs.pair_table(HAND, "customer").set_index(["product_a", "product_b"])
    # customers: c1 {A,B}, c2 {A,B}, c3 {C} -> 3 baskets
    row = cust.loc[("A", "B")]
    assert row["customers"] == 2 and row["support"] == pytest.approx(2 / 3)
    assert row["confidence"] == 1.0 and row["lift"] == pytest.approx(1.5)
    assert ("A", "C") not in cust.index
    assert list(cust.reset_index().columns[:6]) == ["product_a", "product_b", "customers", "support", "confidence",
                                                    "lift"]


def test_other_extension_measures_by_hand():
    more = cs.bought_more(HAND, 2021)
    assert more == {"customers": 2, "bought_more": 0, "share": 0.0}
    contracts = pd.DataFrame({"contract_id": ["k1", "k2", "k3"], "customer_id": ["c1", "c1", "c2"],
                              "start_date": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-01-01"]),
                              "service_level": ["5x9", "7x24x4", "7x24x8"]})
    up = cs.service_level_upgrades(contracts)
    assert up.to_dict("records") == [{"from_level": "5x9", "to_level": "7x24x4", "changes": 1, "direction": "upgrade"}]
    breadth = cs.breadth_over_time(HAND.assign(product_category=HAND["product_id"]))
    assert breadth["customers"].tolist() == [2, 3] and breadth["mean_breadth"].tolist() == [2.0, 5 / 3]
    # c1 {A,B}, c2 {A,B}, c3 {A}: P(B | A) = 2/3 -> suggest B to c3 because of A
    sug = cs.next_product_suggestions(HAND.assign(product_id=["A", "B", "B", "A", "B", "A", "A"],
                                                  amount=10), min_count=1)
    assert sug[["customer_id", "rank", "product", "because"]].to_dict("records") == [
        {"customer_id": "c3", "rank": 1, "product": "B", "because": "A"}]
    assert sug["score"].iloc[0] == pytest.approx(2 / 3)


@pytest.fixture(scope="module")
def sample(sample_processed):
    return sample_processed(400)


def test_planted_pairs_are_the_top_pairs_by_lift(sample):
    truth, data = sample
    min_support = 0.005
    pairs = cs.pair_table(data["sales"], "order", min_support=min_support)
    unordered = pairs.assign(pair=[frozenset(p) for p in zip(pairs["product_a"], pairs["product_b"])])
    unordered = unordered.drop_duplicates("pair")
    planted = {frozenset((c["product_a"], c["product_b"])) for c in truth["cross_sell"]}
    planted_seen = planted & set(unordered["pair"])
    assert len(planted_seen) >= 4
    top = set(unordered["pair"].head(len(planted_seen)))
    planted_lift = {frozenset((c["product_a"], c["product_b"])): c["lift_planted"] for c in truth["cross_sell"]}
    strong = {p for p in planted_seen if planted_lift[p] >= 2}
    assert strong <= top
    assert (unordered["pair"].head(len(strong)).isin(planted)).all()


def _all_candidates_suggestions(sales, top=3, min_count=1):
    """The suggestions from every (customer, owned a, rule a → b) row, as the one merge would give them."""
    s = cs.purchases(sales)
    rules = cs.pair_table(s, "customer", min_count=min_count)
    owned = s[["customer_id", "product_id"]].drop_duplicates()
    cand = owned.merge(rules[["product_a", "product_b", "confidence"]], left_on="product_id", right_on="product_a")
    cand = cand.merge(owned.rename(columns={"product_id": "product_b"}).assign(_has=True),
                      on=["customer_id", "product_b"], how="left")
    cand = cand[cand["_has"].isna()].sort_values(["customer_id", "confidence", "product_b"],
                                                 ascending=[True, False, True])
    cand = cand.drop_duplicates(["customer_id", "product_b"])
    cand["rank"] = cand.groupby("customer_id").cumcount() + 1
    cand = cand[cand["rank"] <= top]
    return pd.DataFrame({"customer_id": cand["customer_id"], "rank": cand["rank"], "product": cand["product_b"],
                         "score": cand["confidence"], "because": cand["product_a"]}).reset_index(drop=True)


@pytest.mark.parametrize(("seed", "top"), [(seed, top) for seed in range(6) for top in (1, 3)])
def test_suggestions_from_the_pruned_candidates_are_those_of_all_candidates(seed, top, monkeypatch):
    # 60 products of skewed popularity: a customer owns a dozen, so most of a product's 59 rules are pruned
    rng = np.random.default_rng(seed)
    n, weights = 900, 1.0 / np.arange(1, 61)
    sales = pd.DataFrame({"customer_id": rng.integers(0, 70, n).astype(str),
                          "product_id": rng.choice([f"P{i:02d}" for i in range(60)], n, p=weights / weights.sum()),
                          "order_id": rng.integers(0, 300, n).astype(str),
                          "order_date": pd.Timestamp("2009-01-01"), "amount": 1.0, "is_return": False})
    expected = _all_candidates_suggestions(sales, top=top, min_count=2)
    pruned = cs.SuggestionCandidates.from_purchases(cs.purchases(sales), top, min_count=2)
    assert len(pruned.rows()[0]) == pruned.per_customer.sum()
    assert pruned.per_customer.sum() < 0.8 * _all_candidate_rows(sales)
    # slices of a few rows: the slicing must not change the result either
    monkeypatch.setattr(cs, "CANDIDATES_PER_SLICE", 97)
    got = cs.next_product_suggestions(sales, None, top=top, min_count=2).drop(columns="segment").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def _all_candidate_rows(sales) -> int:
    rules = cs.pair_table(sales, "customer", min_count=2)
    owned = sales[["customer_id", "product_id"]].drop_duplicates()
    return len(owned.merge(rules, left_on="product_id", right_on="product_a"))
