"""The planted constants of the sample: file names and headers, the parameters the data are drawn
from, the vocabularies (industries, tiers, service levels, machine types, engineers, districts), the
fault catalogue and the product list with its cross-sell rules.

Probabilities are fractions (0-1); prices and fees in CNY; BG/NBD rates per week.
"""

from __future__ import annotations

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
ORIENT_PAST, ORIENT_FUTURE, ORIENT_FUTURE_WEEKS = 0.3, 0.7, 104.0   # planted time orientation (sales.plant_orientation)
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

SLA_RULES = {
    "5x9": "on site by 18:00 of the business day after the day the call is received; business days "
           "Mon-Fri, no holidays; a call outside Mon-Fri 09:00-18:00 counts as received at the next "
           "09:00 on a business day (a weekday call before 09:00: 09:00 the same day; the sample "
           "data has no such 5x9 calls, so both readings agree)",
    "7x24x8": "on site within 8 hours wall clock",
    "7x24x4": "on site within 4 hours wall clock",
    "breached": "arrived_at > deadline (arriving exactly at the deadline is on time)",
}
