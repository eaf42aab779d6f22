"""Sample raw exports of a simulated service branch, with the truth they were drawn from.

``write_sample(out_dir)`` simulates one city's after-sales branch of a server vendor for three
years (customers, machines, maintenance contracts, dispatches, hardware sales), writes the raw
exports the way real systems produce them (mixed encodings, scripts, date formats, duplicated
and broken rows) and ``truth.json``: every planted parameter and quirk, so the cleaning and the
analyses can be tested against what is known to be true.

Everything is drawn from ``numpy.random.default_rng(seed)`` (the purchases from their own stream,
``default_rng([seed, 1])``) in a fixed order, no timestamp is written, and the ``.xlsx`` is rewritten
with fixed zip dates, so the same seed gives byte-identical files.

The purchase process is BG/NBD + Gamma-Gamma as planted (``truth.params``): each customer's rate and
drop-out probability are independent draws, and its time orientation (``truth.customers``) is read
from the simulated process afterwards; planted win-back purchases (channel ``trade-in``) are outside it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

DEFAULT_SEED = 20090108

FILE_DISPATCHES_OLD = "dispatches_2007_2008.csv"
FILE_DISPATCHES_NEW = "dispatches_2009.csv"
FILE_SALES = "sales_2007_2009.xlsx"
FILE_CUSTOMERS = "customers.csv"
FILE_CONTRACTS = "contracts.csv"
FILE_THESIS = "dispatches_thesis_table_4_1.csv"
FILE_TRUTH = "truth.json"
FILES = (FILE_DISPATCHES_OLD, FILE_DISPATCHES_NEW, FILE_SALES, FILE_CUSTOMERS, FILE_CONTRACTS,
         FILE_THESIS, FILE_TRUTH)

DISPATCH_HEADERS_HANT = ["派單號", "報修時間", "到場時間", "完成時間", "客戶名稱", "服務級別", "機型", "序列號",
                         "故障現象", "故障原因", "CAG預判原因", "寄送備件", "使用備件", "上門次數", "工程師", "分公司"]
DISPATCH_HEADERS_HANS = ["派单号", "报修时间", "到场时间", "完成时间", "客户名称", "服务级别", "机型", "序列号",
                         "故障现象", "故障原因", "CAG预判原因", "寄送备件", "使用备件", "上门次数", "工程师", "分公司"]
SALES_HEADERS = ["Order No", "Line", "Order Date", "Customer No", "Customer", "Product Code", "Product",
                 "Category", "Qty", "Unit Price", "Discount", "Amount", "Currency", "Channel"]
CUSTOMER_HEADERS = ["Customer ID", "Customer Name", "Aliases", "Industry", "Tier", "Region"]
CONTRACT_HEADERS = ["合同编号", "客户名称", "开始日期", "结束日期", "服务级别", "年费", "是否续保"]
THESIS_HEADERS = ["派單號", "報修日期", "故障現象", "機型", "客戶名稱", "故障原因"]

# --------------------------------------------------------------------------------------------
# planted parameters
BGNBD = {"r": 0.8, "alpha": 20.0, "a": 0.6, "b": 3.0}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 15000.0}
CAG_ACCURACY = 0.68
SECOND_CAUSE_RATE = 0.08
RENEWAL_INTERCEPT = 1.6
RENEWAL_TIER_EFFECTS = {"VIP": 0.6, "Large": 0.3, "SMB": 0.0}
SECOND_VISIT_EFFECT = 0.0  # kept at 0 so that sla_breach_effect=0 means no service effect at all
FAULTS_PER_MACHINE_YEAR = {"x": 2.4, "p": 1.8}
BREACH_PROB = {"5x9": 0.09, "7x24x8": 0.12, "7x24x4": 0.15}
BREACH_PROB_OFF_HOURS_EXTRA = 0.06
WIN_BACK_SHARE = 0.04
ORIENT_PAST, ORIENT_FUTURE, ORIENT_FUTURE_WEEKS = 0.3, 0.7, 104.0   # planted time orientation (_plant_orientation)
ALIAS_SHARE = 0.10

SERVICE_LEVELS = ("5x9", "7x24x8", "7x24x4")
SERVICE_LEVEL_WRITTEN = {"5x9": ["5*9", "5x9"], "7x24x8": ["7*24*8", "7x24x8"],
                         "7x24x4": ["7*24*4", "7×24×4", "7x24x4"]}
TIERS = ("VIP", "Large", "SMB")

INDUSTRIES = ("bank", "tax_bureau", "manufacturer", "internet_cafe", "government", "telecom",
              "education", "logistics")
INDUSTRY_SHARE = (0.14, 0.07, 0.27, 0.10, 0.12, 0.06, 0.10, 0.14)
# P(VIP), P(Large) by industry; the rest are SMB
TIER_PROBS = {"bank": (0.25, 0.45), "tax_bureau": (0.25, 0.45), "telecom": (0.18, 0.45),
              "government": (0.10, 0.35), "manufacturer": (0.03, 0.30), "logistics": (0.02, 0.25),
              "education": (0.03, 0.30), "internet_cafe": (0.0, 0.08)}
# P(functional), P(economic), P(psychological) by industry
DRIVER_PROBS = {"bank": (0.3, 0.2, 0.5), "tax_bureau": (0.4, 0.2, 0.4), "manufacturer": (0.5, 0.35, 0.15),
                "internet_cafe": (0.2, 0.65, 0.15), "government": (0.35, 0.25, 0.4),
                "telecom": (0.45, 0.2, 0.35), "education": (0.35, 0.45, 0.2), "logistics": (0.4, 0.45, 0.15)}
VALUE_TYPES = {("past", "functional"): "laggard", ("past", "economic"): "calculating",
               ("past", "psychological"): "nostalgic", ("present", "functional"): "practical",
               ("present", "economic"): "value_seeking", ("present", "psychological"): "status",
               ("future", "functional"): "avant_garde", ("future", "economic"): "far_sighted",
               ("future", "psychological"): "perfectionist"}
P_SERIES_SHARE = {"bank": 0.3, "tax_bureau": 0.3, "telecom": 0.3, "government": 0.2}

X_TYPES = ("7979", "7978", "8840", "8837", "7974", "6623", "8875", "8865", "8675", "8870", "8863", "8877",
           "7946", "7947", "8887", "8670")
P_TYPES = ("9117", "9131", "9133", "9110", "9406", "8203", "8204")
MODEL_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

BRANCH = "杭州分公司"
ENGINEERS = ("王建國", "李明", "張偉", "劉洋", "陳傑", "楊帆", "趙磊", "黃海濤", "周濤", "吳斌", "徐強", "孫浩",
             "胡軍", "朱曉東", "高峰", "林志明", "何平", "郭靖宇", "馬超", "羅剛")
P_SERIES_ENGINEERS = 3  # the first three work on p-series (AIX) customers

DISTRICTS = ("上城區", "下城區", "江干區", "拱墅區", "西湖區", "濱江區", "蕭山區", "餘杭區", "富陽市", "臨安市",
             "建德市", "桐廬縣", "淳安縣")

# --------------------------------------------------------------------------------------------
# fault catalogue
SYMPTOMS = {
    "HDD_AMBER": ["硬盤黃燈常亮", "硬碟黃燈亮", "4個HDD黃燈常亮", "HDD黃燈", "硬盤故障燈亮"],
    "NO_DISPLAY": ["開機無顯", "機器開機加電無顯示", "開機無顯示", "加電無顯示", "黑屏無顯示"],
    "RAID_SELFTEST": ["RAID卡自檢不過", "RAID卡自檢失敗", "陣列卡自檢不過"],
    "DISK_NOT_SEEN": ["硬盤在X3400的ctrl+a無法識別到", "硬盤無法識別", "RAID BIOS看不到硬盤"],
    "MEM_ERROR": ["報DIMM1錯,光通路MEM黃燈亮", "內存報錯", "光通路MEM燈亮", "DIMM報錯"],
    "BLUE_SCREEN": ["開機即藍屏", "藍屏", "系統藍屏死機"],
    "BOARD_ERROR": ["BOARD報錯", "主板報錯", "光通路BOARD燈亮"],
    "POWER_FAIL": ["電源燈不亮", "無法加電", "電源模塊故障燈亮"],
    "FAN_ERROR": ["風扇報錯", "風扇燈亮", "風扇故障"],
    "NIC_DOWN": ["網卡不通", "網卡無法連接", "網口燈不亮"],
}
SYMPTOM_PRIOR = {"HDD_AMBER": 0.22, "NO_DISPLAY": 0.14, "RAID_SELFTEST": 0.07, "DISK_NOT_SEEN": 0.08,
                 "MEM_ERROR": 0.12, "BLUE_SCREEN": 0.07, "BOARD_ERROR": 0.07, "POWER_FAIL": 0.08,
                 "FAN_ERROR": 0.08, "NIC_DOWN": 0.07}
CAUSES = {
    "DISK_PHYSICAL": ["硬盤物理損壞", "硬盤損壞", "硬碟壞"],
    "DISK_LOGICAL": ["硬盤邏輯掉線", "硬盤掉線"],
    "RAID_CARD": ["RAID卡故障", "陣列卡故障", "RAID卡壞"],
    "LOOSE_SLOT": ["插槽松動", "插槽鬆動", "接觸不良"],
    "MEMORY": ["內存報廢", "內存損壞", "內存故障"],
    "MOTHERBOARD": ["主板故障", "主板損壞", "主板壞"],
    "PCI_BOARD": ["PCI板故障", "PCI卡故障"],
    "PSU": ["電源故障", "電源模塊損壞"],
    "FAN": ["風扇損壞", "風扇故障"],
    "NIC": ["網卡故障", "網卡損壞"],
    "CPU": ["CPU故障", "處理器損壞"],
    "BACKPLANE": ["背板故障", "硬盤背板損壞"],
    "FIRMWARE": ["固件問題", "微碼需升級"],
}
CAUSE_PARTS = {"DISK_PHYSICAL": ["HDD"], "DISK_LOGICAL": [], "RAID_CARD": ["RAID"], "LOOSE_SLOT": [],
               "MEMORY": ["DIMM"], "MOTHERBOARD": ["MB"], "PCI_BOARD": ["PCI"], "PSU": ["PSU"],
               "FAN": ["FAN"], "NIC": ["NIC"], "CPU": ["CPU"], "BACKPLANE": ["BP"], "FIRMWARE": []}
# short nouns for cells like "主板,內存皆損壞" / "主板+內存" (only where the noun alone names the cause)
CAUSE_NOUNS = {"MEMORY": "內存", "MOTHERBOARD": "主板", "RAID_CARD": "RAID卡", "PSU": "電源", "FAN": "風扇",
               "NIC": "網卡", "CPU": "CPU", "PCI_BOARD": "PCI板"}
PART_NAMES = {"HDD": "硬盤", "DIMM": "內存", "MB": "主板", "RAID": "RAID卡", "PSU": "電源", "FAN": "風扇",
              "NIC": "網卡", "CPU": "CPU", "BP": "背板", "PCI": "PCI卡"}
PART_SEPARATORS = ("+", ",", "、", "/")
CAUSE_GIVEN_SYMPTOM = {
    "HDD_AMBER": {"DISK_PHYSICAL": 0.60, "DISK_LOGICAL": 0.20, "BACKPLANE": 0.12, "RAID_CARD": 0.08},
    "NO_DISPLAY": {"MOTHERBOARD": 0.28, "MEMORY": 0.24, "CPU": 0.14, "PSU": 0.12, "LOOSE_SLOT": 0.12,
                   "PCI_BOARD": 0.10},
    "RAID_SELFTEST": {"RAID_CARD": 0.55, "LOOSE_SLOT": 0.20, "FIRMWARE": 0.15, "MOTHERBOARD": 0.10},
    "DISK_NOT_SEEN": {"DISK_PHYSICAL": 0.40, "BACKPLANE": 0.25, "RAID_CARD": 0.20, "DISK_LOGICAL": 0.15},
    "MEM_ERROR": {"MEMORY": 0.70, "LOOSE_SLOT": 0.15, "MOTHERBOARD": 0.10, "CPU": 0.05},
    "BLUE_SCREEN": {"MEMORY": 0.30, "MOTHERBOARD": 0.25, "FIRMWARE": 0.20, "DISK_LOGICAL": 0.15, "CPU": 0.10},
    "BOARD_ERROR": {"MOTHERBOARD": 0.50, "PCI_BOARD": 0.25, "CPU": 0.15, "FIRMWARE": 0.10},
    "POWER_FAIL": {"PSU": 0.65, "MOTHERBOARD": 0.20, "LOOSE_SLOT": 0.15},
    "FAN_ERROR": {"FAN": 0.75, "MOTHERBOARD": 0.15, "FIRMWARE": 0.10},
    "NIC_DOWN": {"NIC": 0.55, "LOOSE_SLOT": 0.20, "MOTHERBOARD": 0.15, "FIRMWARE": 0.10},
}

# --------------------------------------------------------------------------------------------
# products: id, name, category, list price (CNY)
PRODUCTS = [
    ("P-7947-AC1", "System x3650 M2 (7947)", "server", 36000.0),
    ("P-7946-AC1", "System x3550 M2 (7946)", "server", 26000.0),
    ("P-7141-AC1", "System x3850 M2 (7141)", "server", 72000.0),
    ("P-9117-MMA", "Power 570 (9117-MMA)", "server", 128000.0),
    ("P-8204-E8A", "Power 550 (8204-E8A)", "server", 86000.0),
    ("P-1814-70A", "DS4700 Express (1814-70A)", "storage", 58000.0),
    ("P-1726-HC4", "DS3400 (1726-HC4)", "storage", 32000.0),
    ("P-HDD-146G", "HDD 146GB 15K SAS", "part", 2600.0),
    ("P-HDD-300G", "HDD 300GB 15K SAS", "part", 4200.0),
    ("P-DIMM-2G", "DIMM 2GB DDR2", "part", 1500.0),
    ("P-DIMM-4G", "DIMM 4GB DDR2", "part", 2800.0),
    ("P-RAID-MR10K", "ServeRAID MR10k RAID card", "part", 3600.0),
    ("P-PSU-835W", "PSU 835W hot-swap", "part", 2200.0),
    ("P-UPG-MEM8G", "Memory upgrade 8GB kit", "upgrade", 9800.0),
    ("P-UPG-CPU", "CPU upgrade Xeon X5460", "upgrade", 12500.0),
    ("P-SW-AIX61", "AIX 6.1 licence", "software", 18000.0),
    ("P-SVC-INSTALL", "Installation service", "software", 5000.0),
]
CATEGORIES = ("server", "storage", "part", "upgrade", "software")
# anchor product -> [(companion, P(companion in the same order | anchor), qty range)]
CROSS_SELL = {
    "P-7947-AC1": [("P-RAID-MR10K", 0.6, (1, 2)), ("P-DIMM-4G", 0.5, (2, 4))],
    "P-7946-AC1": [("P-DIMM-2G", 0.4, (2, 4))],
    "P-1814-70A": [("P-HDD-300G", 0.7, (4, 12))],
    "P-1726-HC4": [("P-HDD-146G", 0.6, (4, 8))],
    "P-9117-MMA": [("P-SW-AIX61", 0.75, (1, 2))],
    "P-8204-E8A": [("P-SW-AIX61", 0.5, (1, 1)), ("P-SVC-INSTALL", 0.3, (1, 1))],
}

# --------------------------------------------------------------------------------------------
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

THESIS_ROWS = [
    ("2009.01.08", "4個HDD黃燈常亮", "7979Q7C", "中國電子口岸數據中心", "RAID卡故障", "HDD_AMBER", ["RAID_CARD"]),
    ("2008.10.08", "硬盤在X3400的ctrl+a無法識別到", "888798X", "杭州維榮科技信息有限公司", "硬盤物理損壞",
     "DISK_NOT_SEEN", ["DISK_PHYSICAL"]),
    ("2008.10.28", "機器開機加電無顯示", "6623ISN", "杭州市中國重汽集團", "內存報廢", "NO_DISPLAY", ["MEMORY"]),
    ("2008.12.24", "開機無顯", "8840CFG", "省地稅局", "主板故障", "NO_DISPLAY", ["MOTHERBOARD"]),
    ("2009.02.12", "RAID卡自檢不過", "7979R01", "東方紅網吧", "插槽松動", "RAID_SELFTEST", ["LOOSE_SLOT"]),
    ("2008.07.16", "開機無顯", "7974Q3F", "中國銀行", "主板故障", "NO_DISPLAY", ["MOTHERBOARD"]),
    ("2008.10.12", "報DIMM1錯,光通路MEM黃燈亮", "7979A11", "中萃", "內存損壞", "MEM_ERROR", ["MEMORY"]),
    ("2009.02.17", "開機即藍屏", "867512D", "愛知工程有限公司", "主板,內存皆損壞", "BLUE_SCREEN",
     ["MOTHERBOARD", "MEMORY"]),
    ("2009.03.18", "BOARD報錯", "7979F3A", "浙江農信", "PCI板故障", "BOARD_ERROR", ["PCI_BOARD"]),
    ("2008.09.19", "硬盤黃燈常亮", "867071X", "日本三井住友銀行", "硬盤邏輯掉線", "HDD_AMBER", ["DISK_LOGICAL"]),
]

_LEGAL = ("股份有限公司", "有限公司")
_KEY_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)

SLA_RULES = {
    "5x9": "on site by 18:00 of the business day after the day the call is received; business days "
           "Mon-Fri, no holidays; a call outside Mon-Fri 09:00-18:00 counts as received at the next "
           "09:00 on a business day (a weekday call before 09:00: 09:00 the same day; the sample "
           "data has no such 5x9 calls, so both readings agree)",
    "7x24x8": "on site within 8 hours wall clock",
    "7x24x4": "on site within 4 hours wall clock",
    "breached": "arrived_at > deadline (arriving exactly at the deadline is on time)",
}


class _T2S:
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


# ============================================================================================
# helpers

def _key(name: str) -> str:
    key = _KEY_PUNCT.sub("", name).casefold()
    for suffix in _LEGAL:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key


def _ratio(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b))


def _too_close(key: str, keys: list[str], cutoff: float = 86.0) -> bool:
    """True if ``key`` is as similar as a fuzzy match would merge to one of ``keys``."""
    from rapidfuzz import fuzz, process

    return bool(keys) and process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def _next_business_day(d: date) -> date:
    d = d + timedelta(days=1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _is_business_time(t: datetime) -> bool:
    return t.weekday() < 5 and time(9, 0) <= t.time() < time(18, 0)


def sla_deadline(reported: datetime, level: str) -> datetime:
    """The latest on-site time that meets the service level (see ``SLA_RULES``)."""
    if level == "7x24x4":
        return reported + timedelta(hours=4)
    if level == "7x24x8":
        return reported + timedelta(hours=8)
    if level != "5x9":
        raise ValueError(f"unknown service level {level!r}")
    if _is_business_time(reported):
        received = reported.date()
    elif reported.weekday() < 5 and reported.time() < time(9, 0):
        received = reported.date()
    else:
        received = _next_business_day(reported.date())
    return datetime.combine(_next_business_day(received), time(18, 0))


def _fmt_datetime(t: datetime | None, style: int) -> str:
    if t is None:
        return ""
    if style == 0:
        return f"{t.year}.{t.month:02d}.{t.day:02d} {t.hour:02d}:{t.minute:02d}"
    if style == 1:
        return f"{t.year}/{t.month}/{t.day} {t.hour:02d}:{t.minute:02d}"
    if style == 2:
        return f"{t.year}年{t.month}月{t.day}日 {t.hour:02d}:{t.minute:02d}"
    return f"{t.year}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:00"


def _iso(t) -> str | None:
    if t is None:
        return None
    if isinstance(t, datetime):
        return t.strftime("%Y-%m-%dT%H:%M")
    return t.isoformat()


def _pick(rng: np.random.Generator, seq):
    return seq[int(rng.integers(len(seq)))]


def _choice_p(rng: np.random.Generator, keys, probs):
    probs = np.asarray(probs, dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]


def _minutes(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


# ============================================================================================
# customers

def _name_pools() -> dict[str, list[str]]:
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


def _make_customers(rng: np.random.Generator, n: int, t2s: _T2S) -> list[dict]:
    pools = _name_pools()
    anchors = ANCHORS[: min(n, len(ANCHORS))]
    industries = [a[1] for a in anchors] + [
        INDUSTRIES[int(i)] for i in rng.choice(len(INDUSTRIES), size=n - len(anchors), p=INDUSTRY_SHARE)]
    names = [a[0] for a in anchors]
    keys = [_key(x) for x in names]
    used_simplified = {t2s(x) for x in names}
    perm = {ind: [pools[ind][int(j)] for j in rng.permutation(len(pools[ind]))] for ind in INDUSTRIES}
    pos = {ind: 0 for ind in INDUSTRIES}

    def take(ind: str) -> str | None:
        pool = perm[ind]
        while pos[ind] < len(pool):
            cand = pool[pos[ind]]
            pos[ind] += 1
            k = _key(cand)
            if t2s(cand) in used_simplified or _too_close(k, keys):
                continue
            return cand
        return None

    for i in range(len(anchors), n):
        ind = industries[i]
        name = take(ind)
        if name is None:
            ind = "manufacturer"
            name = take(ind)
        if name is None:
            raise ValueError(f"cannot generate {n} distinct customer names; use fewer customers")
        industries[i] = ind
        names.append(name)
        keys.append(_key(name))
        used_simplified.add(t2s(name))

    customers = []
    for i in range(n):
        ind = industries[i]
        driver = _choice_p(rng, ("functional", "economic", "psychological"), DRIVER_PROBS[ind])
        p_vip, p_large = TIER_PROBS[ind]
        if driver == "psychological":
            p_vip = min(0.6, p_vip * 1.8 + 0.01)
        u = rng.random()
        tier = "VIP" if u < p_vip else ("Large" if u < p_vip + p_large else "SMB")
        if i < len(anchors):
            tier = anchors[i][3]
        customers.append({
            "customer_id": f"C{i + 1:04d}", "name": names[i], "industry": ind, "tier": tier,
            "driver": driver, "region": _pick(rng, DISTRICTS),
            "thesis_name": anchors[i][2] if i < len(anchors) else None,
        })

    return customers


def _assign_aliases(rng: np.random.Generator, customers: list[dict], t2s: _T2S, eligible: list[bool]) -> None:
    """About 10% of customers (among ``eligible``: those with dispatches) get a second name.

    About half of the aliases are listed in customers.csv: every alias a fuzzy match would miss,
    then others; the unlisted ones are left for fuzzy matching.
    """
    n = len(customers)
    names = [c["name"] for c in customers]
    keys = [_key(x) for x in names]
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
        ak = _key(alias)
        others = [k for j, k in enumerate(keys) if j != i]
        if t2s(alias) in used_simplified or (ak in all_keys and ak != keys[i]) or _too_close(ak, others):
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


# ============================================================================================
# sales (BG/NBD + Gamma-Gamma)

def _assign_sorted(rng: np.random.Generator, values: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Give the sorted ``values`` to customers in the order of ``score``: keeps the exact sample."""
    out = np.empty_like(values)
    out[np.argsort(score, kind="stable")] = np.sort(values)
    return out


