"""The sales table: one row per order line (an invoice's line, or a whole order when lines are not given)."""

from __future__ import annotations

from pipeline.contract.model import Column, Table, Text

SALES = Table(
    name="sales",
    description=Text("Sales: one row per order line.", "銷售：每個訂單行一列。"),
    file_keywords=("sales", "order", "invoice", "retail", "銷售", "销售", "訂單", "订单"),
    required=(("order_id",), ("order_date",), ("customer_name", "customer_id"), ("amount", "quantity")),
    # without line numbers an invoice's lines share its id: then only exact copies are duplicates
    keys=("order_id", "line_no"),
    sort=("order_date", "order_id", "line_no"),
    columns=(
        Column("order_id", "id", Text("Order (invoice) number.", "訂單（發票）號。"),
               raw=("order", "order no", "order number", "invoice", "invoice no", "invoiceno", "訂單號", "訂單編號",
                    "發票號"), nullable=False, example="SO-2009-0142"),
        Column("line_no", "text", None, raw=("line", "line number", "行號")),
        Column("customer_id", "id", Text("Customer identifier.", "客戶代碼。"),
               raw=("customer id", "customer no", "customerid", "客戶編號", "客戶代碼"), nullable=False),
        Column("customer_name", "text", None, raw=("customer", "customer name", "客戶名稱", "客戶")),
        Column("order_date", "datetime", Text("Order date.", "訂單日期。"),
               raw=("order date", "date", "invoice date", "invoicedate", "訂單日期", "日期", "銷售日期"),
               nullable=False),
        Column("product_id", "id", Text("Product code.", "產品代碼。"),
               raw=("product code", "stockcode", "stock code", "sku", "product id", "產品編號", "料號")),
        Column("product_name", "text", None, raw=("product", "description", "product name", "產品名稱", "品名")),
        Column("product_category", "text", Text("Product category.", "產品類別。"),
               raw=("category", "product category", "產品類別", "類別")),
        Column("quantity", "number", Text("Quantity (negative for returns).", "數量（退貨為負）。"),
               raw=("qty", "數量")),
        Column("unit_price", "number", Text("Unit price.", "單價。"), raw=("unit price", "price", "unitprice", "單價")),
        Column("discount", "number", None, raw=("discount rate", "折扣"), example="0.15 or 15 (per cent)"),
        Column("amount", "number", Text("Line amount (quantity × unit price, after discount).",
                                        "金額（數量 × 單價，扣除折扣）。"),
               raw=("total", "sales", "line total", "金額", "銷售額"), nullable=False),
        Column("currency", "text", None, raw=("幣別", "幣種")),
        Column("channel", "text", None, raw=("sales channel", "渠道", "通路")),
        Column("is_return", "boolean", Text("Whether the line is a return.", "是否為退貨。"), nullable=False),
        Column("source_file", "text", None, nullable=False, nonempty=True),
        Column("source_row", "integer", None, nullable=False, minimum=1),
    ),
)
