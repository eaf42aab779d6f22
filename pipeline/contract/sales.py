"""The sales table: one row per order line (an invoice's line, or a whole order when lines are not given)."""

from __future__ import annotations

from pipeline.contract.model import Column, Table, Text
from pipeline.contract.shared import CUSTOMER_NAME, RAW_CUSTOMER_NAME, source_columns, state_log_columns

SALES = Table(
    name="sales",
    description=Text("Sales: one row per order line.", "銷售：每個訂單行一列。"),
    file_keywords=("sales", "order", "invoice", "retail", "銷售", "销售", "訂單", "订单"),
    # order_id is not required: without it an order is a customer's purchases on one day (CDNOW)
    required=(("order_date",), ("customer_name", "customer_id"), ("amount", "quantity")),
    # without line numbers an invoice's lines share its id: then only exact copies are duplicates
    keys=("order_id", "line_no"),
    sort=("order_date", "order_id", "line_no"),
    columns=(
        Column("order_id", "id", Text("Order (invoice) number. An export without one: an order is a customer's "
                                      "purchases on one day, its id customer/date (00001/1997-01-01), and the "
                                      "manifest says so (order_from_customer_day).",
                                      "訂單（發票）號。匯出檔若無此欄：一位客戶一天內的購買視為一張訂單，訂單號為"
                                      "客戶/日期（00001/1997-01-01），清單檔會註明（order_from_customer_day）。"),
               raw=("order", "order no", "order number", "invoice", "invoice no", "invoiceno", "訂單號", "訂單編號",
                    "發票號"), nullable=False, example="SO-2009-0142"),
        Column("line_no", "text", Text("Line number within the order.", "訂單內的行號。"),
               raw=("line", "line number", "行號")),
        Column("customer_id", "id", Text("Customer identifier.", "客戶代碼。"),
               raw=("customer id", "customer no", "customerid", "客戶編號", "客戶代碼"), nullable=False),
        Column("customer_name", "text", CUSTOMER_NAME,
               raw_description=RAW_CUSTOMER_NAME,
               raw=("customer", "customer name", "客戶名稱", "客戶")),
        Column("order_date", "datetime", Text("Order date.", "訂單日期。"),
               raw=("order date", "date", "invoice date", "invoicedate", "訂單日期", "日期", "銷售日期"),
               nullable=False),
        Column("product_id", "id", Text("Product code.", "產品代碼。"),
               raw=("product code", "stockcode", "stock code", "sku", "product id", "產品編號", "料號")),
        Column("product_name", "text", Text("Product name.", "產品名稱。"),
               raw=("product", "description", "product name", "產品名稱", "品名")),
        Column("product_category", "text", Text("Product category.", "產品類別。"),
               raw=("category", "product category", "產品類別", "類別")),
        Column("quantity", "number", Text("Quantity (negative for returns).", "數量（退貨為負）。"),
               raw=("qty", "數量")),
        Column("unit_price", "number", Text("Unit price.", "單價。"), raw=("unit price", "price", "unitprice", "單價")),
        Column("discount", "number", Text("Discount as a fraction of the price (a value above 1, such as 15, is read "
                                          "as per cent).",
                                          "折扣（占價格的比例；大於 1 的值如 15 視為百分比）。"),
               raw=("discount rate", "折扣"), example="0.15 or 15 (per cent)"),
        Column("amount", "number", Text("Line amount (quantity × unit price, after discount).",
                                        "金額（數量 × 單價，扣除折扣）。"),
               raw=("total", "sales", "line total", "金額", "銷售額"), nullable=False),
        Column("currency", "text", Text("Currency of the amounts (from the export, or options.currency).",
                                        "金額幣別（取自匯出檔或 options.currency）。"),
               raw=("幣別", "幣種")),
        Column("channel", "text", Text("Sales channel.", "銷售渠道。"),
               raw=("sales channel", "渠道", "通路")),
        Column("is_return", "boolean", Text("Whether the line is a return.", "是否為退貨。"), nullable=False),
        *state_log_columns(Text("line", "訂單行"), Text("the latest state is kept", "保留最新狀態")),
        *source_columns(),
    ),
)