def _simulate_customer_base(rng, customers, n_weeks: float):
    """The purchase process is BG/NBD: each customer's rate λ ~ Gamma(r, α) and drop-out
    probability p ~ Beta(a, b) are independent draws, independent of birth and value type (the
    time orientation is read afterwards from the simulated behaviour: ``_plant_orientation``).
    Birth (first purchase): half in the first quarter, half spread over the rest of the span."""
    n = len(customers)
    births = np.where(rng.random(n) < 0.5, rng.uniform(0.0, 13.0, n), rng.uniform(13.0, max(14.0, n_weeks - 4.0), n))
    psych = np.array([c["driver"] == "psychological" for c in customers], dtype=float)
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    pdrop = rng.beta(BGNBD["a"], BGNBD["b"], n)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["gamma"], n)
    nu = _assign_sorted(rng, nu, rng.normal(size=n) - 0.6 * psych)  # psychological: larger orders
    for i, c in enumerate(customers):
        c["birth_week"] = float(births[i])
        c["lambda"] = float(lam[i])
        c["p_dropout"] = float(pdrop[i])
        c["nu"] = float(nu[i])
        if c["driver"] == "economic":
            c["discount_base"] = float(rng.uniform(0.18, 0.32))
        else:
            c["discount_base"] = float(rng.uniform(0.0, 0.12))
        if c["driver"] == "functional":
            c["category_weights"] = [0.2] * len(CATEGORIES)
        else:
            c["category_weights"] = [float(x) for x in rng.dirichlet([0.4] * len(CATEGORIES))]
        c["channel_partner_p"] = 0.55 if c["tier"] == "SMB" else 0.2


