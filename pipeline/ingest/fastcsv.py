"""The Arrow reader for well-formed delimited exports: the same :class:`RawTable` as
:func:`pipeline.read.read_csv_text`, about ten times sooner, with far less memory.

Python's ``csv`` module sees every physical record, which is what the row accounting needs, but it
makes a Python string of every cell (1M lines × 14 columns: 14M objects, 5 s and over a gigabyte).
pyarrow parses in C++ and the cells stay in Arrow buffers until each column is dictionary-encoded
into a pandas ``Categorical`` (codes + the distinct values), which is what the cleaners work on
anyway: they parse each distinct value once.

It is used only where it provably gives what the ``csv`` module would, and returns None otherwise
(the caller then reads the slow way):

- bytes in another encoding than UTF-8 (declared, marked UTF-16, or detected GB18030/Big5) are
  decoded by :func:`pipeline.read.decode`, exactly as the slow path decodes them, and re-encoded;
- the header is the first record and on the first line;
- every record is one line (the number of line breaks equals the records Arrow found), so a
  record's line number is its row number as the ``csv`` module numbers it; or, when quoted line
  breaks make records longer, there is no blank line and no broken record, so rows are numbered
  2, 3, … as the ``csv`` module numbers them; a lone ``\r`` always goes to the slow path;
- the records that do not fit the header, which Arrow reports one by one, are parsed again by the
  ``csv`` module and judged by the same rule as the slow path (trailing empty cells kept, anything
  else a ``malformed_row`` reject); a blank-looking one sends the file to the slow path.
"""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.ingest.archive import read_bytes
from pipeline.ingest.headers import HEADER_SCAN_ROWS, dedupe_headers, find_header_row, map_columns
from pipeline.ingest.layout import WHITESPACE, sniff_delimiter
from pipeline.ingest.read import RawTable, canonical_names, decode, truncation_warnings
from pipeline.runtime.frames import categorical_from_codes

SNIFF_BYTES = 1 << 18        # the slow path sniffs the first 65,536 characters: at most this many bytes
BLOCK_BYTES = 1 << 24        # Arrow parses (and encodes) a file in blocks of this size, in parallel


def _header(prefix: bytes, table: str, delimiter: str | None, *, whole: int, declared=None, path=None):
    """``(delimiter, header cells)`` from the file's first bytes (``whole``: the file's length);
    None when the header is not the first line (a title row above it, a blank first line, a header
    cell with a line break) or the columns are separated by runs of spaces; ``_NOT_UTF8`` when the
    start of the file is not UTF-8."""
    try:
        text = prefix.decode("utf-8")
    except UnicodeDecodeError as e:
        # only a character cut in two by the prefix's end is allowed; anything else is not UTF-8
        if len(prefix) < whole and e.start >= len(prefix) - 3 and e.reason == "unexpected end of data":
            text = prefix[:e.start].decode("utf-8")
        else:
            return _NOT_UTF8
    delim = delimiter or sniff_delimiter(text)
    if delim == WHITESPACE:
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    first = next(reader, None)
    if first is None or not "".join(first).strip() or any("\n" in c or "\r" in c for c in first):
        return None
    # the header row the slow path would choose among the first non-blank records must be this one
    rest = list(itertools.islice((r for r in reader if "".join(r).strip()), HEADER_SCAN_ROWS - 1))
    if find_header_row([first, *rest], table, declared=declared, path=path) != 0:
        return None
    return delim, first


def _arrow_to_categorical(column) -> pd.Categorical:
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = column if pa.types.is_dictionary(column.type) else column.dictionary_encode()
    # an Arrow dictionary holds each value once, and no missing value is read (strings_can_be_null off)
    return categorical_from_codes(encoded.indices.to_numpy(zero_copy_only=False),
                                  encoded.dictionary.to_numpy(zero_copy_only=False))


def read_csv_arrow(path: Path, name: str, table: str, *, encoding: str | None = None,
                   declared: dict[str, str] | None = None, delimiter: str | None = None,
                   member: str | None = None) -> RawTable | None:
    """The file as :func:`pipeline.read.read_csv_text` reads it, or None when this reader cannot vouch
    for giving the same (see the module's docstring)."""
    if delimiter == WHITESPACE:
        return None
    data = read_bytes(path, member)
    if not encoding and not data.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in data[:4096]:
        bom = data.startswith(b"\xef\xbb\xbf")      # Arrow skips the mark itself: no copy of the bytes
        raw = _read_utf8(data, path, name, table, declared, delimiter, "utf-8-sig" if bom else "utf-8",
                         skip=3 if bom else 0)
        if raw is not _NOT_UTF8:
            return raw
    # Another encoding (declared, a UTF-16 mark, or bytes that are not UTF-8): decoded exactly as the
    # csv-module path decodes it (same detection, same errors), then handed to Arrow as UTF-8.
    text, used = decode(data, path=path, encoding=encoding)
    del data
    if used.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig") or text.startswith("\ufeff"):
        return None
    data = text.encode("utf-8")
    del text
    raw = _read_utf8(data, path, name, table, declared, delimiter, used)
    return None if raw is _NOT_UTF8 else raw


_NOT_UTF8 = object()


def line_breaks(data: bytes, chunk: int = 1 << 24) -> tuple[int, bool]:
    """``(number of \\n, whether some \\r is not followed by \\n)``, counted by numpy a slice at a
    time: twice as fast as ``bytes.count``, and without holding the GIL, so a file read ahead on a
    thread does not stall the cleaning of the one before it."""
    if not data:
        return 0, False
    arr = np.frombuffer(data, dtype=np.uint8)
    line_feeds = 0
    has_cr = b"\r" in data                    # a quick scan; most exports have no \r, or \r\n only
    lone_cr = False
    for start in range(0, len(arr), chunk):
        part = arr[start:start + chunk]
        line_feeds += int(np.count_nonzero(part == 10))
        if has_cr and not lone_cr:
            after = np.flatnonzero(part == 13) + (start + 1)      # where each \r's next byte is
            if len(after):
                lone_cr = bool(after[-1] >= len(arr)) or bool((arr[after] != 10).any())   # last byte, or no \n
    return line_feeds, lone_cr


