"""The customers table: one row per customer, the registry merged with every customer the other tables name."""

from __future__ import annotations

from pipeline.contract.model import Column, Table, Text
from pipeline.contract.vocabulary import TIERS

CUSTOMERS = Table(
    name="customers",
    description=Text("Customers: one row per customer.", "客戶：每位客戶一列。"),
    file_keywords=("customer", "client", "客戶", "客户"),
    required=(("customer_name", "customer_id"),),
    columns=(
        Column("customer_id", "id", Text("Customer identifier.", "客戶代碼。"),
               raw=("customer id", "customer no", "客戶編號", "客戶代碼"), nullable=False, unique=True),
        Column("customer_name", "text", Text("Canonical customer name.", "標準客戶名稱。"),
               raw=("customer name", "customer", "name", "客戶名稱", "客戶"), nullable=False, nonempty=True),
        Column("aliases", "list", Text("Other names the customer appears under.", "客戶的其他寫法。"),
               raw=("alias", "other names", "別名"), nullable=False, example="中國電子口岸數據分析中心|電子口岸"),
        Column("industry", "text", Text("Industry.", "行業。"), raw=("sector", "行業")),
        Column("tier", "code", Text("Customer tier: VIP, large or SMB; a tier the export writes otherwise "
                                    "(Superstore's Consumer, Corporate, Home Office) as written, or as options.tiers "
                                    "maps it.",
                                    "客戶等級：VIP、大型或中小型；匯出檔以其他名稱記錄的等級按原文保留，或依 "
                                    "options.tiers 對應。"),
               raw=("segment", "customer tier", "客戶等級", "等級"), values=TIERS, values_open=True),
        Column("region", "text", Text("Region or district.", "地區。"),
               raw=("area", "地區", "區域")),
    ),
)