def _purchase_times(rng, c, n_weeks: float) -> tuple[list[float], bool, float | None]:
    t = c["birth_week"]
    times = [t]
    alive, dropout = True, None
    while True:
        t = t + rng.exponential(1.0 / c["lambda"])
        if t >= n_weeks:
            break
        times.append(float(t))
        if rng.random() < c["p_dropout"]:
            alive, dropout = False, float(t)
            break
    return times, alive, dropout


_PRODUCT_BY_ID = {p[0]: p for p in PRODUCTS}


def _order_lines(rng, c, z: float, discount: float, anchor_category: str | None = None) -> list[dict]:
    """1-4 lines whose amounts sum to the transaction value ``z`` (to the cent)."""
    weights = []
    for pid, _name, cat, price in PRODUCTS:
        net = price * (1.0 - discount)
        if net > 1.3 * z and not (anchor_category and cat == anchor_category and price == min(
                p[3] for p in PRODUCTS if p[2] == anchor_category)):
            weights.append(0.0)
            continue
        cat_w = c["category_weights"][CATEGORIES.index(cat)] if anchor_category is None else (
            1.0 if cat == anchor_category else 0.0)
        n_cat = sum(1 for p in PRODUCTS if p[2] == cat)
        fit = math.exp(-0.5 * (math.log(z / net) / 1.2) ** 2) + 0.02
        weights.append(cat_w / n_cat * fit)
    w = np.asarray(weights)
    if w.sum() <= 0:
        w = np.asarray([1.0 if p[2] == "part" else 0.0 for p in PRODUCTS])
    anchor = PRODUCTS[int(rng.choice(len(PRODUCTS), p=w / w.sum()))]
    lines = [[anchor[0], 1]]
    for comp, prob, (lo, hi) in CROSS_SELL.get(anchor[0], []):
        if rng.random() < prob:
            lines.append([comp, int(rng.integers(lo, hi + 1))])
    if len(lines) < 4 and rng.random() < 0.25:
        extra = [p for p in PRODUCTS if p[2] in ("part", "software", "upgrade") and p[0] not in {x[0] for x in lines}]
        e = _pick(rng, extra)
        lines.append([e[0], int(rng.integers(1, 3))])
    lines = lines[:4]
    net = {pid: _PRODUCT_BY_ID[pid][3] * (1.0 - discount) for pid, _ in lines}
    comp_value = sum(q * net[pid] for pid, q in lines[1:])
    if comp_value > 0.7 * z:  # companions would crowd out the anchor: keep one unit of each
        for ln in lines[1:]:
            ln[1] = 1
        comp_value = sum(q * net[pid] for pid, q in lines[1:])
        if comp_value > 0.7 * z:
            lines = lines[:1]
            comp_value = 0.0
    lines[0][1] = max(1, int(round((z - comp_value) / net[lines[0][0]])))
    total_list = sum(q * net[pid] for pid, q in lines)
    factor = z / total_list
    out = []
    for pid, q in lines:
        unit = round(_PRODUCT_BY_ID[pid][3] * factor, 2)
        amount = round(q * unit * (1.0 - discount), 2)
        out.append({"product_id": pid, "qty": q, "unit_price": unit, "discount": discount, "amount": amount})
    return out


