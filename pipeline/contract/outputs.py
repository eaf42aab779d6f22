"""What cleaning writes beside the four tables: the rejects, the customer-name resolutions, and the two
JSON files (``manifest.json``, ``timings.json``)."""

from __future__ import annotations

from pipeline.contract.model import Column, Document, Field, Table, Text
from pipeline.contract.vocabulary import REJECT_REASONS, TABLES

REJECTS = Table(
    name="rejects",
    description=Text("Every raw row that was not kept, with the reason and its raw content.",
                     "每一列未保留的原始資料，附原因與原始內容。"),
    raw_input=False,
    columns=(
        Column("table", "code", Text("The table the row was read for.", "該列所屬的資料表。"), nullable=False,
               values=TABLES),
        Column("source_file", "text", Text("The raw file, relative to the raw folder.",
                                           "原始檔案（相對於原始資料夾）。"),
               nullable=False, nonempty=True),
        Column("source_row", "integer", Text("The row number a spreadsheet shows (the header is row 1 of a CSV).",
                                             "試算表顯示的列號（CSV 的標題列為第 1 列）。"), nullable=False, minimum=1),
        Column("reason_code", "code", Text("Why the row was not kept (see the reasons below).", "未保留的原因代碼。"),
               nullable=False, nonempty=True, values=tuple(REJECT_REASONS)),
        Column("reason", "text", Text("The reason in words, naming the column and the value.",
                                      "原因說明，指出欄位與數值。"), nullable=False),
        Column("raw", "text", Text("The raw row as JSON (header: value); empty for a superseded or conflicting "
                                   "duplicate, whose copies are kept elsewhere.",
                                   "原始列（JSON，標題：值）；重複記錄為空。"), nullable=False),
    ),
)

CUSTOMER_NAMES = Table(
    name="customer_names",
    description=Text("How each customer name as written was resolved to a customer.",
                     "每個客戶寫法歸併到哪位客戶。"),
    raw_input=False,
    columns=(
        Column("name", "text", Text("A customer name as written in some export.", "匯出檔中的客戶寫法。")),
        Column("customer_id", "id", Text("The customer it was resolved to.", "歸併到的客戶代碼。")),
        Column("canonical_name", "text", Text("That customer's canonical name.", "該客戶的標準名稱。")),
        Column("method", "code", Text("How: override, registry, exact, fuzzy, contained, abbreviation or new.",
                                      "歸併方式。"),
               values=("override", "registry", "exact", "fuzzy", "contained", "abbreviation", "new")),
        Column("score", "number", Text("Similarity 0–100 of a fuzzy match (100 for exact ones).", "相似度（0–100）。")),
    ),
)

MANIFEST = Document(
    name="manifest.json",
    description="What was read, kept, rejected and de-duplicated, per raw file. The same inputs give the same "
                "manifest byte for byte (timings go to timings.json).",
    fields=(
        Field("version", "the program version that cleaned the data"),
        Field("run_date", "the run date (YYYY-MM-DD); dates after it are rejected as future_date"),
        Field("parameters", "raw folder, sources file, run date and the customer fuzzy-match threshold"),
        Field("engine", "pandas or dask"),
        Field("files[].path", "the raw file, relative to the raw folder"),
        Field("files[].table", "which table it was read as"),
        Field("files[].sha256", "SHA-256 of its bytes"),
        Field("files[].encoding", "the text encoding it was decoded with (null for .xlsx and Parquet)"),
        Field("files[].rows_read", "physical data records read (the header not counted)"),
        Field("files[].columns", "canonical column → the header it was read from"),
        Field("files[].warnings", "warnings about the file, each with a code and a message: truncated (a "
                                  "truncated export), formula_without_value, state_log_detected (records in "
                                  "several rows read as their successive states), large_loss (more than "
                                  "options.max_loss of the rows rejected)"),
        Field("files[].rows_kept", "rows in the processed table"),
        Field("files[].rows_rejected", "rows in rejects.parquet"),
        Field("files[].duplicates", "exact copies dropped"),
        Field("files[].states_folded", "state logs only: earlier states of a record folded into its latest "
                                       "(rows read = kept + rejected + duplicates + states folded)"),
        Field("files[].rejected_by_reason", "reason code → rows"),
        Field("files[].events_read", "event-log exports only: the events folded into the rows"),
        Field("tables", "table → rows written"),
        Field("customer_merges", "customer names merged by fuzzy, contained or abbreviation matching"),
    ),
)

TIMINGS = Document(
    name="timings.json",
    description="How long each stage of the last clean took; kept apart from manifest.json so that the manifest "
                "stays identical for identical inputs.",
    fields=(
        Field("[].stage", "the stage: discover + hash files, read + clean (engine), de-duplicate, resolve customers + "
                          "sort, account + validate"),
        Field("[].rows", "rows the stage worked on (null where not meaningful)"),
        Field("[].seconds", "wall-clock seconds"),
        Field("[].files", "files the stage handled, where it handles files"),
        Field("[].cached_files", "read + clean only: files whose cleaned part came from the cache"),
    ),
)
