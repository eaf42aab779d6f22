"""Segmentation: k-means with the silhouette criterion, cluster words, migration, the nine-type grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.value import customer_value as value
from pipeline.analyses.value import segmentation as sg
from pipeline.report import i18n


def test_silhouette_matches_the_definition_on_a_small_case():
    X = np.array([[0.0], [1.0], [10.0], [11.0]])
    lab = np.array([0, 0, 1, 1])
    # point 0: a = 1, b = mean(10, 11) = 10.5 -> 1 - 1/10.5; symmetric for the others
    s = [1 - 1 / 10.5, 1 - 1 / 9.5, 1 - 1 / 9.5, 1 - 1 / 10.5]
    assert sg.silhouette(X, lab) == pytest.approx(np.mean(s))


def test_clustering_finds_three_planted_groups_and_is_seeded():
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [8, 0], [0, 8]])
    X = np.vstack([c + rng.normal(size=(40, 2)) for c in centres])
    f = pd.DataFrame(X, columns=["clv", "frequency"], index=[f"C{i}" for i in range(len(X))])
    a = sg.cluster_customers(f, seed=3, order_by="clv")
    b = sg.cluster_customers(f, seed=3, order_by="clv")
    assert a.k == 3 and max(a.silhouettes, key=a.silhouettes.get) == 3
    assert (a.labels == b.labels).all()
    truth = np.repeat([0, 1, 2], 40)
    assert pd.crosstab(truth, a.labels.to_numpy()).max(axis=1).sum() == 120   # perfect partition
    # cluster 1 has the highest mean clv (the group at x = 8)
    assert a.profile.loc[1, "clv"] == a.profile["clv"].max()


def test_too_few_customers_give_no_clustering():
    f = pd.DataFrame({"clv": [1.0, 2.0, 3.0]}, index=["a", "b", "c"])
    assert sg.cluster_customers(f) is None


def test_cluster_description_in_every_language():
    prof = pd.DataFrame({"customers": [12], "clv": [1.0], "clv_level": ["high"], "recency_days": [3.0],
                         "recency_days_level": ["low"], "breadth": [4], "breadth_level": ["high"]}, index=[1])
    feats = ["clv", "recency_days", "breadth"]
    en = sg.describe_cluster(prof.iloc[0], feats, lambda k, **v: i18n.t(k, "en", **v))
    assert en == "high value, recent, broad buyers; 12 customers"
    for lang in ("zh-Hant", "zh-Hans"):
        text = sg.describe_cluster(prof.iloc[0], feats, lambda k, lang=lang, **v: i18n.t(k, lang, **v))
        assert "12" in text and "high" not in text
    flat = prof.assign(clv_level="mid", recency_days_level="mid", breadth_level="mid")
    assert "average" in sg.describe_cluster(flat.iloc[0], feats, lambda k, **v: i18n.t(k, "en", **v))


def test_migration_table_counts_every_customer_once():
    before = pd.DataFrame({"customer_id": ["a", "b", "c"], "rfm_segment": ["loyal", "loyal", "at_risk"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c", "d"],
                          "rfm_segment": ["loyal", "at_risk", "hibernating", "new"]})
    m = sg.migration_table(before, after)
    assert m.to_numpy().sum() == 4
    assert m.loc["loyal", "loyal"] == 1 and m.loc["loyal", "at_risk"] == 1
    assert m.loc["(new)", "new"] == 1


def test_rfm_grid_names_all_25_cells():
    names = {value.rfm_segment(r, f) for r in range(1, 6) for f in range(1, 6)}
    assert "other" not in names
    assert {"champions", "loyal", "at_risk", "hibernating", "new", "cannot_lose"} <= names


def test_orientation_rule():
    values = pd.DataFrame({"customer_id": list("abcdefghij"),
                           "historical_value": [100.0] * 10, "current_value": [0.0] * 10,
                           "potential_value": np.arange(10, dtype=float)})
    first = pd.Series(pd.to_datetime(["2007-01-01"] * 9 + ["2009-06-01"]), index=list("abcdefghij"))
    o = sg.orientation_scores(values, first, "2009-10-01", "2010-01-01").set_index("customer_id")
    assert list(o.loc[["a", "b", "c"], "orientation"]) == ["past"] * 3      # lowest 30% of potential
    assert o.loc["j", "orientation"] == "future"                            # top, young
    assert o.loc["i", "orientation"] == "present"                           # top, but old
    assert o.loc["e", "orientation"] == "present"


def test_driver_rule_and_grid_has_nine_cells():
    sales = pd.DataFrame({
        "customer_id": ["e", "f", "f", "p"], "order_date": pd.to_datetime(["2009-01-01"] * 4),
        "amount": [80.0, 50.0, 50.0, 100.0], "discount": [0.2, 0.0, 0.0, 0.05], "is_return": False,
        "product_category": ["server", "server", "storage", "server"]})
    contracts = pd.DataFrame({"customer_id": ["p"], "start_date": pd.to_datetime(["2008-01-01"]),
                              "service_level": ["7x24x4"]})
    customers = pd.DataFrame({"customer_id": ["e", "f", "p"], "tier": ["SMB", "SMB", "VIP"]})
    d = sg.driver_scores(sales, contracts, customers, "2010-01-01").set_index("customer_id")
    assert d.loc["e", "driver"] == "economic" and d.loc["e", "discount_share"] == pytest.approx(0.2)
    assert d.loc["p", "driver"] == "psychological" and d.loc["p", "psychological_score"] == pytest.approx(1.5)
    assert d.loc["f", "driver"] == "functional" and d.loc["f", "breadth"] == 2
    assert d.loc["f", "functional_score"] == pytest.approx(1.0)
    types = pd.DataFrame({"orientation": ["past", "future"], "driver": ["economic", "psychological"],
                          "clv": [1.0, 2.0]})
    g = sg.grid_summary(types)
    assert len(g) == 9 and g["customers"].sum() == 2
    assert g.set_index("value_type").loc["perfectionist", "value"] == 2.0


def test_contract_chains_and_sbg_input():
    k = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "c"],
        "start_date": pd.to_datetime(["2007-01-01", "2008-01-01", "2009-01-01", "2007-02-01", "2008-02-01",
                                      "2007-03-01"]),
        "renewed": [True, True, None, True, False, False]})
    ch = value.contract_chains(k, "2010-01-01").set_index("customer_id")
    assert list(ch["years"]) == [3, 2, 1] and list(ch["observable"]) == [3, 3, 3]
    assert value.sbg_active(ch.reset_index(), min_customers=3) == [3, 2, 1]
    assert value.sbg_active(ch.reset_index(), min_customers=4) == []