def _simulate_sales(rng, c, start: date, end: date, n_weeks: float) -> list[dict]:
    times, alive, dropout = _purchase_times(rng, c, n_weeks)
    c["alive_at_end"] = alive
    c["dropout_week"] = dropout
    orders = []
    for t in times:
        d = start + timedelta(days=int(math.floor(t * 7.0)))
        if d > end:
            continue
        z = float(rng.gamma(GAMMA_GAMMA["p"], 1.0 / c["nu"]))
        z = max(z, 500.0)
        disc = float(np.clip(round(c["discount_base"] + rng.normal(0, 0.04), 2), 0.0, 0.4))
        channel = "partner" if rng.random() < c["channel_partner_p"] else "direct"
        lines = _order_lines(rng, c, z, disc)
        orders.append({"customer": c, "date": d, "week": t, "channel": channel, "lines": lines,
                       "value": round(sum(ln["amount"] for ln in lines), 2), "bgnbd": True})
    return orders


def _plant_orientation(customers, n_weeks: float) -> None:
    """Time orientation from the simulated purchase process (not an input to it).

    Each customer's true expected value of the next year at the data end: 52·λ·E[z] = 52·λ·p/ν if
    its process is still alive, else nothing; the dead are ordered by how long ago they dropped out
    (longer ago = further in the past). Ranked among all customers: the lowest ``ORIENT_PAST``
    share is *past* (the process died early: its value lies behind it); above ``ORIENT_FUTURE``,
    those born within the last ``ORIENT_FUTURE_WEEKS`` before the final quarter are *future*
    (young with a high rate: value ahead); the rest *present*."""
    n = len(customers)
    if n == 0:
        return
    score = np.array([52.0 * c["lambda"] * GAMMA_GAMMA["p"] / c["nu"] if c["alive_at_end"]
                      else -(n_weeks - c["dropout_week"]) for c in customers])
    rank = (np.argsort(np.argsort(score, kind="stable"), kind="stable") + 1) / n
    young_from = n_weeks - 13.0 - ORIENT_FUTURE_WEEKS
    for i, c in enumerate(customers):
        if rank[i] <= ORIENT_PAST:
            o = "past"
        elif rank[i] > ORIENT_FUTURE and c["birth_week"] >= young_from:
            o = "future"
        else:
            o = "present"
        c["orientation"] = o
        c["value_type"] = VALUE_TYPES[(o, c["driver"])]


# ============================================================================================
# machines, contracts, dispatches

def _make_machines(rng, c, serials: set) -> list[dict]:
    lo, hi = {"VIP": (3, 8), "Large": (2, 6), "SMB": (1, 4)}[c["tier"]]
    k = int(rng.integers(lo, hi + 1))
    p_share = P_SERIES_SHARE.get(c["industry"], 0.05)
    machines = []
    for _ in range(k):
        series = "p" if rng.random() < p_share else "x"
        mtype = _pick(rng, P_TYPES if series == "p" else X_TYPES)
        model = "".join(MODEL_CHARS[int(j)] for j in rng.integers(0, len(MODEL_CHARS), 3))
        while True:
            serial = f"{int(rng.integers(10, 100))}{'ABCDEFGHJKLMNPRSTUVWXYZ'[int(rng.integers(23))]}" \
                     f"{int(rng.integers(0, 10000)):04d}"
            if serial not in serials:
                serials.add(serial)
                break
        machines.append({"customer_id": c["customer_id"], "series": series, "type": mtype, "model": model,
                         "type_model": mtype + model, "serial": serial})
    return machines


def _service_level(rng, c) -> str:
    probs = {"VIP": (0.1, 0.3, 0.6), "Large": (0.3, 0.45, 0.25), "SMB": (0.7, 0.25, 0.05)}[c["tier"]]
    probs = list(probs)
    if c["driver"] == "psychological":
        probs[2] += 0.25
    return _choice_p(rng, SERVICE_LEVELS, probs)


def _report_time(rng, day: date, level: str) -> tuple[datetime, bool]:
    """A call time on ``day`` (moved to a weekday for business-hours calls); True if off-hours."""
    off = rng.random() < (0.15 if level == "5x9" else 0.30)
    if not off:
        while day.weekday() >= 5:
            day = day + timedelta(days=1)
        minute = int(rng.integers(9 * 60, 18 * 60))
    elif level == "5x9":  # weekday evenings or weekend daytime; never a weekday before 09:00
        if day.weekday() < 5:
            minute = int(rng.integers(18 * 60, 23 * 60))
        else:
            minute = int(rng.integers(8 * 60, 22 * 60))
    else:
        minute = int(rng.integers(0, 24 * 60))
    t = datetime.combine(day, time(0, 0)) + timedelta(minutes=minute)
    return t, not _is_business_time(t)


