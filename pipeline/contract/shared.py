"""Columns every row table has in common: where each row came from, and the resolved customer."""

from __future__ import annotations

from pipeline.contract.model import Column, Text

SOURCE_FILE = Text("Raw file the row came from (with source_row: its row).", "資料列來源檔案（source_row 為列號）。")
SOURCE_ROW = Text("Row of source_file the row came from, as a spreadsheet numbers it (the header is row 1 of a CSV).",
                  "來源檔案中的列號（CSV 的標題列為第 1 列）。")
CUSTOMER_NAME = Text("Customer name after merging spelling variants.", "歸併寫法後的客戶名稱。")
RAW_CUSTOMER_NAME = Text("The customer's name as the export writes it (merged with its other spellings when cleaned).",
                         "匯出檔中的客戶名稱寫法（清理時歸併）。")


def source_columns() -> tuple[Column, Column]:
    """``source_file`` and ``source_row``: every kept row points back at its raw row."""
    return (Column("source_file", "text", SOURCE_FILE, nullable=False, nonempty=True),
            Column("source_row", "integer", SOURCE_ROW, nullable=False, minimum=1))


def state_log_columns(record: Text, kept: Text) -> tuple[Column, Column]:
    """``updated_at`` and ``updates``, written when a source is a state log (one row per update of a
    record): ``record`` names what a row is (a dispatch, an order line), ``kept`` what the fold keeps."""
    return (Column("updated_at", "datetime",
                   Text(f"State logs: when the {record.en}'s latest state was written (the column "
                        f"options.state_log.updated names).",
                        f"狀態日誌：{record.zh_hant}最新狀態的寫入時間（options.state_log.updated 所指欄位）。"),
                   raw=(), extra=True),
            Column("updates", "integer",
                   Text(f"State logs: the rows (successive states) folded into this {record.en}; {kept.en}.",
                        f"狀態日誌：併入此{record.zh_hant}的列數（先後狀態）；{kept.zh_hant}。"),
                   extra=True, minimum=1))
