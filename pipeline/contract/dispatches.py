"""The dispatches table: one row per service dispatch (ticket), from report to close."""

from __future__ import annotations

from pipeline.contract.model import Column, Table, Text
from pipeline.contract.shared import CUSTOMER_NAME, RAW_CUSTOMER_NAME, source_columns, state_log_columns
from pipeline.contract.vocabulary import CODING_METHODS, SERVICE_LEVELS

DISPATCHES = Table(
    name="dispatches",
    description=Text("Service dispatch tickets: one row per dispatch, from the customer's report to its close.",
                     "服務派單：每張派單一列，自客戶報修至結案。"),
    file_keywords=("dispatch", "ticket", "service_call", "派單", "派单", "工單", "工单", "報修", "报修"),
    # no customer column is required: an IT service desk's export (BPIC 2013) may have none; then every
    # ticket's customer is empty. A file that has the column rejects a row whose cell is empty.
    required=(("ticket_id",), ("reported_at",)),
    keys=("ticket_id",),
    # a ticket exported twice is the later version when it is closed, arrived or reported later
    update_stamp=("closed_at", "arrived_at", "reported_at"),
    sort=("reported_at", "ticket_id"),
    later_than=(("closed_at", "reported_at"), ("arrived_at", "reported_at")),
    columns=(
        Column("ticket_id", "id", Text("Dispatch (ticket) number as exported; unique.", "派單號，取自匯出檔，唯一。"),
               raw=("ticket", "ticket no", "ticket number", "dispatch no", "dispatch id", "case id", "case",
                    "incident", "派單號", "派單編號", "工單號", "工單編號", "單號"),
               nullable=False, unique=True, example="HZ0901-0042"),
        Column("customer_id", "id", Text("Customer identifier (given, or derived from the resolved name); empty only "
                                         "when the export has no customer column at all.",
                                         "客戶代碼（原有，或由歸併後的名稱導出）；僅當匯出檔完全沒有客戶欄位時為空。"),
               raw=("customer id", "customer no", "customer number", "客戶編號", "客戶代碼"), example="C0042"),
        Column("customer_name", "text", CUSTOMER_NAME,
               raw_description=RAW_CUSTOMER_NAME,
               raw=("customer", "customer name", "client", "客戶名稱", "客戶", "用戶名稱")),
        Column("reported_at", "datetime", Text("When the customer reported the fault.", "客戶報修時間。"),
               raw=("report date", "reported", "report time", "open date", "opened", "created", "報修時間",
                    "報修日期", "報障時間", "開單時間"), nullable=False, example="2009-01-08 09:30"),
        Column("arrived_at", "datetime", Text("When the engineer arrived on site.", "工程師到場時間。"),
               raw=("arrival", "arrival time", "arrived", "on site", "onsite time", "到場時間", "到達時間",
                    "上門時間")),
        Column("closed_at", "datetime", Text("When the dispatch was closed (empty while open).",
                                             "結案時間（未結案為空）。"),
               raw=("closed", "close date", "closed date", "resolved", "resolved at", "完成時間", "關閉時間",
                    "結案時間", "修復時間")),
        Column("service_level", "code", Text("Contracted service level: 5x9, 7x24x8 or 7x24x4; a level the export "
                                             "writes otherwise (a ticket system's priority) as written, or as "
                                             "options.service_levels maps it.",
                                             "合約服務級別：5x9、7x24x8 或 7x24x4；匯出檔以其他寫法記錄的級別（如工單"
                                             "系統的優先級）按原文保留，或依 options.service_levels 對應。"),
               raw=("service level", "sla", "level", "服務級別", "服務等級", "保修級別"), values=SERVICE_LEVELS,
               values_open=True, example="7*24*4"),
        Column("machine_type", "code", Text("Machine type (4 characters, e.g. 7979).", "機型（4 碼，例如 7979）。"),
               raw=("machine type", "type", "機器類型"), length=4, derived_from=("machine_type_model",)),
        Column("machine_model", "code", Text("Machine model (3 characters, e.g. Q7C).", "型號（3 碼，例如 Q7C）。"),
               raw=("machine model", "model"), length=3),
        Column("serial", "text", Text("Machine serial number.", "機器序列號。"),
               raw=("serial no", "serial number", "sn", "序列號", "序號")),
        Column("symptom_text", "text", Text("Reported symptom as written.", "原始故障現象描述。"),
               raw=("symptom", "fault", "problem", "故障現象", "現象", "故障描述"), example="4個HDD黃燈常亮"),
        Column("symptom_code", "code", Text("Symptom code from the taxonomy.", "依分類表的故障現象代碼。"),
               derived_from=("symptom_text",)),
        Column("symptom_confidence", "number",
               Text("How sure the symptom code is, 0–1: 1 for a taxonomy rule, else the cosine similarity of the "
                    "text to the nearest labelled phrase (character n-grams); below the taxonomy's threshold the "
                    "code is UNMAPPED.",
                    "故障現象代碼的把握度（0–1）：分類表規則為 1，否則為與最近標註詞句的餘弦相似度；低於門檻即為 "
                    "UNMAPPED。"),
               derived_from=("symptom_text",), minimum=0),
        Column("symptom_method", "code", Text("What decided the symptom code: rule, similarity, none (UNMAPPED) "
                                              "or source (the export's own code, options.coded_columns).",
                                              "決定故障現象代碼的方法：rule、similarity、none（UNMAPPED）或 "
                                              "source（匯出檔自帶的代碼，options.coded_columns）。"),
               derived_from=("symptom_text",), values=CODING_METHODS),
        Column("cause_text", "text", Text("Fault cause as written.", "原始故障原因描述。"),
               raw=("cause", "root cause", "fault cause", "故障原因", "原因"), example="主板,內存皆損壞"),
        Column("cause_codes", "list", Text("Cause codes (a cell may name two causes).",
                                           "故障原因代碼（一格可有兩個原因）。"),
               nullable=False, derived_from=("cause_text",)),
        Column("cause_confidence", "number",
               Text("How sure the cause codes are, 0–1: the lowest over the cell's causes (1 for a rule).",
                    "故障原因代碼的把握度（0–1）：一格各原因中最低者（規則為 1）。"),
               derived_from=("cause_text",), minimum=0),
        Column("cause_method", "code", Text("What decided the cause codes: rule, similarity (for at least one of "
                                            "them), none (UNMAPPED) or source (options.coded_columns).",
                                            "決定故障原因代碼的方法：rule、similarity（至少一個原因）、none 或 "
                                            "source（options.coded_columns）。"),
               derived_from=("cause_text",), values=CODING_METHODS),
        Column("predicted_cause_code", "code", Text("Cause predicted by technical support (CAG) before the visit.",
                                                    "技術支援（CAG）到場前預測的原因代碼。"),
               derived_from=("predicted_cause_text",)),
        Column("parts_sent", "list", Text("Spare parts shipped with the dispatch (at most two).",
                                          "隨單寄送的備件（最多兩件）。"),
               raw=("parts sent", "parts to carry", "寄送備件", "攜帶備件", "發送備件"), nullable=False,
               example="HDD+RAID"),
        Column("parts_used", "list", Text("Spare parts used in the repair (may differ from those sent).",
                                          "維修實際使用的備件（可能與寄送的不同）。"),
               raw=("parts used", "replaced parts", "使用備件", "更換備件"),
               nullable=False),
        Column("visits", "integer", Text("Number of site visits.", "到場次數。"),
               raw=("visit count", "number of visits", "上門次數"), minimum=0),
        Column("engineer", "text", Text("Field engineer.", "現場工程師。"),
               raw=("engineer name", "ssr", "technician", "工程師", "工程師姓名")),
        Column("branch", "text", Text("Branch office that handled the dispatch.", "處理派單的分公司。"),
               raw=("branch office", "office", "分公司", "分支機構")),
        Column("first_time_fix", "boolean", Text("Fixed on the first visit (true/false).", "是否一次修復。"),
               derived_from=("visits",)),
        *source_columns(),
        # written when a source gives them
        Column("service_level_text", "text", Text("The service level as the export wrote it, before it was read as "
                                                  "5x9, 7x24x8 or 7x24x4.",
                                                  "匯出檔原寫的服務級別（對應前）。"),
               extra=True),
        Column("made_sla", "boolean", Text("The export's own SLA flag (ServiceNow's made_sla): true when the ticket "
                                           "system says the ticket met its service level; the service chapter "
                                           "compares it with Aftercare's own computation.",
                                           "匯出檔自帶的服務級別旗標（ServiceNow 的 made_sla）：工單系統判定達成時為"
                                           "真；服務章將其與 Aftercare 自行計算的結果比較。"),
               raw=("made sla", "sla met", "met sla"), extra=True, example="true / false"),
        Column("product_series", "code", Text("Product series of the machine type (x: low-end, p: high-end), from "
                                              "pipeline/clean/data/product_lines.csv.",
                                              "機型所屬系列（x：低階，p：高階）。"),
               extra=True),
        Column("product_line", "code", Text("Product line of the machine type, from the same file.",
                                            "機型所屬產品線。"),
               extra=True),
        Column("events", "integer", Text("Event-log exports: the events folded into this dispatch.",
                                         "事件日誌匯出：併入此派單的事件數。"),
               extra=True),
        *state_log_columns(Text("record", "記錄"), Text("the latest state is kept and the first report time taken",
                                                     "保留最新狀態，報修時間取最早")),
        Column("reassignments", "integer", Text("Event-log exports: changes of the handling resource between "
                                                "consecutive events.",
                                                "事件日誌匯出：相鄰事件間處理人變更的次數。"),
               extra=True),
        # raw only: split or coded into the processed columns above
        Column("machine_type_model", "text", Text("Machine type and model written together (e.g. 7979Q7C), split into "
                                                  "machine_type and machine_model.",
                                                  "機型與型號合寫（例如 7979Q7C），拆為機型與型號。"),

               raw=("type model", "type-model", "machine type model", "mtm", "機型", "機器型號", "型號"),
               processed=False, example="7979Q7C"),
        Column("predicted_cause_text", "text", Text("The cause technical support (CAG) predicted, as written; coded "
                                                    "into predicted_cause_code.",
                                                    "技術支援（CAG）預判原因的原文，編碼為預判原因代碼。"),

               raw=("predicted cause", "cag cause", "cag預判原因", "預判原因", "cag診斷"), processed=False),
    ),
)
