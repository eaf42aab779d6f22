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


def find_header_row(rows: list[list[str]], table: str) -> int:
    """Index of the row among the first few that names the most canonical columns of ``table``."""
    best, best_hits = 0, -1
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = _match_count(row, table)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def map_columns(headers: list[str], table: str, *, path: Path,
                declared: dict[str, str] | None = None) -> dict[str, str]:
    """canonical column -> header in the file, from ``sources.yml`` (``declared``) and the aliases.

    Raises one :class:`InputError` naming the file, the columns it has and the closest alias when
    a required column cannot be found, or when two headers claim one canonical column.
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
                                 f"not have; it has: {', '.join(h for h in headers if h)}", file=path)
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
            aliases = [alias for a in alternatives for alias in ALIASES[table][a]]
            close = difflib.get_close_matches(" ".join(h for h in headers if h), aliases, n=1, cutoff=0)
            for h in headers:
                near = difflib.get_close_matches(str(h), aliases, n=1, cutoff=0.5)
                if near:
                    close = near
                    break
            hint = f"; the closest known header is {close[0]!r}" if close else ""
            raise InputError(f"required column {wanted} of table {table!r} not found; the file has "
                             f"{', '.join(repr(h) for h in headers if h) or 'no headers'}{hint}", file=path)
    return mapping


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
