import pandas as pd

from pipeline.customers import derived_id, name_key, normalise_tier, resolve_customers


def test_name_key_ignores_script_width_space_and_legal_form():
    assert name_key("杭州维荣科技信息有限公司") == name_key("杭州維榮科技信息")
    assert name_key("ＡＢＣ Trading Co., Ltd.") == name_key("abc trading")
    assert name_key("中國銀行\u200b ") == name_key("中国银行")


def test_resolution_registry_exact_fuzzy_and_new():
    registry = pd.DataFrame({"customer_id": ["C1", "C2"], "customer_name": ["中國電子口岸數據中心", "中國銀行杭州分行"],
                             "aliases": [[], ["中行杭州"]]})
    names = pd.Series(["中国电子口岸数据中心", "中國電子口岸數據分析中心", "中行杭州", "中國銀行寧波分行", "東方紅網吧", "東方紅網吧"])
    out = resolve_customers(registry, names).set_index("name")
    assert out.loc["中国电子口岸数据中心", "customer_id"] == "C1"
    assert out.loc["中國電子口岸數據分析中心", ["customer_id", "method"]].tolist() == ["C1", "fuzzy"]
    assert 85 <= out.loc["中國電子口岸數據分析中心", "score"] < 100
    assert out.loc["中行杭州", "customer_id"] == "C2"
    # a different branch of the same bank is a different customer
    assert out.loc["中國銀行寧波分行", "method"] == "new"
    assert out.loc["東方紅網吧", "customer_id"] == derived_id(name_key("東方紅網吧"))


def test_overrides_win():
    registry = pd.DataFrame({"customer_id": ["C1"], "customer_name": ["甲公司"], "aliases": [[]]})
    out = resolve_customers(registry, pd.Series(["乙公司"]), overrides={"乙公司": "C1"})
    assert out.iloc[0][["customer_id", "method"]].tolist() == ["C1", "override"]


def test_tiers():
    assert normalise_tier(pd.Series(["VIP", "Large", "smb", "中小客户", "?"])).tolist() == ["VIP", "large", "SMB", "SMB",
                                                                                         None]
