"""Reading raw exports into all-text tables, counting every physical record.

Every cell is read as text (``007`` stays ``007``, a customer called ``NA`` stays ``NA``); typing is
the cleaner's job. Each record keeps ``source_row``, the row number a person sees in a spreadsheet
(in a CSV the header is row 1), so a reject or an error can point at it. Records that do not fit
the header (too few or too many fields) are returned as physical rejects rather than padded or
dropped, so the row accounting holds.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.archive import COMPRESSED_SUFFIXES as COMPRESSED_SUFFIXES
from pipeline.ingest.archive import CSV_SUFFIXES, EXCEL_SUFFIXES, PARQUET_SUFFIXES, data_suffix, read_bytes
from pipeline.ingest.archive import RAW_SUFFIXES as RAW_SUFFIXES
from pipeline.ingest.headers import HEADER_SCAN_ROWS, dedupe_headers, find_header_row, map_columns
from pipeline.ingest.layout import WHITESPACE, check_delimiter, joined, numbered_headers, split_records
from pipeline.ingest.layout import sniff_delimiter as sniff_delimiter

# Exports whose record count is exactly a spreadsheet's row limit (header included) were probably cut off.
TRUNCATION_LIMITS = (65_536, 1_048_576)


EXCEL_EPOCHS = {1900: pd.Timestamp("1899-12-30"), 1904: pd.Timestamp("1904-01-01")}


@dataclass
class RawTable:
    """One raw file read as text and mapped onto canonical column names."""

    path: Path
    name: str                         # path relative to the raw folder, as reports show it
    table: str
    frame: pd.DataFrame               # canonical columns (str) + extra columns, index = source_row
    rows_read: int                    # physical data records, rejects included
    physical_rejects: list[dict] = field(default_factory=list)
    header_map: dict[str, str] = field(default_factory=dict)   # canonical -> header in the file
    encoding: str | None = None
    excel_epoch: pd.Timestamp | None = None
    warnings: list[dict] = field(default_factory=list)   # {"code", "message", …}: truncation, formulas
    events_read: int | None = None    # event-log exports: events folded into the rows
    iso_dates: bool = False           # the dates are already read (ISO text, naive): options.date_format is done


# --- encodings ---------------------------------------------------------------------------------

def _plausible(text: str) -> bool:
    """Decoded text that is mostly printable and has no replacement characters."""
    if "\ufffd" in text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or 0xE000 <= ord(ch) <= 0xF8FF)
    return bad <= max(2, len(sample) // 1000)


def decode(data: bytes, *, path: Path, encoding: str | None = None) -> tuple[str, str]:
    """Decode raw bytes; returns ``(text, encoding)``.

    Order: a declared ``encoding``; a byte-order mark (UTF-8, UTF-16); strict UTF-8; otherwise
    charset-normalizer restricted to the encodings Chinese exports use, its answer checked by a
    strict decode and a plausibility test. Never falls back to latin-1 or ``errors='replace'``,
    which would turn GBK into mojibake without a word.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise InputError(f"cannot be read as the declared encoding {encoding!r}: {exc}", file=path) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"has a UTF-16 byte-order mark but is not valid UTF-16: {exc}", file=path) from None
    if b"\x00" in data[:4096]:
        raise InputError("is a binary file, not a text export (NUL bytes); is it really a CSV?", file=path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    candidates = ["gb18030", "big5", "cp1252"]
    best = from_bytes(data[: 1 << 20], cp_isolation=candidates).best()
    order = ([best.encoding] if best is not None else []) + candidates
    for enc in dict.fromkeys(order):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _plausible(text):
            return text, enc
    raise InputError("cannot determine the text encoding (tried UTF-8, GB18030, Big5, cp1252); "
                     "set options.encoding for this file in sources.yml", file=path)


def canonical_names(headers: list[str], mapping: dict[str, str]) -> list[tuple[int, str]]:
    """``(position of the header, column name in the raw frame)`` for every column the raw frame holds:
    each canonical column from its header (one header may feed several, e.g. CDNOW's id as both
    customer_id and order_id), then every unmapped non-empty header as ``extra:<header>``."""
    position = {h: i for i, h in enumerate(headers)}
    out = [(position[header], canonical) for canonical, header in mapping.items() if header in position]
    mapped = set(mapping.values())
    out += [(i, f"extra:{h}") for i, h in enumerate(headers) if h and h not in mapped]
    return sorted(out, key=lambda pair: pair[0])


def raw_frame(records: list[list[str]], rows: list[int], headers: list[str], mapping: dict[str, str]) -> pd.DataFrame:
    columns = canonical_names(headers, mapping)
    first: dict[int, str] = {}
    for position, column in columns:
        first.setdefault(position, column)
    names = [first.get(i, "") for i in range(len(headers))]
    frame = pd.DataFrame(records, columns=names, dtype="object") if records else pd.DataFrame(
        columns=names, dtype="object")
    frame = frame.loc[:, [c for c in frame.columns if c]]
    for position, column in columns:          # a header that feeds a second canonical column: a copy
        if first[position] != column:
            frame[column] = frame[first[position]]
    if len(frame.columns) and list(frame.columns) != [c for _, c in columns]:
        frame = frame[[c for _, c in columns]]
    frame.index = pd.Index(rows, name="source_row", dtype="int64")
    return frame


# --- the readers --------------------------------------------------------------------------------

def read_csv_records(path: Path, *, encoding: str | None = None, delimiter: str | None = None,
                     member: str | None = None):
    """Every non-blank physical record of a delimited export: ``([(row number, cells)], encoding, delimiter)``."""
    delimiter = check_delimiter(delimiter, path)
    data = read_bytes(path, member)
    if not data.strip():
        raise InputError("is empty", file=path)
    text, used = decode(data, path=path, encoding=encoding)
    del data
    delim = delimiter or sniff_delimiter(text)
    numbered = [(i, rec) for i, rec in split_records(text, delim) if "".join(rec).strip()]
    if not numbered:
        raise InputError("holds no records", file=path)
    return numbered, used, delim


def read_csv_text(path: Path, name: str, table: str, *, encoding: str | None = None,
                  declared: dict[str, str] | None = None, delimiter: str | None = None, header: bool = True,
                  member: str | None = None) -> RawTable:
    """Read a delimited text export with Python's csv module, which sees every physical record.

    (pandas pads short rows with NaN and its python engine can drop a malformed-quote line without
    a word, so the record count would not be trustworthy.) ``header=False``: no header row; the columns
    are "1", "2", … and every record is data.
    """
    numbered, used, delim = read_csv_records(path, encoding=encoding, delimiter=delimiter, member=member)
    if header:
        h = find_header_row([rec for _, rec in numbered], table, declared=declared, path=path)
        header_rowno, header_cells = numbered[h]
        headers = dedupe_headers(header_cells)
    else:
        h, header_rowno = -1, None
        headers = numbered_headers([rec for _, rec in numbered[:1000]])
    mapping = map_columns(headers, table, path=path, declared=declared, header_row=header_rowno)
    records, rows, rejects = [], [], []
    width = len(headers)
    for rowno, rec in numbered[h + 1:]:
        if len(rec) == width:
            records.append(rec)
            rows.append(rowno)
        elif len(rec) > width and not any(c.strip() for c in rec[width:]):
            records.append(rec[:width])       # trailing empty cells, as Excel writes them
            rows.append(rowno)
        else:
            rejects.append({"source_row": rowno, "reason_code": "malformed_row",
                            "reason": f"{len(rec)} fields where the header has {width}",
                            "raw": joined(delim, rec)})
    frame = raw_frame(records, rows, headers, mapping)
    if not len(frame) and not rejects:
        raise InputError("has a header but no data rows", file=path)
    return RawTable(path=path, name=name, table=table, frame=frame, rows_read=len(records) + len(rejects),
                    physical_rejects=rejects, header_map=mapping, encoding=used,
                    warnings=truncation_warnings(numbered[-1][0]))


def _excel_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def truncation_warnings(last_row: int) -> list[str]:
    """A file that ends exactly at a spreadsheet row limit was probably cut off by the export."""
    if last_row in TRUNCATION_LIMITS:
        return [{"code": "truncated", "rows": last_row,
                 "message": f"ends at row {last_row:,}, exactly a spreadsheet's row limit: the export was "
                            f"probably truncated"}]
    return []


FORMULA_CHECK_MAX_BYTES = 20 << 20


def formula_warnings(path, sheet, values: list[tuple[int, list[str]]]) -> list[str]:
    """Formula cells with no cached value (openpyxl's ``data_only`` reads them as empty).

    A second, formula-preserving pass over the sheet, only for workbooks small enough for it to be cheap.
    ``path``: the workbook's path, or its bytes as a file object (a workbook inside a .zip).
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    size = path.getbuffer().nbytes if isinstance(path, io.BytesIO) else path.stat().st_size
    if size > FORMULA_CHECK_MAX_BYTES:
        return []
    cached = dict(values)
    if isinstance(path, io.BytesIO):
        path.seek(0)
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = wb.worksheets[sheet or 0] if not isinstance(sheet, str) else wb[sheet]
        missing = []
        for i, row in enumerate(ws.iter_rows(values_only=True), 1):
            for j, v in enumerate(row):
                if isinstance(v, str) and v.startswith("="):
                    got = cached.get(i, [])
                    if j >= len(got) or not got[j].strip():
                        missing.append(f"{get_column_letter(j + 1)}{i}")
    finally:
        wb.close()
    if not missing:
        return []
    shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
    return [{"code": "formula_without_value", "cells": len(missing), "examples": shown,
             "message": f"{len(missing)} formula cell(s) without a cached value (read as empty; open and save "
                        f"the workbook in Excel to compute them): {shown}"}]


def _binary(path: Path, member: str | None):
    """What openpyxl and pyarrow open: the path, or the bytes of the data file inside a .zip."""
    return io.BytesIO(read_bytes(path, member)) if data_suffix(path, member)[1] == ".zip" else path


def read_excel(path: Path, name: str, table: str, *, sheet=None, declared: dict[str, str] | None = None,
               header: bool = True, member: str | None = None) -> RawTable:
    """Read one sheet of an ``.xlsx`` export; the header is found among the first rows by its names
    (``header=False``: no header row, the columns are "1", "2", …)."""
    import openpyxl

    book = _binary(path, member)
    try:
        wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt or non-xlsx file
        raise InputError(f"cannot be opened as an Excel workbook: {exc}", file=path) from None
    try:
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        else:
            ws = wb[sheet]
        epoch = EXCEL_EPOCHS[1904] if wb.epoch.year == 1904 else EXCEL_EPOCHS[1900]
        numbered = [(i, [_excel_cell(v) for v in row]) for i, row in enumerate(ws.iter_rows(values_only=True), 1)]
        title = ws.title
    finally:
        wb.close()
    warnings = formula_warnings(book, sheet, numbered)
    if numbered:
        warnings += truncation_warnings(numbered[-1][0])
    numbered = [(i, row) for i, row in numbered if any(c.strip() for c in row)]
    if not numbered:
        raise InputError(f"sheet {title!r} is empty", file=path)
    width = max(len(r) for _, r in numbered)
    if header:
        h = find_header_row([row for _, row in numbered[:HEADER_SCAN_ROWS]], table, declared=declared, path=path)
        header_rowno, cells = numbered[h]
        cells = cells + [""] * (width - len(cells))
        last = max((i for i, c in enumerate(cells) if c.strip()), default=-1)
        headers = dedupe_headers(cells[: last + 1])
    else:
        h, header_rowno = -1, None
        last = max((i for _, r in numbered for i, c in enumerate(r) if c.strip()), default=-1)
        headers = [str(i) for i in range(1, last + 2)]
    mapping = map_columns(headers, table, path=path, declared=declared, header_row=header_rowno)
    records, rows = [], []
    for rowno, row in numbered[h + 1:]:
        row = (row + [""] * len(headers))[: len(headers)]
        records.append(row)
        rows.append(rowno)
    frame = raw_frame(records, rows, headers, mapping)
    if not len(frame):
        raise InputError(f"sheet {title!r} has a header but no data rows", file=path)
    return RawTable(path=path, name=name, table=table, frame=frame, rows_read=len(records),
                    header_map=mapping, excel_epoch=epoch, warnings=warnings)


def read_parquet(path: Path, name: str, table: str, *, declared: dict[str, str] | None = None,
                 member: str | None = None) -> RawTable:
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(_binary(path, member))
    except Exception as exc:
        raise InputError(f"cannot be read as Parquet: {exc}", file=path) from None
    raw = arrow.to_pandas()
    headers = [str(c) for c in raw.columns]
    mapping = map_columns(headers, table, path=path, declared=declared)
    text = raw.apply(lambda col: col.map(_excel_cell)) if len(raw) else raw.astype("object")
    text.columns = headers
    frame = raw_frame(text.values.tolist(), list(range(1, len(raw) + 1)), headers, mapping)
    if not len(frame):
        raise InputError("has no data rows", file=path)
    return RawTable(path=path, name=name, table=table, frame=frame, rows_read=len(frame), header_map=mapping)


# A file is read whole (every record counted, every cell kept as text): far more memory than its
# size on disk. Above this, one clear message beats a machine that runs out of memory.
MAX_FILE_GIB = 1.0


def check_size(path: Path, limit_gib: float) -> None:
    size = path.stat().st_size
    if size > limit_gib * 1024 ** 3:
        raise InputError(f"is {size / 1024 ** 3:.1f} GiB; files above {limit_gib:g} GiB are not read whole into "
                         f"memory: split the export (e.g. one file per month) or raise options.max_file_gib in "
                         f"sources.yml on a machine with the memory for it", file=path)


def read_raw(path: Path, name: str, table: str, options: dict | None = None,
             declared: dict[str, str] | None = None, *, slow: bool = True, arrow: bool = True) -> RawTable | None:
    """Read any supported raw file as text, by its suffix. ``slow=False``: only by the Arrow reader,
    None when it cannot take the file; ``arrow=False``: not by the Arrow reader (it has declined).
    A sales file without an order id gets one derived from its customer and day
    (:func:`with_derived_order_id`)."""
    options = options or {}
    raw = _read_raw(path, name, table, options, declared, slow=slow, arrow=arrow)
    from pipeline.ingest.derived import with_customer_note, with_derived_order_id

    if raw is not None and table == "sales" and "order_id" not in raw.frame:
        raw = with_derived_order_id(raw, options)
    if raw is not None and table == "dispatches":
        raw = with_customer_note(raw)
    return raw


def _read_raw(path, name, table, options, declared, *, slow, arrow):
    check_size(path, options.get("max_file_gib", MAX_FILE_GIB))
    member = options.get("zip_member")
    suffix, _compression = data_suffix(path, member)
    header = options.get("header", True) is not False
    delimiter = check_delimiter(options.get("delimiter"), path)
    fast_ok = header and delimiter != WHITESPACE
    if not slow and (suffix not in CSV_SUFFIXES or options.get("event_log") or not fast_ok):
        return None
    if options.get("event_log") and suffix in CSV_SUFFIXES:
        from pipeline.ingest.eventlog import read_event_log
        return read_event_log(path, name, table, options, declared)
    if suffix in CSV_SUFFIXES and arrow and fast_ok:
        from pipeline.ingest.fastcsv import read_csv_arrow
        fast = read_csv_arrow(path, name, table, encoding=options.get("encoding"), declared=declared,
                              delimiter=delimiter, member=member)
        if fast is not None or not slow:
            return fast
    if suffix in CSV_SUFFIXES:
        return read_csv_text(path, name, table, encoding=options.get("encoding"), declared=declared,
                             delimiter=delimiter, header=header, member=member)
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, name, table, sheet=options.get("sheet"), declared=declared, header=header,
                          member=member)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path, name, table, declared=declared, member=member)
    raise InputError(f"unsupported file type {suffix!r}; use CSV, .xlsx or Parquet", file=path)