def _read_utf8(data: bytes, path: Path, name: str, table: str, declared, delimiter, used: str, skip: int = 0):
    """UTF-8 bytes (after ``skip`` bytes of byte-order mark) → RawTable, None, or ``_NOT_UTF8``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    found = _header(data[skip:skip + SNIFF_BYTES], table, delimiter, whole=len(data) - skip, declared=declared,
                    path=path)
    if found is _NOT_UTF8 or found is None:
        return found
    delim, header = found
    headers = dedupe_headers(header)
    width = len(headers)
    mapping = map_columns(headers, table, path=path, declared=declared, header_row=1)
    names = [f"c{i}" for i in range(width)]
    invalid = []

    def collect(row):
        invalid.append((row.number, row.text))
        return "skip"

    def parse(threads: bool, multiline: bool = False):
        invalid.clear()
        return pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(use_threads=threads, skip_rows=1, column_names=names,
                                           block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=collect,
                                             newlines_in_values=multiline),
            # dictionary-encoded as it parses, on Arrow's threads (encoding afterwards took one core
            # as long as the parse itself)
            convert_options=pacsv.ConvertOptions(column_types={n: pa.dictionary(pa.int32(), pa.string())
                                                               for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    line_feeds, lone_cr = line_breaks(data)
    if lone_cr:
        return None           # a lone \r, which the csv module takes as a line break of its own
    try:
        arrow = parse(True)
        if invalid:           # Arrow numbers the lines it rejects only when it reads in one thread
            arrow = parse(False)
        lines = line_feeds + (0 if data.endswith(b"\n") else 1)
        multiline = lines != 1 + arrow.num_rows + len(invalid)
        if multiline:
            # Quoted line breaks make records longer than a line. Arrow can follow them, and with
            # no blank line anywhere and no broken record the csv module's record numbers are
            # simply 2, 3, …; anything else is left to the slow path.
            if invalid or b"\n\n" in data or b"\n\r\n" in data:
                return None
            arrow = parse(True, multiline=True)
            if invalid:
                return None
            lines = arrow.num_rows + 1
    except pa.ArrowInvalid as e:   # a quote Arrow cannot close, or bytes that are not UTF-8
        return _NOT_UTF8 if "UTF8" in str(e) or "UTF-8" in str(e) else None
    if any(n is None for n, _ in invalid):
        return None
    bad_rows = {}
    patched = []              # (row, cells): longer records whose extra cells are empty (as Excel writes)
    for number, text in invalid:
        rec = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
        if not "".join(rec).strip():
            return None       # a blank-looking record: the csv module skips it; keep its numbering exact
        if len(rec) > width and not any(c.strip() for c in rec[width:]):
            patched.append((number, rec[:width]))
        else:
            bad_rows[number] = {"source_row": number, "reason_code": "malformed_row",
                                "reason": f"{len(rec)} fields where the header has {width}",
                                "raw": delim.join(rec)}
    data = None
    skip = np.zeros(lines + 1, dtype=bool)
    if any(not 2 <= n <= lines for n, _ in invalid):
        return None
    skip[[n for n, _ in invalid]] = True
    rows = np.flatnonzero(~skip[2:]) + 2           # line numbers of the records Arrow kept
    if len(rows) != arrow.num_rows:
        return None
    # each block was encoded on its own: one dictionary per column, in order of first appearance
    arrow = arrow.unify_dictionaries().combine_chunks()
    blank = np.ones(arrow.num_rows, dtype=bool)
    for column in arrow.columns:
        column = column.combine_chunks()
        empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(column.dictionary)), 0).to_numpy(
            zero_copy_only=False)
        blank &= empty[column.indices.to_numpy(zero_copy_only=False)]
        if not blank.any():   # usually settled by the first column (an id)
            break
    if blank.any() or patched:
        # rare: rows leave or join, so each column is encoded again from its text (no value left in a
        # dictionary that no row holds any more)
        arrow = pa.table({n: arrow.column(n).cast(pa.string()) for n in names})
    if blank.any():                                 # a record of empty cells (",,,"): not a record
        arrow = arrow.filter(pa.array(~blank))
        rows = rows[~blank]
    if patched:
        extra = pa.table({n: pa.array([cells[i] for _, cells in patched], type=pa.string())
                          for i, n in enumerate(names)})
        arrow = pa.concat_tables([arrow, extra])
        rows = np.concatenate([rows, np.array([n for n, _ in patched], dtype=np.int64)])
        order = np.argsort(rows, kind="stable")
        arrow = arrow.take(pa.array(order))
        rows = rows[order]
    columns = {}
    for position, column in canonical_names(headers, mapping):   # a header may feed two canonical columns
        columns[column] = _arrow_to_categorical(arrow.column(names[position]))
    frame = pd.DataFrame(columns, index=pd.Index(rows.astype(np.int64), name="source_row"))
    if not len(frame) and not bad_rows:
        return None
    last_row = max(int(rows[-1]) if len(rows) else 0, max(bad_rows, default=0))
    return RawTable(path=path, name=name, table=table, frame=frame, rows_read=len(frame) + len(bad_rows),
                    physical_rejects=[bad_rows[n] for n in sorted(bad_rows)], header_map=mapping,
                    encoding=used, warnings=truncation_warnings(last_row))
