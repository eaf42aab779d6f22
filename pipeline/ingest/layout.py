"""How a delimited export lays out its records: the field separator (one of , tab ; |, or runs of
whitespace as CDNOW's ``.txt`` has them), its physical records numbered as a person counts rows, and
the columns of a file without a header row (``options.header: false``: "1", "2", …)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.errors import InputError

# A field separator that is not a character: runs of spaces or tabs (CDNOW's .txt, fixed-width-looking
# exports). Sniffed when no , tab ; | explains the file, or declared as ``delimiter: whitespace``.
WHITESPACE = "whitespace"


def _explains(lines: list[str], delimiter: str) -> bool:
    """The delimiter occurs in at least half of the sample's lines."""
    return sum(delimiter in line for line in lines) * 2 >= len(lines) > 0


def _whitespace_explains(lines: list[str]) -> bool:
    """Splitting on runs of spaces gives four lines in five (or more) the same 2+ fields."""
    from collections import Counter

    widths = Counter(len(line.split()) for line in lines)
    if not widths:
        return False
    width, n = widths.most_common(1)[0]
    return width >= 2 and n * 5 >= len(lines) * 4


def sniff_delimiter(text: str) -> str:
    """The field separator: one of , tab ; | (csv.Sniffer), or :data:`WHITESPACE` when none of them
    explains the file and runs of spaces do (CDNOW's ``.txt``)."""
    lines = [line for line in text[:65536].splitlines()[:50] if line.strip()]
    sample = "\n".join(text[:65536].splitlines()[:50])
    try:
        found = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        found = None
    if (found is None or not _explains(lines, found)) and not any(_explains(lines, d) for d in ",\t;|") \
            and _whitespace_explains(lines):
        return WHITESPACE
    if found is not None:
        return found
    return "\t" if sample.count("\t") > sample.count(",") else ","


def split_records(text: str, delimiter: str):
    """Every physical record, numbered from 1 as a person counts rows: by the csv module, or for
    :data:`WHITESPACE` one record a line, split on runs of spaces and tabs (no quoting)."""
    if delimiter == WHITESPACE:
        return enumerate((line.split() for line in io.StringIO(text, newline="")), start=1)
    return enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1)


def joined(delimiter: str, cells: list[str]) -> str:
    """A record's cells joined back as the file wrote them (for a reject's ``raw``)."""
    return (" " if delimiter == WHITESPACE else delimiter).join(cells)


def check_delimiter(delimiter, path: Path) -> str | None:
    """``options.delimiter`` as the readers take it: one character, or ``whitespace``."""
    if delimiter is None:
        return None
    delimiter = str(delimiter)
    if delimiter.strip().casefold() in (WHITESPACE, "\\s+", "spaces"):
        return WHITESPACE
    if delimiter in ("\\t", "tab"):
        return "\t"
    if len(delimiter) != 1:
        raise InputError(f"options.delimiter is {delimiter!r}; write one character (\",\", \";\", \"|\", \"\\t\") "
                         f"or whitespace (columns separated by runs of spaces)", file=path)
    return delimiter


def numbered_headers(records: list[list[str]]) -> list[str]:
    """``options.header: false``: the columns are named by position, "1", "2", … (as many as most records
    have fields)."""
    from collections import Counter

    width = Counter(len(r) for r in records).most_common(1)[0][0] if records else 0
    return [str(i) for i in range(1, width + 1)]
