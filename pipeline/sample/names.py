"""Customer names: the name pools per industry, the thesis customers, second names (aliases) and the
Traditional -> Simplified conversion the Simplified-script exports are written with.

Similarities are rapidfuzz ``fuzz.ratio`` scores (0-100) of :func:`name_key` keys.
"""

from __future__ import annotations

import re

import numpy as np

from pipeline.sample.config import ALIAS_SHARE, DISTRICTS

# customer names
_BANKS = ("中國銀行", "中國工商銀行", "中國建設銀行", "中國農業銀行", "交通銀行", "招商銀行", "上海浦東發展銀行",
          "中信銀行", "興業銀行", "華夏銀行", "中國民生銀行", "中國光大銀行", "杭州銀行", "浙商銀行", "廣東發展銀行",
          "深圳發展銀行", "寧波銀行", "北京銀行", "匯豐銀行", "渣打銀行", "東亞銀行", "瑞穗實業銀行",
          "杭州聯合農村合作銀行", "中國郵政儲蓄銀行", "日本三井住友銀行")
_WORDS = ("恒達", "華興", "金鼎", "新安", "宏遠", "天成", "永盛", "鑫源", "瑞豐", "明珠", "中天", "海天", "匯通",
          "博遠", "信達", "錢江", "西子", "之江", "富春", "聚光", "長城", "紅星", "藍天", "綠洲", "金橋", "銀河",
          "星辰", "華越", "萬豐", "盛達", "聯盈", "泰和", "同創", "康橋", "億利", "嘉禾", "九洲", "新世紀", "遠航",
          "申通")
_TRADES = ("機械製造", "電子", "精密儀器", "汽車零部件", "紡織", "化纖", "食品", "製藥", "電器", "五金",
           "塑料製品", "科技信息", "軟件", "通信設備", "建材", "印染", "服飾", "包裝", "光電", "新材料")
_CAFES = ("星空", "極速", "天空", "飛揚", "藍色港灣", "夢幻", "新世紀", "龍騰", "聚友", "e時代", "零點", "火狐",
          "旋風", "星際", "金手指", "快樂驛站", "彩虹", "網魚", "浪淘沙", "天域", "龍門", "綠茵", "時空", "戰神",
          "冰點", "風雲", "夢工場", "英雄", "銀河", "紫荊")
_BUREAUS = ("公安", "財政", "教育", "衛生", "交通", "民政", "國土資源", "工商行政管理", "質量技術監督",
            "環境保護", "統計", "審計", "建設", "規劃", "文化", "勞動和社會保障")
_TELECOMS = ("中國電信", "中國移動", "中國聯通", "中國網通", "中國鐵通", "華數數字電視")
_UNIVERSITIES = ("浙江大學", "浙江工業大學", "杭州電子科技大學", "浙江工商大學", "杭州師範大學", "中國美術學院",
                 "浙江理工大學", "浙江財經學院", "中國計量學院", "浙江中醫藥大學", "浙江科技學院", "浙江傳媒學院",
                 "杭州職業技術學院", "浙江經濟職業技術學院", "浙江金融職業學院")
_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五")

# the customers of thesis table 4-1: (canonical name, industry, name as written in the thesis, tier)
ANCHORS = [
    ("中國電子口岸數據中心", "government", "中國電子口岸數據中心", "VIP"),
    ("杭州維榮科技信息有限公司", "manufacturer", "杭州維榮科技信息有限公司", "SMB"),
    ("杭州市中國重汽集團", "manufacturer", "杭州市中國重汽集團", "Large"),
    ("浙江省地方稅務局", "tax_bureau", "省地稅局", "VIP"),
    ("東方紅網吧", "internet_cafe", "東方紅網吧", "SMB"),
    ("中國銀行杭州分行", "bank", "中國銀行", "VIP"),
    ("杭州中萃食品有限公司", "manufacturer", "中萃", "SMB"),
    ("愛知工程有限公司", "manufacturer", "愛知工程有限公司", "SMB"),
    ("浙江省農村信用社聯合社", "bank", "浙江農信", "VIP"),
    ("日本三井住友銀行杭州分行", "bank", "日本三井住友銀行", "Large"),
]
ANCHOR_ALIAS = {"中國電子口岸數據中心": "中國電子口岸數據分析中心"}

_LEGAL = ("股份有限公司", "有限公司")
_KEY_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


class TraditionalToSimplified:
    """Cached Traditional -> Simplified conversion (opencc)."""

    def __init__(self):
        import opencc

        self._cc = opencc.OpenCC("t2s")
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if not text:
            return text
        out = self._cache.get(text)
        if out is None:
            out = self._cc.convert(text)
            self._cache[text] = out
        return out


def name_key(name: str) -> str:
    """The matching key of a customer name: no spaces or punctuation, casefolded, without the legal form
    (股份有限公司 / 有限公司) at the end."""
    key = _KEY_PUNCT.sub("", name).casefold()
    for suffix in _LEGAL:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def would_fuzzy_merge(key: str, keys: list[str], cutoff: float = 86.0) -> bool:
    """True if ``key`` is as similar as a fuzzy match would merge to one of ``keys``."""
    from rapidfuzz import fuzz, process

    return bool(keys) and process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


# ============================================================================================
# name pools and aliases

