"""The contracts table: one row per maintenance contract (a renewal is a new contract)."""

from __future__ import annotations

from pipeline.contract.model import Column, Table, Text
from pipeline.contract.shared import CUSTOMER_NAME, RAW_CUSTOMER_NAME, source_columns
from pipeline.contract.vocabulary import SERVICE_LEVELS

CONTRACTS = Table(
    name="contracts",
    description=Text("Maintenance contracts: one row per contract.", "維保合約：每份合約一列。"),
    file_keywords=("contract", "合同", "合約", "合约", "續保", "续保"),
    required=(("contract_id",), ("customer_name", "customer_id"), ("start_date",), ("end_date",)),
    keys=("contract_id",),
    update_stamp=("end_date",),
    sort=("start_date", "contract_id"),
    later_than=(("end_date", "start_date"),),
    columns=(
        Column("contract_id", "id", Text("Maintenance contract number.", "維保合約號。"),
               raw=("contract", "contract no", "contract number", "合同編號", "合約編號", "合同號"), nullable=False,
               unique=True, example="HT2007-0830"),
        Column("customer_id", "id", Text("Customer identifier.", "客戶代碼。"),
               raw=("customer id", "customer no", "客戶編號"), nullable=False),
        Column("customer_name", "text", CUSTOMER_NAME,
               raw_description=RAW_CUSTOMER_NAME,
               raw=("customer", "customer name", "客戶名稱", "客戶")),
        Column("start_date", "datetime", Text("Contract start date.", "合約起始日。"),
               raw=("start", "start date", "開始日期", "起始日期", "生效日期"), nullable=False),
        Column("end_date", "datetime", Text("Contract end date (the renewal date).", "合約到期日（續保日）。"),
               raw=("end", "end date", "結束日期", "到期日期", "終止日期"), nullable=False),
        Column("service_level", "code", Text("Contracted service level (5x9, 7x24x8, 7x24x4, or as the export "
                                             "writes it, or as options.service_levels maps it).",
                                             "合約服務級別（5x9、7x24x8、7x24x4，或按匯出檔原文，或依 "
                                             "options.service_levels 對應）。"),
               raw=("service level", "sla", "服務級別", "服務等級"), values=SERVICE_LEVELS, values_open=True),
        Column("annual_fee", "number", Text("Annual fee.", "年費。"), raw=("annual fee", "fee", "年費", "年度費用"),
               minimum=0),
        Column("renewed", "boolean", Text("Renewed (true/false; empty while undecided).", "是否續保（未決定為空）。"),
               raw=("renewal", "是否續保", "續保", "是否續約"), example="Y / N / 是 / 否 / empty"),
        *source_columns(),
    ),
)