def _arrival(rng, reported: datetime, level: str, off_hours: bool) -> tuple[datetime, datetime]:
    deadline = sla_deadline(reported, level)
    p_breach = BREACH_PROB[level] + (BREACH_PROB_OFF_HOURS_EXTRA if off_hours and level != "5x9" else 0.0)
    breach = rng.random() < p_breach
    if level != "5x9":
        window = (deadline - reported).total_seconds() / 60.0
        if breach:
            late = 10 + int(rng.exponential(120 if level == "7x24x4" else 180))
            return deadline + timedelta(minutes=late), deadline
        lo = 20 if level == "7x24x4" else 45
        return reported + timedelta(minutes=int(rng.integers(lo, int(window) + 1))), deadline
    # 5x9: engineers arrive in business hours
    if breach:
        day = _next_business_day(deadline.date())
        arr = datetime.combine(day, time(9, 0)) + timedelta(minutes=int(rng.integers(0, 8 * 60)))
        if rng.random() < 0.3:  # or the same evening, just late
            arr = deadline + timedelta(minutes=int(rng.integers(10, 150)))
        return arr, deadline
    received = reported if _is_business_time(reported) else datetime.combine(
        _next_business_day(reported.date()) if not (reported.weekday() < 5 and reported.time() < time(9, 0))
        else reported.date(), time(9, 0))
    same_day_end = datetime.combine(received.date(), time(18, 0))
    earliest = received + timedelta(minutes=30)
    if rng.random() < 0.45 and earliest < same_day_end:
        span = int((same_day_end - earliest).total_seconds() // 60)
        return earliest + timedelta(minutes=int(rng.integers(0, span + 1))), deadline
    day = deadline.date()
    arr = datetime.combine(day, time(9, 0)) + timedelta(minutes=int(rng.integers(0, 9 * 60 + 1)))
    return arr, deadline


def _parts_kit(symptom: str, predicted: str) -> list[str]:
    """CAG's kit: the predicted cause's parts, then the next most likely causes' parts; at most 2."""
    kit = list(CAUSE_PARTS[predicted])
    ranked = sorted(CAUSE_GIVEN_SYMPTOM[symptom].items(), key=lambda kv: (-kv[1], kv[0]))
    for cause, _p in ranked:
        if len(kit) >= 2:
            break
        if cause == predicted:
            continue
        for part in CAUSE_PARTS[cause]:
            if part not in kit and len(kit) < 2:
                kit.append(part)
    return kit[:2]


def _cause_text(rng, causes: list[str]) -> str:
    spell = [_pick(rng, CAUSES[cz]) for cz in causes]
    if len(causes) == 1:
        return spell[0]
    a, b = causes
    if a in CAUSE_NOUNS and b in CAUSE_NOUNS:
        style = int(rng.integers(3))
        if style == 0:
            return f"{CAUSE_NOUNS[a]},{CAUSE_NOUNS[b]}皆損壞"
        if style == 2:
            return f"{CAUSE_NOUNS[a]}+{CAUSE_NOUNS[b]}"
    return f"{spell[0]}、{spell[1]}"


def _make_ticket(rng, c, machine, level, reported, off_hours, engineer, end_dt) -> dict:
    arrived, deadline = _arrival(rng, reported, level, off_hours)
    symptom = _choice_p(rng, list(SYMPTOM_PRIOR), list(SYMPTOM_PRIOR.values()))
    dist = CAUSE_GIVEN_SYMPTOM[symptom]
    codes = list(dist)
    first = _choice_p(rng, codes, [dist[k] for k in codes])
    causes = [first]
    if rng.random() < SECOND_CAUSE_RATE:
        rest = [k for k in codes if k != first]
        causes.append(_choice_p(rng, rest, [dist[k] for k in rest]))
    if rng.random() < CAG_ACCURACY:
        predicted = first
    else:
        rest = [k for k in codes if k != first]
        predicted = _choice_p(rng, rest, [dist[k] for k in rest])
    kit = _parts_kit(symptom, predicted)
    used: list[str] = []
    for cz in causes:
        for part in CAUSE_PARTS[cz]:
            if part not in used:
                used.append(part)
    covered = all(p in kit for p in used)
    if not covered:
        visits = 3 if rng.random() < 0.15 else 2
        reason = "wrong_diagnosis" if predicted != first else "kit_incomplete"
    elif rng.random() < 0.04:
        visits = 2
        reason = _pick(rng, ("part_not_available", "inexperience"))
    else:
        visits, reason = 1, None
    if visits == 1:
        closed = arrived + timedelta(minutes=int(rng.integers(30, 6 * 60)))
    elif visits == 2:
        closed = arrived + timedelta(minutes=int(rng.integers(24 * 60, 5 * 24 * 60)))
    else:
        closed = arrived + timedelta(minutes=int(rng.integers(3 * 24 * 60, 10 * 24 * 60)))
    open_ = closed > end_dt or (reported > end_dt - timedelta(days=30) and rng.random() < 0.65)
    return {
        "customer": c, "machine": machine, "level": level, "reported": reported, "arrived": arrived,
        "deadline": deadline, "closed": None if open_ else closed, "open": open_,
        "breached": arrived > deadline, "off_hours": off_hours,
        "symptom": symptom, "symptom_text": _pick(rng, SYMPTOMS[symptom]),
        "causes": causes, "cause_text": _cause_text(rng, causes),
        "predicted": predicted, "predicted_text": _pick(rng, CAUSES[predicted]),
        "parts_sent": kit, "parts_used": used, "visits": visits if not open_ else 1,
        "true_visits": visits, "second_visit_reason": reason, "engineer": engineer,
        "sep_sent": _pick(rng, PART_SEPARATORS), "sep_used": _pick(rng, PART_SEPARATORS),
        "level_written": _pick(rng, SERVICE_LEVEL_WRITTEN[level]), "date_style": int(rng.integers(4)),
    }


def _contract_chain(rng, c, machines, first_start: date, level: str, end: date, renewal_effect: float,
                    contracts: list, tickets: list) -> None:
    """1-year terms from ``first_start``; each term's dispatches decide whether it is renewed."""
    end_dt = datetime.combine(end, time(23, 59))
    last_report_day = end - timedelta(days=3)
    fee = 0.0
    for m in machines:
        fee += {"5x9": 3000.0, "7x24x8": 5500.0, "7x24x4": 8000.0}[level] * (3.0 if m["series"] == "p" else 1.0)
    fee = round(fee * float(rng.uniform(0.9, 1.1)) / 100.0) * 100.0
    s = first_start
    while s <= end:
        e = _add_year(s) - timedelta(days=1)
        term_tickets = []
        window_end = min(e, last_report_day)
        days = (window_end - s).days + 1
        if days > 0:
            for m in machines:
                k = int(rng.poisson(FAULTS_PER_MACHINE_YEAR[m["series"]] * c["fault_frailty"] * days / 365.0))
                for _ in range(k):
                    day = s + timedelta(days=int(rng.integers(days)))
                    reported, off = _report_time(rng, day, level)
                    if reported.date() > window_end:
                        reported -= timedelta(days=3)
                    engineer = c["p_engineer"] if m["series"] == "p" else _pick(rng, ENGINEERS[P_SERIES_ENGINEERS:])
                    term_tickets.append(_make_ticket(rng, c, m, level, reported, off, engineer, end_dt))
        term_tickets.sort(key=lambda t: (t["reported"], t["machine"]["serial"]))
        breaches = sum(1 for t in term_tickets if t["breached"])
        second = sum(1 for t in term_tickets if t["true_visits"] >= 2)
        contract = {"customer": c, "start": s, "end": e, "level": level, "fee": fee, "breaches": breaches,
                    "second_visits": second, "dispatches": len(term_tickets), "renewed": None, "p_renew": None}
        for t in term_tickets:
            t["contract"] = contract
        tickets.extend(term_tickets)
        contracts.append(contract)
        if e > end:
            break
        logit = (RENEWAL_INTERCEPT + RENEWAL_TIER_EFFECTS[c["tier"]] + renewal_effect * breaches
                 + SECOND_VISIT_EFFECT * second)
        p = 1.0 / (1.0 + math.exp(-logit))
        contract["p_renew"] = p
        contract["renewed"] = bool(rng.random() < p)
        if not contract["renewed"]:
            break
        s = e + timedelta(days=1)


# ============================================================================================
# activity, lapses and win-back

def _lapses(order_dates: list[date], intervals: list[tuple[date, date, str]], end: date) -> list[dict]:
    """Gaps of more than 365 days with no purchase and no contract, followed by a return."""
    events = [(d, d, "purchase") for d in order_dates] + [(s, min(e, end), "renewal") for s, e, _ in intervals]
    events.sort(key=lambda x: (x[0], x[1], x[2]))
    out = []
    covered_to = None
    for s, e, kind in events:
        if covered_to is not None and (s - covered_to).days > 365:
            out.append({"lapsed_from": covered_to, "returned_on": s, "kind": kind})
        covered_to = e if covered_to is None else max(covered_to, e)
    return out


# ============================================================================================
# quirks

def _plant_quirks(rng, rows: list[list], n_dups: int, corruptions: list[tuple[str, callable, callable]],
                  first_row: int) -> tuple[list[list], dict]:
    """Insert exact duplicates and corrupt rows; return the rows and the quirk record.

    ``corruptions``: (reason, eligible(i) -> bool, corrupt(row) -> row). Row numbers count from
    ``first_row`` (the spreadsheet row of the first data row).
    """
    n = len(rows)
    taken: set[int] = set()
    rejects = []
    for reason, eligible, corrupt in corruptions:
        cands = [i for i in range(n) if i not in taken and eligible(i)]
        i = cands[int(rng.integers(len(cands)))]
        taken.add(i)
        rows[i] = corrupt(rows[i])
        rejects.append((i, reason))
    dups = []
    limit = max(1, int(n * 0.8))
    for _ in range(n_dups):
        cands = [i for i in range(limit) if i not in taken]
        src = cands[int(rng.integers(len(cands)))]
        taken.add(src)
        after = min(n - 1, src + int(rng.integers(3, 200)))
        dups.append((after, src))
    inserted_after: dict[int, list[int]] = {}
    for after, src in dups:
        inserted_after.setdefault(after, []).append(src)
    final, position = [], {}
    for i, row in enumerate(rows):
        position[i] = len(final)
        final.append(row)
        for src in inserted_after.get(i, []):
            final.append(list(rows[src]))
    record = {"exact_duplicates": n_dups,
              "rejects": sorted(({"row": position[i] + first_row, "reason": r} for i, r in rejects),
                                key=lambda x: x["row"]),
              "rows_read": len(final)}
    row_of = {i: position[i] + first_row for i in range(n)}
    return final, record, row_of


# ============================================================================================
# writers

def _write_csv(path: Path, header: list[str], rows: list[list], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    path.write_bytes(buf.getvalue().encode(encoding))


_FIXED_STAMP = datetime(2010, 1, 1, 0, 0, 0)


def _write_xlsx(path: Path, title: str, header: list[str], rows: list[list]) -> None:
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True)
    for j, h in enumerate(header, start=1):
        ws.cell(row=3, column=j, value=h).font = Font(bold=True)
    date_col = header.index("Order Date") + 1
    for i, row in enumerate(rows, start=4):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=v)
            if j == date_col and isinstance(v, datetime):
                cell.number_format = "yyyy-mm-dd"
    widths = {"A": 16, "C": 12, "E": 28, "F": 15, "G": 28}
    for col, wdt in widths.items():
        ws.column_dimensions[col].width = wdt
    wb.properties.created = _FIXED_STAMP
    wb.properties.modified = _FIXED_STAMP
    wb.properties.creator = "aftercare sample-data"
    raw = io.BytesIO()
    wb.save(raw)
    stamp = _FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zin, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())