def name_pools() -> dict[str, list[str]]:
    """Candidate customer names per industry (Traditional script), each list sorted and distinct."""
    pools: dict[str, list[str]] = {}
    pools["bank"] = [f"{b}杭州分行" for b in _BANKS] + [
        f"{b}杭州{d[:-1]}支行" for b in _BANKS for d in DISTRICTS]
    tax = ["浙江省國家稅務局", "杭州市地方稅務局", "杭州市國家稅務局"]
    for d in DISTRICTS:
        local = d if d.endswith(("市", "縣")) else f"杭州市{d}"
        tax += [f"{local}地方稅務局", f"{local}國家稅務局", f"杭州市地方稅務局{d[:-1]}稽查分局"]
    pools["tax_bureau"] = tax
    pools["manufacturer"] = [f"杭州{w}{t}有限公司" for w in _WORDS for t in _TRADES] + [
        f"浙江{w}{t}股份有限公司" for w in _WORDS for t in _TRADES]
    pools["internet_cafe"] = [f"{w}網吧" for w in _CAFES] + [f"杭州{w}網絡會所" for w in _CAFES]
    gov = [f"{d}人民政府" if d.endswith(("市", "縣")) else f"杭州市{d}人民政府" for d in DISTRICTS]
    gov += [f"杭州市{b}局" for b in _BUREAUS] + [
        f"浙江省{b}廳" for b in _BUREAUS[:8]] + [f"杭州市公安局{d[:-1]}分局" for d in DISTRICTS] + [
        "杭州海關", "浙江省人民政府辦公廳", "杭州市人民政府辦公廳"]
    pools["government"] = gov
    pools["telecom"] = [f"{op}杭州分公司" for op in _TELECOMS] + [f"{op}浙江分公司" for op in _TELECOMS] + [
        f"{op}杭州{d[:-1]}營業部" for op in _TELECOMS for d in DISTRICTS]
    pools["education"] = list(_UNIVERSITIES) + [f"杭州市第{n}中學" for n in _NUMERALS] + [
        f"杭州市{d}職業高級中學" for d in DISTRICTS]
    pools["logistics"] = [f"杭州{w}物流有限公司" for w in _WORDS] + [f"浙江{w}快遞有限公司" for w in _WORDS] + [
        f"杭州{w}貨運代理有限公司" for w in _WORDS] + ["中國郵政速遞物流杭州分公司"]
    return {k: sorted(set(v)) for k, v in pools.items()}


def _alias_candidates(name: str) -> list[str]:
    out = []
    if "數據中心" in name:
        out.append(name.replace("數據中心", "數據分析中心"))
    if name.endswith("股份有限公司"):
        out.append(name[: -len("股份有限公司")] + "有限公司")
    elif name.endswith("有限公司"):
        out.append(name[: -len("有限公司")])
        out.append(name[: -len("有限公司")] + "股份有限公司")
    if name.endswith("杭州分行"):
        out.append(name[: -len("杭州分行")] + "杭州市分行")
    if name.endswith("支行") and "杭州" in name:
        out.append(name.replace("杭州", "", 1))
    if name.endswith("分公司") and "杭州" in name:
        out.append(name.replace("杭州", "杭州市", 1))
    if name.startswith("杭州市") and not name.endswith("中學"):
        out.append("杭州" + name[3:])
    if name.startswith("浙江省"):
        out.append("浙江" + name[3:])
    if name.endswith("網吧"):
        out.append("杭州" + name)
    if name in _UNIVERSITIES:
        out.append(name + "信息中心")
    m = re.fullmatch(r"杭州市第(.+)中學", name)
    if m:
        out.append(f"杭州{m.group(1)}中")
    if name.endswith("營業部"):
        out.append(name[: -len("營業部")] + "營業廳")
    if not out and "杭州" not in name:
        out.append("杭州" + name)
    return out


def assign_aliases(rng: np.random.Generator, customers: list[dict], t2s: TraditionalToSimplified,
                   eligible: list[bool]) -> None:
    """About 10% of customers (among ``eligible``: those with dispatches) get a second name.

    About half of the aliases are listed in customers.csv: every alias a fuzzy match would miss,
    then others; the unlisted ones are left for fuzzy matching.
    """
    n = len(customers)
    names = [c["name"] for c in customers]
    keys = [name_key(x) for x in names]
    all_keys = set(keys)
    used_simplified = {t2s(x) for x in names}
    n_alias = max(1, int(round(ALIAS_SHARE * n)))
    order = [int(j) for j in rng.permutation(n)]
    order.sort(key=lambda i: (names[i] not in ANCHOR_ALIAS, not eligible[i]))  # stable: keeps the shuffle
    chosen = []
    for i in order:
        if len(chosen) >= n_alias:
            break
        name = names[i]
        cands = [ANCHOR_ALIAS[name]] if name in ANCHOR_ALIAS else _alias_candidates(name)
        cands = [c for c in cands if c != name]
        if not cands:
            continue
        alias = cands[int(rng.integers(len(cands)))]
        ak = name_key(alias)
        others = [k for j, k in enumerate(keys) if j != i]
        if t2s(alias) in used_simplified or (ak in all_keys and ak != keys[i]) or would_fuzzy_merge(ak, others):
            continue
        used_simplified.add(t2s(alias))
        customers[i]["alias"] = alias
        customers[i]["alias_similarity"] = round(_ratio(ak, keys[i]), 1)
        chosen.append(i)
    hard = [i for i in chosen if customers[i]["alias_similarity"] < 88.0]
    easy = [i for i in chosen if customers[i]["alias_similarity"] >= 88.0]
    n_list = max(len(hard), int(round(len(chosen) / 2)))
    listed = set(hard)
    for j in rng.permutation(len(easy)):
        if len(listed) >= n_list:
            break
        listed.add(easy[int(j)])
    for i in chosen:
        customers[i]["alias_listed"] = i in listed
