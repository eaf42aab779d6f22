"""The data contract: what each table holds, raw and processed."""

from __future__ import annotations

PROCESSED_COLUMNS = {
    "dispatches": ["ticket_id", "customer_id", "customer_name", "reported_at", "arrived_at", "closed_at",
                   "service_level", "machine_type", "machine_model", "serial", "symptom_text", "symptom_code",
                   "cause_text", "cause_codes", "predicted_cause_code", "parts_sent", "parts_used", "visits",
                   "engineer", "branch", "first_time_fix", "source_file", "source_row"],
    "sales": ["order_id", "line_no", "customer_id", "customer_name", "order_date", "product_id", "product_name",
              "product_category", "quantity", "unit_price", "discount", "amount", "currency", "channel",
              "is_return", "source_file", "source_row"],
    "customers": ["customer_id", "customer_name", "aliases", "industry", "tier", "region"],
    "contracts": ["contract_id", "customer_id", "customer_name", "start_date", "end_date", "service_level",
                  "annual_fee", "renewed", "source_file", "source_row"],
}
REJECT_COLUMNS = ["table", "source_file", "source_row", "reason_code", "reason", "raw"]
# Columns beyond the contract's, written when a source gives them.
EXTRA_COLUMNS = {"dispatches": ["service_level_text", "product_series", "product_line", "events", "reassignments"],
                 "sales": [], "customers": [], "contracts": []}

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

