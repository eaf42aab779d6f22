"""The four raw tables: their canonical columns, which are required, and the built-in header aliases.

Aliases are compared after normalisation (:func:`header_key`): NFKC, case-folded, spaces, underscores,
hyphens and dots removed, Simplified Chinese converted to Traditional. So ``Report Date``,
``report_date``, ``報修時間`` and ``报修时间`` all find ``reported_at``. Only Traditional and
English spellings need listing here; Simplified headers are covered by the conversion.
"""

from __future__ import annotations

import functools
import re
import unicodedata

TABLES = ("dispatches", "sales", "customers", "contracts")

# canonical column -> aliases (English and Traditional Chinese; Simplified is derived)
ALIASES: dict[str, dict[str, list[str]]] = {
    "dispatches": {
        "ticket_id": ["ticket_id", "ticket", "ticket no", "ticket number", "dispatch no", "dispatch id",
                      "case id", "case", "incident", "派單號", "派單編號", "工單號", "工單編號", "單號"],
        "reported_at": ["reported_at", "report date", "reported", "report time", "open date", "opened",
                        "created", "報修時間", "報修日期", "報障時間", "開單時間"],
        "arrived_at": ["arrived_at", "arrival", "arrival time", "arrived", "on site", "onsite time",
                       "到場時間", "到達時間", "上門時間"],
        "closed_at": ["closed_at", "closed", "close date", "closed date", "resolved", "resolved at",
                      "完成時間", "關閉時間", "結案時間", "修復時間"],
        "customer_id": ["customer_id", "customer id", "customer no", "customer number", "客戶編號", "客戶代碼"],
        "customer_name": ["customer_name", "customer", "customer name", "client", "客戶名稱", "客戶", "用戶名稱"],
        "service_level": ["service_level", "service level", "sla", "level", "服務級別", "服務等級", "保修級別"],
        "machine_type_model": ["machine_type_model", "type model", "type-model", "machine type model", "mtm",
                               "機型", "機器型號", "型號"],
        "machine_type": ["machine_type", "machine type", "type", "機器類型"],
        "machine_model": ["machine_model", "machine model", "model"],
        "serial": ["serial", "serial no", "serial number", "sn", "序列號", "序號"],
        "symptom_text": ["symptom_text", "symptom", "fault", "problem", "故障現象", "現象", "故障描述"],
        "cause_text": ["cause_text", "cause", "root cause", "fault cause", "故障原因", "原因"],
        "predicted_cause_text": ["predicted_cause_text", "predicted cause", "cag cause", "cag預判原因",
                                 "預判原因", "cag診斷"],
        "parts_sent": ["parts_sent", "parts sent", "parts to carry", "寄送備件", "攜帶備件", "發送備件"],
        "parts_used": ["parts_used", "parts used", "replaced parts", "使用備件", "更換備件"],
        "visits": ["visits", "visit count", "number of visits", "上門次數"],
        "engineer": ["engineer", "engineer name", "ssr", "technician", "工程師", "工程師姓名"],
        "branch": ["branch", "branch office", "office", "分公司", "分支機構"],
    },
    "sales": {
        "order_id": ["order_id", "order", "order no", "order number", "invoice", "invoice no", "invoiceno",
                     "訂單號", "訂單編號", "發票號"],
        "line_no": ["line_no", "line", "line number", "行號"],
        "order_date": ["order_date", "order date", "date", "invoice date", "invoicedate", "訂單日期", "日期",
                       "銷售日期"],
        "customer_id": ["customer_id", "customer id", "customer no", "customerid", "客戶編號", "客戶代碼"],
        "customer_name": ["customer_name", "customer", "customer name", "客戶名稱", "客戶"],
        "product_id": ["product_id", "product code", "stockcode", "stock code", "sku", "product id",
                       "產品編號", "料號"],
        "product_name": ["product_name", "product", "description", "product name", "產品名稱", "品名"],
        "product_category": ["product_category", "category", "product category", "產品類別", "類別"],
        "quantity": ["quantity", "qty", "數量"],
        "unit_price": ["unit_price", "unit price", "price", "unitprice", "單價"],
        "discount": ["discount", "discount rate", "折扣"],
        "amount": ["amount", "total", "sales", "line total", "金額", "銷售額"],
        "currency": ["currency", "幣別", "幣種"],
        "channel": ["channel", "sales channel", "渠道", "通路"],
    },
    "customers": {
        "customer_id": ["customer_id", "customer id", "customer no", "客戶編號", "客戶代碼"],
        "customer_name": ["customer_name", "customer name", "customer", "name", "客戶名稱", "客戶"],
        "aliases": ["aliases", "alias", "other names", "別名"],
        "industry": ["industry", "sector", "行業"],
        "tier": ["tier", "segment", "customer tier", "客戶等級", "等級"],
        "region": ["region", "area", "地區", "區域"],
    },
    "contracts": {
        "contract_id": ["contract_id", "contract", "contract no", "contract number", "合同編號", "合約編號",
                        "合同號"],
        "customer_id": ["customer_id", "customer id", "customer no", "客戶編號"],
        "customer_name": ["customer_name", "customer", "customer name", "客戶名稱", "客戶"],
        "start_date": ["start_date", "start", "start date", "開始日期", "起始日期", "生效日期"],
        "end_date": ["end_date", "end", "end date", "結束日期", "到期日期", "終止日期"],
        "service_level": ["service_level", "service level", "sla", "服務級別", "服務等級"],
        "annual_fee": ["annual_fee", "annual fee", "fee", "年費", "年度費用"],
        "renewed": ["renewed", "renewal", "是否續保", "續保", "是否續約"],
    },
}

# Each inner tuple: one of these must be present (alternatives for the same role).
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "dispatches": [("ticket_id",), ("reported_at",), ("customer_name", "customer_id")],
    "sales": [("order_id",), ("order_date",), ("customer_name", "customer_id"), ("amount", "quantity")],
    "customers": [("customer_name", "customer_id")],
    "contracts": [("contract_id",), ("customer_name", "customer_id"), ("start_date",), ("end_date",)],
}

# File-name keywords that say which table a file is, when sources.yml does not.
TABLE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "dispatches": ("dispatch", "ticket", "service_call", "派單", "派单", "工單", "工单", "報修", "报修"),
    "sales": ("sales", "order", "invoice", "retail", "銷售", "销售", "訂單", "订单"),
    "customers": ("customer", "client", "客戶", "客户"),
    "contracts": ("contract", "合同", "合約", "合约", "續保", "续保"),
}

_STRIP = re.compile(r"[\s_\-.·:：()（）/]+")


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """The form headers are compared in: NFKC, no BOM/zero-width chars, case-folded, Traditional script."""
    from pipeline.i18n import to_traditional
    from pipeline.text import clean_invisible

    text = unicodedata.normalize("NFKC", clean_invisible(str(header))).casefold()
    return to_traditional(_STRIP.sub("", text))


@functools.lru_cache(maxsize=None)
def alias_index(table: str) -> dict[str, str]:
    """Normalised alias -> canonical column, for one table."""
    index: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        for alias in [canonical, *aliases]:
            index.setdefault(header_key(alias), canonical)
    return index


def table_from_filename(name: str) -> str | None:
    """Which table a raw file is, from keywords in its name; None when no keyword or several tables match."""
    lowered = name.casefold()
    hits = [table for table, words in TABLE_KEYWORDS.items() if any(w in lowered for w in words)]
    return hits[0] if len(hits) == 1 else None
