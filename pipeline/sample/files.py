"""Writers of the raw exports: CSV in a given encoding and a reproducible ``.xlsx``."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str) -> None:
    """A CSV with CRLF line ends, encoded as ``encoding`` (``utf-8-sig`` writes the BOM)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(row)
    path.write_bytes(buf.getvalue().encode(encoding))


_FIXED_STAMP = datetime(2010, 1, 1, 0, 0, 0)


def write_xlsx(path: Path, title: str, header: list[str], rows: list[list]) -> None:
    """A one-sheet workbook ("Sales"): ``title`` in A1, ``header`` in row 3, ``rows`` from row 4; datetimes
    in the ``Order Date`` column shown as dates. Creation dates and zip entry dates are fixed, so the
    same rows give the same bytes."""
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True)
    for j, h in enumerate(header, start=1):
        ws.cell(row=3, column=j, value=h).font = Font(bold=True)
    date_col = header.index("Order Date") + 1
    for i, row in enumerate(rows, start=4):
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=i, column=j, value=v)
            if j == date_col and isinstance(v, datetime):
                cell.number_format = "yyyy-mm-dd"
    widths = {"A": 16, "C": 12, "E": 28, "F": 15, "G": 28}
    for col, wdt in widths.items():
        ws.column_dimensions[col].width = wdt
    wb.properties.created = _FIXED_STAMP
    wb.properties.modified = _FIXED_STAMP
    wb.properties.creator = "aftercare sample-data"
    raw = io.BytesIO()
    wb.save(raw)
    stamp = _FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zin, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text)
                text = re.sub(r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            zout.writestr(zi, data)
    path.write_bytes(out.getvalue())
