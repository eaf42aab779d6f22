"""Reading raw exports into all-text tables, counting every physical record.

Every cell is read as text (``007`` stays ``007``, a customer called ``NA`` stays ``NA``); typing is
the cleaner's job. Each record keeps ``source_row``, the row number a person sees in a spreadsheet
(in a CSV the header is row 1), so a reject or an error can point at it. Records that do not fit
the header (too few or too many fields) are returned as physical rejects rather than padded or
dropped, so the row accounting holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import InputError
from pipeline.ingest.headers import HEADER_SCAN_ROWS, dedupe_headers, find_header_row, map_columns

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
RAW_SUFFIXES = CSV_SUFFIXES | EXCEL_SUFFIXES | PARQUET_SUFFIXES
COMPRESSED_SUFFIXES = {".xz", ".gz", ".bz2", ".zip"}
# Exports whose record count is exactly a spreadsheet's row limit (header included) were probably cut off.
TRUNCATION_LIMITS = (65_536, 1_048_576)


def data_suffix(path: Path) -> tuple[str, str | None]:
    """``(suffix of the data, compression)``: ``orders.csv.xz`` → ``(".csv", ".xz")``; a bare ``.zip`` →
    ``(".csv", ".zip")``."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSED_SUFFIXES:
        inner = suffixes[-2] if len(suffixes) > 1 and suffixes[-2] in CSV_SUFFIXES else ".csv"
        return inner, suffixes[-1]
    return (suffixes[-1] if suffixes else ""), None


def read_bytes(path: Path) -> bytes:
    """The bytes of a raw text export, decompressed transparently (.xz, .gz, .bz2, a one-CSV .zip)."""
    _, compression = data_suffix(path)
    try:
        if compression is None:
            return path.read_bytes()
        if compression == ".xz":
            import lzma
            return lzma.decompress(path.read_bytes())
        if compression == ".gz":
            import gzip
            return gzip.decompress(path.read_bytes())
        if compression == ".bz2":
            import bz2
            return bz2.decompress(path.read_bytes())
        import zipfile
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX")]
            if len(members) != 1:
                raise InputError(f"a .zip export must hold exactly one file; it holds {len(members)}", file=path)
            return zf.read(members[0])
    except InputError:
        raise
    except Exception as exc:  # lzma.LZMAError, gzip.BadGzipFile, zipfile.BadZipFile, EOFError …
        raise InputError(f"cannot be decompressed ({compression}): {exc}", file=path) from None

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


def raw_frame(records: list[list[str]], rows: list[int], headers: list[str], mapping: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=headers, dtype="object") if records else pd.DataFrame(
        columns=headers, dtype="object")
    rename = {header: canonical for canonical, header in mapping.items()}
    extras = {h: f"extra:{h}" for h in headers if h not in rename and h}
    frame = frame.rename(columns={**rename, **extras})
    frame = frame.loc[:, [c for c in frame.columns if c]]
    frame.index = pd.Index(rows, name="source_row", dtype="int64")
    return frame


# --- the readers --------------------------------------------------------------------------------

def sniff_delimiter(text: str) -> str:
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return "\t" if sample.count("\t") > sample.count(",") else ","


def read_csv_records(path: Path, *, encoding: str | None = None, delimiter: str | None = None):
    """Every non-blank physical record of a delimited export: ``([(row number, cells)], encoding, delimiter)``."""
    data = read_bytes(path)
    if not data.strip():
        raise InputError("is empty", file=path)
    text, used = decode(data, path=path, encoding=encoding)
    del data
    delim = delimiter or sniff_delimiter(text)
    numbered = [(i, rec) for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim),
                                                 start=1) if "".join(rec).strip()]
    if not numbered:
        raise InputError("holds no records", file=path)
    return numbered, used, delim


def read_csv_text(path: Path, name: str, table: str, *, encoding: str | None = None,
                  declared: dict[str, str] | None = None, delimiter: str | None = None) -> RawTable:
    """Read a delimited text export with Python's csv module, which sees every physical record.

    (pandas pads short rows with NaN and its python engine can drop a malformed-quote line without
    a word, so the record count would not be trustworthy.)
    """
    numbered, used, delim = read_csv_records(path, encoding=encoding, delimiter=delimiter)
    h = find_header_row([rec for _, rec in numbered], table)
    header_rowno, header = numbered[h]
    headers = dedupe_headers(header)
    mapping = map_columns(headers, table, path=path, declared=declared)
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
                            "raw": delim.join(rec)})
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


def formula_warnings(path: Path, sheet, values: list[tuple[int, list[str]]]) -> list[str]:
    """Formula cells with no cached value (openpyxl's ``data_only`` reads them as empty).

    A second, formula-preserving pass over the sheet, only for workbooks small enough for it to be cheap.
    """
    import openpyxl
    from openpyxl.utils import get_column_letter

    if path.stat().st_size > FORMULA_CHECK_MAX_BYTES:
        return []
    cached = dict(values)
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


def read_excel(path: Path, name: str, table: str, *, sheet=None,
               declared: dict[str, str] | None = None) -> RawTable:
    """Read one sheet of an ``.xlsx`` export; the header is found among the first rows by its names."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
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
    warnings = formula_warnings(path, sheet, numbered)
    if numbered:
        warnings += truncation_warnings(numbered[-1][0])
    numbered = [(i, row) for i, row in numbered if any(c.strip() for c in row)]
    if not numbered:
        raise InputError(f"sheet {title!r} is empty", file=path)
    h = find_header_row([row for _, row in numbered[:HEADER_SCAN_ROWS]], table)
    _, header = numbered[h]
    # A merged header cell is read once, at its left end: carry its name over the empty cells it spans.
    width = max(len(r) for _, r in numbered)
    header = header + [""] * (width - len(header))
    last = max((i for i, c in enumerate(header) if c.strip()), default=-1)
    headers = dedupe_headers(header[: last + 1])
    mapping = map_columns(headers, table, path=path, declared=declared)
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


def read_parquet(path: Path, name: str, table: str, *, declared: dict[str, str] | None = None) -> RawTable:
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path)
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
    None when it cannot take the file; ``arrow=False``: not by the Arrow reader (it has declined)."""
    options = options or {}
    check_size(path, options.get("max_file_gib", MAX_FILE_GIB))
    suffix, _compression = data_suffix(path)
    if not slow and (suffix not in CSV_SUFFIXES or options.get("event_log")):
        return None
    if options.get("event_log") and suffix in CSV_SUFFIXES:
        from pipeline.ingest.eventlog import read_event_log
        return read_event_log(path, name, table, options, declared)
    if suffix in CSV_SUFFIXES and arrow:
        from pipeline.ingest.fastcsv import read_csv_arrow
        fast = read_csv_arrow(path, name, table, encoding=options.get("encoding"), declared=declared,
                              delimiter=options.get("delimiter"))
        if fast is not None or not slow:
            return fast
    if suffix in CSV_SUFFIXES:
        return read_csv_text(path, name, table, encoding=options.get("encoding"), declared=declared,
                             delimiter=options.get("delimiter"))
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path, name, table, sheet=options.get("sheet"), declared=declared)
    if suffix in PARQUET_SUFFIXES:
        return read_parquet(path, name, table, declared=declared)
    raise InputError(f"unsupported file type {suffix!r}; use CSV, .xlsx or Parquet", file=path)