def _num(x, nd=6):
    return None if x is None else round(float(x), nd)


# ============================================================================================
# the public entry point

def write_sample(out_dir, *, seed: int = DEFAULT_SEED, customers: int = 300,
                 sla_breach_effect: float = -0.9, start="2007-01-01", end="2009-12-31") -> dict:
    """Write raw exports + truth.json into out_dir; return the truth dict."""
    n = int(customers)
    if n < 1:
        raise ValueError("customers must be at least 1")
    start_d, end_d = _as_date(start), _as_date(end)
    if end_d <= start_d + timedelta(days=180):
        raise ValueError("end must be at least half a year after start")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(seed))
    # the purchases (BG/NBD times, order values and lines) have their own stream, so the service side
    # (machines, contracts, dispatches) does not move when the purchase process changes
    sales_rng = np.random.default_rng([int(seed), 1])
    t2s = _T2S()
    n_weeks = ((end_d - start_d).days + 1) / 7.0
    end_dt = datetime.combine(end_d, time(23, 59))

    custs = _make_customers(rng, n, t2s)
    _simulate_customer_base(rng, custs, n_weeks)

    serials: set[str] = set()
    orders: list[dict] = []
    contracts: list[dict] = []
    tickets: list[dict] = []
    machines_all: list[dict] = []
    for c in custs:
        c["orders"] = _simulate_sales(sales_rng, c, start_d, end_d, n_weeks)
        orders.extend(c["orders"])
        ms = _make_machines(rng, c, serials)
        c["machines"] = ms
        machines_all.extend(ms)
        c["fault_frailty"] = float(rng.gamma(4.0, 0.25))
        c["p_engineer"] = _pick(rng, ENGINEERS[:P_SERIES_ENGINEERS])
        c["level"] = _service_level(rng, c)
        p_contract = {"VIP": 0.92, "Large": 0.85, "SMB": 0.65}[c["tier"]]
        if c["industry"] == "internet_cafe":
            p_contract -= 0.25
        c["contracts"] = []
        if rng.random() < p_contract:
            birth_day = start_d + timedelta(days=int(c["birth_week"] * 7))
            if c["birth_week"] < 13.0:
                first = start_d + timedelta(days=int(rng.integers(0, 365)))
            else:
                first = birth_day + timedelta(days=int(rng.integers(0, 61)))
            if first <= end_d - timedelta(days=30):
                before = len(contracts)
                _contract_chain(rng, c, ms, first, c["level"], end_d, sla_breach_effect, contracts, tickets)
                c["contracts"] = contracts[before:]

    _plant_orientation(custs, n_weeks)

    n_tickets: dict[str, int] = {}
    for t in tickets:
        n_tickets[t["customer"]["customer_id"]] = n_tickets.get(t["customer"]["customer_id"], 0) + 1
    _assign_aliases(rng, custs, t2s, [n_tickets.get(c["customer_id"], 0) >= 2 for c in custs])

    # planted win-back: lapsed customers come back with a trade-in purchase or a renewal
    candidates = []
    for c in custs:
        last = max([o["date"] for o in c["orders"]] + [min(k["end"], end_d) for k in c["contracts"]])
        chain_open = bool(c["contracts"]) and c["contracts"][-1]["renewed"] is not False
        if not chain_open and last <= end_d - timedelta(days=365 + 60):
            candidates.append((c, last))
    n_win = min(len(candidates), int(round(WIN_BACK_SHARE * n)))
    planted = {}
    for j in sorted(int(x) for x in rng.choice(len(candidates), size=n_win, replace=False)):
        c, last = candidates[j]
        room = min(300, (end_d - last).days - 366 - 30)
        ret = last + timedelta(days=366 + int(rng.integers(14, max(15, room))))
        via = "renewal" if (c["contracts"] and rng.random() < 0.4) else "trade-in"
        if via == "trade-in":
            z = max(500.0, float(sales_rng.gamma(GAMMA_GAMMA["p"], 1.0 / c["nu"])))
            disc = float(np.clip(round(c["discount_base"] + sales_rng.normal(0, 0.04), 2), 0.0, 0.4))
            lines = _order_lines(sales_rng, c, z, disc, anchor_category="server")
            o = {"customer": c, "date": ret, "week": ((ret - start_d).days) / 7.0, "channel": "trade-in",
                 "lines": lines, "value": round(sum(ln["amount"] for ln in lines), 2), "bgnbd": False}
            c["orders"].append(o)
            orders.append(o)
        else:
            before = len(contracts)
            _contract_chain(rng, c, c["machines"], ret, c["level"], end_d, sla_breach_effect, contracts, tickets)
            c["contracts"] = c["contracts"] + contracts[before:]
        planted[c["customer_id"]] = {"lapsed_from": last, "returned_on": ret, "via": via}

    # returns: ~2% of lines come back later as negative lines in an order "R" + original
    for o in orders:
        o["returns"] = []
        for ln in o["lines"]:
            if rng.random() < 0.02:
                rd = o["date"] + timedelta(days=int(rng.integers(7, 61)))
                q = -int(rng.integers(1, ln["qty"] + 1))
                if rd <= end_d:
                    o["returns"].append({"date": rd, "line": ln, "qty": q,
                                         "amount": round(q * ln["unit_price"] * (1.0 - ln["discount"]), 2)})

    # ids
    orders.sort(key=lambda o: (o["date"], o["customer"]["customer_id"], o["week"]))
    seq: dict[int, int] = {}
    for o in orders:
        y = o["date"].year
        seq[y] = seq.get(y, 0) + 1
        o["order_id"] = f"SO{y}-{seq[y]:05d}"
    contracts.sort(key=lambda k: (k["start"], k["customer"]["customer_id"]))
    seq = {}
    for k in contracts:
        y = k["start"].year
        seq[y] = seq.get(y, 0) + 1
        k["contract_id"] = f"HT{y}-{seq[y]:04d}"
    tickets.sort(key=lambda t: (t["reported"], t["customer"]["customer_id"], t["machine"]["serial"]))
    seq = {}
    for t in tickets:
        y = t["reported"].year
        seq[y] = seq.get(y, 0) + 1
        t["ticket_id"] = f"D{y}-{seq[y]:06d}"

    # names as written, per customer
    written: dict[str, set[str]] = {c["customer_id"]: set() for c in custs}
    by_id = {c["customer_id"]: c for c in custs}

    # ---------------------------------------------------------------- dispatch files
    split_year = end_d.year
    files_quirks: dict[str, dict] = {}
    dispatch_truth: dict[str, dict] = {}
    by_customer: dict[str, list[dict]] = {}
    for t in tickets:
        t["use_alias"] = False
        by_customer.setdefault(t["customer"]["customer_id"], []).append(t)
    for c in custs:
        ts = by_customer.get(c["customer_id"], [])
        if "alias" in c and ts:
            flags = rng.random(len(ts)) < 0.5
            if not flags.any():
                flags[int(rng.integers(len(ts)))] = True
            for t, f in zip(ts, flags):
                t["use_alias"] = bool(f)
    for fname, simplified in ((FILE_DISPATCHES_OLD, False), (FILE_DISPATCHES_NEW, True)):
        part = [t for t in tickets if (t["reported"].year < split_year) != simplified]
        conv = t2s if simplified else (lambda s: s)
        rows = []
        for t in part:
            c = t["customer"]
            name = c["alias"] if t["use_alias"] else c["name"]
            t["name_written"] = conv(name)
            st = t["date_style"]
            rows.append([
                t["ticket_id"], _fmt_datetime(t["reported"], st), _fmt_datetime(t["arrived"], st),
                _fmt_datetime(t["closed"], st), conv(name), t["level_written"], t["machine"]["type_model"],
                t["machine"]["serial"], conv(t["symptom_text"]), "" if t["open"] else conv(t["cause_text"]),
                conv(t["predicted_text"]), conv(t["sep_sent"].join(PART_NAMES[p] for p in t["parts_sent"])),
                "" if t["open"] else conv(t["sep_used"].join(PART_NAMES[p] for p in t["parts_used"])),
                str(t["visits"]), conv(t["engineer"]), conv(BRANCH)])
        year_txt = str(part[0]["reported"].year if part else split_year)

        def bad_date(row, year_txt=year_txt):
            row = list(row)
            row[1] = f"{year_txt}.13.45 10:00"
            return row

        def no_customer(row):
            row = list(row)
            row[4] = ""
            return row

        def eligible_closed(i, part=part):
            return part[i]["closed"] is not None

        def corrupt_closed(row, part=part):
            row = list(row)
            t = next(x for x in part if x["ticket_id"] == row[0])
            before = t["reported"] - timedelta(days=int(rng.integers(1, 4)), minutes=int(rng.integers(0, 600)))
            row[3] = _fmt_datetime(_minutes(before), t["date_style"])
            return row

        corruptions = [("bad_date", lambda i: True, bad_date), ("missing_customer", lambda i: True, no_customer),
                       ("closed_before_reported", eligible_closed, corrupt_closed)]
        if not simplified:
            corruptions.append(("malformed_row", lambda i: True, lambda row: list(row[:5])))
        final, record, row_of = _plant_quirks(rng, rows, 3, corruptions, first_row=2)
        reject_rows = {r["row"]: r["reason"] for r in record["rejects"]}
        for i, t in enumerate(part):
            rownum = row_of[i]
            reason = reject_rows.get(rownum)
            if reason != "missing_customer":
                written[t["customer"]["customer_id"]].add(t["name_written"])
            dispatch_truth[t["ticket_id"]] = {
                "customer_id": t["customer"]["customer_id"], "customer_name_written": t["name_written"],
                "contract_id": t["contract"]["contract_id"], "service_level": t["level"],
                "machine_type_model": t["machine"]["type_model"], "serial": t["machine"]["serial"],
                "reported_at": _iso(t["reported"]), "arrived_at": _iso(t["arrived"]),
                "closed_at": _iso(t["closed"]), "deadline": _iso(t["deadline"]), "breached": t["breached"],
                "off_hours": t["off_hours"], "open": t["open"], "symptom_code": t["symptom"],
                "cause_codes": list(t["causes"]), "predicted_cause_code": t["predicted"],
                "cag_correct": t["predicted"] == t["causes"][0], "parts_sent": list(t["parts_sent"]),
                "parts_used": list(t["parts_used"]), "visits": t["true_visits"],
                "visits_written": t["visits"], "first_time_fix": t["true_visits"] == 1,
                "second_visit_reason": t["second_visit_reason"], "engineer": t["engineer"],
                "source_file": fname, "source_row": rownum, "reject_reason": reason,
            }
        _write_csv(out / fname, DISPATCH_HEADERS_HANS if simplified else DISPATCH_HEADERS_HANT, final,
                   "gb18030" if simplified else "utf-8-sig")
        files_quirks[fname] = record

    # ---------------------------------------------------------------- sales workbook
    sales_rows = []
    for o in orders:
        c = o["customer"]
        for k, ln in enumerate(o["lines"], start=1):
            p = _PRODUCT_BY_ID[ln["product_id"]]
            sales_rows.append(((o["date"], o["order_id"], k), [
                o["order_id"], k, datetime.combine(o["date"], time(0, 0)), c["customer_id"], c["name"], p[0], p[1],
                p[2], ln["qty"], ln["unit_price"], ln["discount"], ln["amount"], "CNY", o["channel"]]))
        for k, r in enumerate(o["returns"], start=1):
            ln = r["line"]
            p = _PRODUCT_BY_ID[ln["product_id"]]
            sales_rows.append(((r["date"], "R" + o["order_id"], k), [
                "R" + o["order_id"], k, datetime.combine(r["date"], time(0, 0)), c["customer_id"], c["name"], p[0],
                p[1], p[2], r["qty"], ln["unit_price"], ln["discount"], r["amount"], "CNY", o["channel"]]))
        if o["lines"]:
            written[c["customer_id"]].add(c["name"])
    sales_rows.sort(key=lambda x: x[0])
    srows = [r for _k, r in sales_rows]

    def bad_qty(row):
        row = list(row)
        row[8] = "two"
        return row

    def eligible_qty(i):
        return srows[i][8] == 2

    if not any(r[8] == 2 for r in srows):
        def eligible_qty(i):  # noqa: F811
            return srows[i][8] > 0
    final, record, _row_of = _plant_quirks(rng, srows, 2, [("bad_number", eligible_qty, bad_qty)], first_row=4)
    total = round(sum(r[11] for r in final if isinstance(r[11], (int, float))), 2)
    final.append(["合計", None, None, None, None, None, None, None, None, None, None, total, None, None])
    record["rows_read"] = len(final)
    record["rejects"].append({"row": len(final) + 3, "reason": "total_row"})
    title = f"Sales export {start_d.year}-{end_d.year}"
    _write_xlsx(out / FILE_SALES, title, SALES_HEADERS, final)
    files_quirks[FILE_SALES] = record

    # ---------------------------------------------------------------- customers.csv
    crow = []
    for c in custs:
        aliases = c["alias"] if c.get("alias_listed") else ""
        crow.append([c["customer_id"], c["name"], aliases, c["industry"], c["tier"], c["region"]])
        written[c["customer_id"]].add(c["name"])
        if aliases:
            written[c["customer_id"]].add(aliases)
    _write_csv(out / FILE_CUSTOMERS, CUSTOMER_HEADERS, crow, "utf-8")
    files_quirks[FILE_CUSTOMERS] = {"exact_duplicates": 0, "rejects": [], "rows_read": len(crow)}

    # ---------------------------------------------------------------- contracts.csv
    krows = []
    for k in contracts:
        c = k["customer"]
        style = int(rng.integers(2))

        def fd(d, style=style):
            return f"{d.year}/{d.month}/{d.day}" if style == 0 else d.isoformat()

        renewed = "" if k["renewed"] is None else ("是" if k["renewed"] else "否")
        krows.append([k["contract_id"], t2s(c["name"]), fd(k["start"]), fd(k["end"]),
                      _pick(rng, SERVICE_LEVEL_WRITTEN[k["level"]]), f"{k['fee']:,.2f}", renewed])
        written[c["customer_id"]].add(t2s(c["name"]))
    final, record, _ = _plant_quirks(rng, krows, 1, [], first_row=2)
    _write_csv(out / FILE_CONTRACTS, CONTRACT_HEADERS, final, "gb18030")
    files_quirks[FILE_CONTRACTS] = record

    # ---------------------------------------------------------------- thesis table 4-1
    anchor_ids = {c["thesis_name"]: c["customer_id"] for c in custs if c.get("thesis_name")}
    trows, thesis_truth = [], []
    for j, (d, sym, tm, cname, cause, scode, ccodes) in enumerate(THESIS_ROWS, start=1):
        tid = f"T4-1-{j:02d}"
        trows.append([tid, d, sym, tm, cname, cause])
        cid = anchor_ids.get(cname)
        if cid:
            written[cid].add(cname)
        thesis_truth.append({"ticket_id": tid, "customer_id": cid, "customer_name_written": cname,
                             "symptom_code": scode, "cause_codes": ccodes, "machine_type_model": tm,
                             "reported_on": d.replace(".", "-")})
    _write_csv(out / FILE_THESIS, THESIS_HEADERS, trows, "utf-8")
    files_quirks[FILE_THESIS] = {"exact_duplicates": 0, "rejects": [], "rows_read": len(trows)}

    # ---------------------------------------------------------------- truth
    win_back = []
    for c in custs:
        dates = [o["date"] for o in c["orders"]]
        intervals = [(k["start"], k["end"], k["contract_id"]) for k in c["contracts"]]
        channel_on = {o["date"]: o["channel"] for o in c["orders"]}
        for lp in _lapses(dates, intervals, end_d):
            via = lp["kind"]
            if via == "purchase":
                via = "trade-in" if channel_on.get(lp["returned_on"]) == "trade-in" else "purchase"
            win_back.append({"customer_id": c["customer_id"], "lapsed_from": lp["lapsed_from"].isoformat(),
                             "returned_on": lp["returned_on"].isoformat(), "via": via,
                             "planted": c["customer_id"] in planted
                             and planted[c["customer_id"]]["returned_on"] == lp["returned_on"]})

    cross = []
    order_sets = [{ln["product_id"] for ln in o["lines"]} for o in orders]
    cust_sets: dict[str, set] = {}
    for o in orders:
        cust_sets.setdefault(o["customer"]["customer_id"], set()).update(ln["product_id"] for ln in o["lines"])
    for a in sorted(CROSS_SELL):
        for b, prob, _q in CROSS_SELL[a]:
            def lift(sets, a=a, b=b):
                n_all = len(sets)
                n_a = sum(1 for s in sets if a in s)
                n_b = sum(1 for s in sets if b in s)
                n_ab = sum(1 for s in sets if a in s and b in s)
                if not n_a or not n_b:
                    return None
                return round((n_ab / n_a) / (n_b / n_all), 4)
            cross.append({"product_a": a, "product_b": b, "p_b_given_a_planted": prob,
                          "lift_planted": lift(order_sets), "lift_customer_level": lift(list(cust_sets.values())),
                          "orders_with_a": sum(1 for s in order_sets if a in s)})

    symptom_variants = {k: sorted(set(v) | {t2s(x) for x in v}) for k, v in SYMPTOMS.items()}
    cause_variants = {k: sorted(set(v) | {t2s(x) for x in v}) for k, v in CAUSES.items()}

    customers_truth = {}
    for c in custs:
        customers_truth[c["customer_id"]] = {
            "name": c["name"], "variants": sorted(written[c["customer_id"]]), "alias": c.get("alias"),
            "alias_listed": bool(c.get("alias_listed", False)), "industry": c["industry"], "tier": c["tier"],
            "region": c["region"], "value_type": c["value_type"], "orientation": c["orientation"],
            "driver": c["driver"], "lambda": _num(c["lambda"], 8), "p_dropout": _num(c["p_dropout"]),
            "nu": _num(c["nu"], 10), "birth_week": _num(c["birth_week"], 4),
            "alive_at_end": c["alive_at_end"], "dropout_week": _num(c["dropout_week"], 4),
            "transactions": sum(1 for o in c["orders"] if o["bgnbd"]),
            "service_level": c["level"] if c["contracts"] else None,
            "machines": len(c["machines"]), "fault_frailty": _num(c["fault_frailty"]),
            "discount_base": _num(c["discount_base"]),
        }

    contracts_truth = {}
    for k in contracts:
        contracts_truth[k["contract_id"]] = {
            "customer_id": k["customer"]["customer_id"], "start": k["start"].isoformat(),
            "end": k["end"].isoformat(), "service_level": k["level"], "annual_fee": k["fee"],
            "breaches": k["breaches"], "second_visits": k["second_visits"], "dispatches": k["dispatches"],
            "p_renew": _num(k["p_renew"]), "renewed": k["renewed"]}

    n_t = len(tickets)
    by_level = {}
    for lv in SERVICE_LEVELS:
        ts = [t for t in tickets if t["level"] == lv]
        by_level[lv] = {"dispatches": len(ts), "breaches": sum(t["breached"] for t in ts),
                        "breach_rate": _num(sum(t["breached"] for t in ts) / len(ts)) if ts else None}
    decided = [k for k in contracts if k["renewed"] is not None]
    summary = {
        "customers": n, "machines": len(machines_all), "dispatches": n_t,
        "breaches": sum(t["breached"] for t in tickets),
        "breach_rate": _num(sum(t["breached"] for t in tickets) / n_t) if n_t else None,
        "breach_by_level": by_level,
        "first_time_fix_rate": _num(sum(t["true_visits"] == 1 for t in tickets) / n_t) if n_t else None,
        "cag_accuracy_realised": _num(sum(t["predicted"] == t["causes"][0] for t in tickets) / n_t) if n_t else None,
        "open_dispatches": sum(t["open"] for t in tickets),
        "orders": len(orders), "sales_lines": sum(len(o["lines"]) for o in orders),
        "return_lines": sum(len(o["returns"]) for o in orders),
        "contracts": len(contracts), "contracts_decided": len(decided),
        "renewal_rate": _num(sum(k["renewed"] for k in decided) / len(decided)) if decided else None,
        "win_backs": len(win_back), "win_backs_planted": len(planted),
        "tiers": {tr: sum(c["tier"] == tr for c in custs) for tr in TIERS},
    }

    truth = {
        "params": {"seed": int(seed), "customers": n, "start": start_d.isoformat(), "end": end_d.isoformat(),
                   "sla_breach_effect": float(sla_breach_effect), "bgnbd": dict(BGNBD),
                   "gamma_gamma": dict(GAMMA_GAMMA), "time_unit": "week",
                   "faults_per_machine_year": dict(FAULTS_PER_MACHINE_YEAR),
                   "breach_probability": dict(BREACH_PROB),
                   "breach_probability_off_hours_extra_7x24": BREACH_PROB_OFF_HOURS_EXTRA},
        "quirks": files_quirks,
        "customers": customers_truth,
        "engineers": list(ENGINEERS),
        "p_series_engineers": list(ENGINEERS[:P_SERIES_ENGINEERS]),
        "branch": BRANCH,
        "machines": [{k: m[k] for k in ("customer_id", "series", "type_model", "serial")} for m in machines_all],
        "contracts": contracts_truth,
        "renewal": {"intercept": RENEWAL_INTERCEPT, "tier_effects": dict(RENEWAL_TIER_EFFECTS),
                    "sla_breach_effect": float(sla_breach_effect),
                    "second_visit_effect": SECOND_VISIT_EFFECT,
                    "per": "breached dispatch during the contract term",
                    "second_visit_per": "dispatch needing two or more visits during the contract term",
                    "model": "logit P(renew) = intercept + tier_effects[tier] + sla_breach_effect * breaches "
                             "+ second_visit_effect * second_visits; terms ending after params.end are undecided"},
        "dispatch_truth": dispatch_truth,
        "cause_given_symptom": {s: dict(d) for s, d in CAUSE_GIVEN_SYMPTOM.items()},
        "cause_given_symptom_note": "distribution of the first (primary) cause; a second cause, when present, "
                                    "is drawn from the same distribution without the first",
        "second_cause_rate": SECOND_CAUSE_RATE,
        "symptom_prior": dict(SYMPTOM_PRIOR),
        "cause_parts": {k: list(v) for k, v in CAUSE_PARTS.items()},
        "part_names": dict(PART_NAMES),
        "parts_kit_rule": "parts of CAG's predicted cause, then parts of the other causes of the symptom in "
                          "descending P(cause|symptom), at most 2",
        "symptom_variants": symptom_variants,
        "cause_variants": cause_variants,
        "cag_accuracy": CAG_ACCURACY,
        "sla_rules": dict(SLA_RULES),
        "cross_sell": cross,
        "win_back": win_back,
        "win_back_definition": "no purchase (positive order) and no contract in force for more than 365 days, "
                               "then a purchase or a contract; planted=true for the planted ~4%",
        "thesis_table_4_1": thesis_truth,
        "summary": summary,
    }
    (out / FILE_TRUTH).write_bytes(
        (json.dumps(truth, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8"))
    return truth


def main_args(args) -> int:
    """CLI helper: ``args`` has ``out``, ``seed`` and ``customers`` (argparse.Namespace)."""
    truth = write_sample(args.out, seed=getattr(args, "seed", DEFAULT_SEED) or DEFAULT_SEED,
                         customers=getattr(args, "customers", 300) or 300)
    s = truth["summary"]
    print(f"wrote sample data to {args.out}: {s['customers']} customers, {s['dispatches']} dispatches, "
          f"{s['orders']} orders, {s['contracts']} contracts")
    return 0
