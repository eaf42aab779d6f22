"""Raw headers matched to the contract's canonical columns, and the header row found in a file.

Aliases are compared after normalisation (:func:`header_key`): NFKC, case-folded, spaces, underscores,
hyphens and dots removed, Simplified Chinese converted to Traditional. So ``Report Date``,
``report_date``, ``報修時間`` and ``报修时间`` all find ``reported_at``. Only Traditional and
English spellings need listing here; Simplified headers are covered by the conversion.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from pathlib import Path

from pipeline.contract import ALIASES, REQUIRED, TABLE_KEYWORDS
from pipeline.errors import InputError

_STRIP = re.compile(r"[\s_\-.·:：()（）/]+")


@functools.lru_cache(maxsize=4096)
def header_key(header: str) -> str:
    """The form headers are compared in: NFKC, no BOM/zero-width chars, case-folded, Traditional script."""
    from pipeline.runtime.text import clean_invisible, to_traditional

    text = unicodedata.normalize("NFKC", clean_invisible(str(header))).casefold()
    return to_traditional(_STRIP.sub("", text))


@functools.cache
def alias_index(table: str) -> dict[str, str]:
    """Normalised alias -> canonical column, for one table."""
    index: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        for alias in [canonical, *aliases]:
            index.setdefault(header_key(alias), canonical)
    return index


def table_from_filename(name: str) -> str | None:
    """Which table a raw file is, from keywords in its name; None when no keyword or several tables match."""
    lowered = name.casefold()
    hits = [table for table, words in TABLE_KEYWORDS.items() if any(w in lowered for w in words)]
    return hits[0] if len(hits) == 1 else None


HEADER_SCAN_ROWS = 30


def _match_count(cells: list[str], table: str) -> int:
    index = alias_index(table)
    return len({index[k] for k in (header_key(c) for c in cells if c) if k in index})


def declared_headers(declared: dict | None) -> list[str]:
    """The headers a sources.yml entry's ``columns:`` names, once each, in its order."""
    return list(dict.fromkeys(str(h) for h in (declared or {}).values() if str(h).strip()))


def find_header_row(rows: list[list[str]], table: str, *, declared: dict | None = None,
                    path: Path | None = None) -> int:
    """Index of the header row among the first few records.

    With headers declared in sources.yml (``declared``: canonical → header) it is the row that holds
    the most of them (a title block or a row of totals above the header cannot be taken for it; nor can
    a data row whose values look like header aliases, as BPIC 2013's ``Resolved`` does); one that holds
    none of them is an error naming them. Otherwise, or between rows holding as many, the row that
    names the most canonical columns of ``table`` by the built-in aliases.
    """
    wanted = {header_key(h) for h in declared_headers(declared)}
    best, best_score = 0, (-1, -1)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        keys = {header_key(c) for c in row if c}
        score = (len(wanted & keys), _match_count(row, table))
        if score > best_score:
            best, best_score = i, score
    if wanted and best_score[0] == 0:
        names = ", ".join(repr(h) for h in declared_headers(declared))
        first = ", ".join(repr(c) for c in (rows[0] if rows else []) if c) or "nothing"
        raise InputError(f"none of the headers sources.yml declares for this file ({names}) is in its first "
                         f"{min(len(rows), HEADER_SCAN_ROWS)} rows; the first row reads {first}. Write the headers "
                         f"exactly as the file has them under columns:, or set options.header: false and map the "
                         f"columns by position (\"1\", \"2\", …)", file=path)
    return best


def map_columns(headers: list[str], table: str, *, path: Path,
                declared: dict[str, str] | None = None, header_row: int | None = None) -> dict[str, str]:
    """canonical column -> header in the file, from ``sources.yml`` (``declared``) and the aliases.

    Raises one :class:`InputError` naming the file, its header row (``header_row``), the columns it has
    and the unmapped header closest to what is missing when a required column cannot be found, or when
    two headers claim one canonical column. One header may be declared for several canonical columns.
    """
    keys = {header_key(h): h for h in headers if h}
    index = alias_index(table)
    # dedupe_headers renamed a repeated header "X" to "X.1": if X is a column we need, which copy
    # holds it is a guess, so it is an error rather than a silent choice.
    for position, h in enumerate(headers, start=1):
        base, dot, n = h.rpartition(".")
        if dot and n.isdigit() and base in headers and index.get(header_key(base)) is not None:
            first = headers.index(base) + 1
            raise InputError(f"header {base!r} appears twice (columns {first} and {position}) and both look like "
                             f"{index[header_key(base)]!r}; rename one or say which in sources.yml",
                             file=path, column=base)
    mapping: dict[str, str] = {}
    if declared:
        for canonical, header in declared.items():
            if canonical not in ALIASES[table]:
                raise InputError(f"sources.yml maps unknown column {canonical!r} for table {table!r}; "
                                 f"known: {', '.join(ALIASES[table])}", file=path)
            found = keys.get(header_key(str(header)))
            if found is None:
                raise InputError(f"sources.yml says {canonical!r} is column {header!r}, which the file does "
                                 f"not have; it has: {', '.join(h for h in headers if h)}", file=path,
                                 row=header_row, column=str(header))
            mapping[canonical] = found
    claimed = set(mapping.values())
    for key, header in keys.items():
        canonical = index.get(key)
        if canonical is None or header in claimed:
            continue
        if canonical in mapping:
            if declared and canonical in declared:
                continue
            raise InputError(f"headers {mapping[canonical]!r} and {header!r} both look like {canonical!r}; "
                             f"say which one in sources.yml", file=path, column=header)
        mapping[canonical] = header
        claimed.add(header)
    for alternatives in REQUIRED[table]:
        if not any(a in mapping for a in alternatives):
            wanted = " or ".join(repr(a) for a in alternatives)
            close = closest_header(headers, alternatives, table, taken=set(mapping.values()))
            example = close or "<its header in the file>"
            hint = (f"; the file's header closest to it is {close!r}: if that is it, " if close else
                    "; if the file has it under another name, ") + \
                f"write in sources.yml columns: {{{alternatives[0]}: {example}}}"
            raise InputError(f"required column {wanted} of table {table!r} not found; the file has "
                             f"{', '.join(repr(h) for h in headers if h) or 'no headers'}{hint}", file=path,
                             row=header_row)
    return mapping


def closest_header(headers: list[str], alternatives: tuple[str, ...], table: str, *,
                   taken: set[str] = frozenset(), cutoff: float = 0.6) -> str | None:
    """The file's header (not already mapped to another column) most like a missing column's names and
    aliases, or None when none is close: what to suggest, never the missing column's own name."""
    names = [header_key(alias) for a in alternatives for alias in ALIASES[table][a]]
    best, best_ratio = None, cutoff
    for h in headers:
        if not h or h in taken or not header_key(h):
            continue
        ratio = max(difflib.SequenceMatcher(None, header_key(h), n).ratio() for n in names)
        if ratio > best_ratio:
            best, best_ratio = h, ratio
    return best


def dedupe_headers(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        h = h.strip()
        if h in seen:
            seen[h] += 1
            out.append(f"{h}.{seen[h]}")
        else:
            seen[h] = 0
            out.append(h)
    return out
