"""Cross-sell: exact pair measures on a hand-made table; the planted affinities come out on top."""

from __future__ import annotations

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
