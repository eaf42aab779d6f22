"""The data contract, declared once: every table the program reads or writes, raw and processed.

Each table's declaration (:mod:`.dispatches`, :mod:`.sales`, :mod:`.customers`, :mod:`.contracts`,
and the outputs in :mod:`.outputs`) holds its columns with their types, constraints, descriptions in
three languages and raw header aliases, and its keys. Everything else derives from it: the header
matching (:mod:`pipeline.ingest.headers`), the row cleaners' column lists and de-duplication keys
(:mod:`pipeline.clean`), the pandera schemas (:mod:`pipeline.clean.validate`), the report's data
dictionary and ``docs/contract.md`` (:mod:`.reference`). The sources.yml options are declared in
:mod:`.options`, the report's contract tables in :mod:`.report_tables`.
"""

from __future__ import annotations

from pipeline.contract.contracts import CONTRACTS
from pipeline.contract.customers import CUSTOMERS
from pipeline.contract.dispatches import DISPATCHES
from pipeline.contract.model import Column, Table, Text
from pipeline.contract.outputs import CUSTOMER_NAMES, REJECTS
from pipeline.contract.sales import SALES
from pipeline.contract.vocabulary import REJECT_REASONS, SERVICE_LEVELS, TABLES, TIERS

# The four tables a raw export can be, in this order everywhere (TABLES says the same).
INPUT_TABLES: dict[str, Table] = {t.name: t for t in (DISPATCHES, SALES, CUSTOMERS, CONTRACTS)}
# Every table cleaning writes: the four and its outputs.
PROCESSED_TABLES: dict[str, Table] = {**INPUT_TABLES, REJECTS.name: REJECTS, CUSTOMER_NAMES.name: CUSTOMER_NAMES}


def table(name: str) -> Table:
    """The declaration of a table (``dispatches``, ``sales``, ``customers``, ``contracts``, ``rejects``,
    ``customer_names``)."""
    try:
        return PROCESSED_TABLES[name]
    except KeyError:
        raise KeyError(f"no table {name!r} in the contract; tables: {', '.join(PROCESSED_TABLES)}") from None


# Derived views, for code that wants plain names.
PROCESSED_COLUMNS: dict[str, list[str]] = {n: [c.name for c in t.processed_columns] for n, t in INPUT_TABLES.items()}
EXTRA_COLUMNS: dict[str, list[str]] = {n: [c.name for c in t.extra_columns] for n, t in INPUT_TABLES.items()}
REJECT_COLUMNS: list[str] = [c.name for c in REJECTS.columns]
# canonical column -> the headers it may have in a raw export, itself first
ALIASES: dict[str, dict[str, list[str]]] = {n: {c.name: [c.name, *c.raw] for c in t.raw_columns}
                                            for n, t in INPUT_TABLES.items()}
REQUIRED: dict[str, list[tuple[str, ...]]] = {n: list(t.required) for n, t in INPUT_TABLES.items()}
TABLE_KEYWORDS: dict[str, tuple[str, ...]] = {n: t.file_keywords for n, t in INPUT_TABLES.items()}
KEYS: dict[str, list[str]] = {n: list(t.keys) for n, t in INPUT_TABLES.items()}
UPDATE_STAMP: dict[str, list[str]] = {n: list(t.update_stamp) for n, t in INPUT_TABLES.items() if t.update_stamp}
SORT_ORDER: dict[str, list[str]] = {n: list(t.sort) for n, t in INPUT_TABLES.items() if t.sort}
# Columns holding lists (of codes, parts, names): hashed and reloaded as lists, not as text.
LIST_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(c.name for t in INPUT_TABLES.values() for c in t.columns
                                                    if c.kind == "list"))

__all__ = [
    "ALIASES", "CONTRACTS", "CUSTOMERS", "CUSTOMER_NAMES", "Column", "DISPATCHES", "EXTRA_COLUMNS", "INPUT_TABLES",
    "KEYS", "LIST_COLUMNS", "PROCESSED_COLUMNS", "PROCESSED_TABLES", "REJECTS", "REJECT_COLUMNS", "REJECT_REASONS",
    "REQUIRED", "SALES", "SERVICE_LEVELS", "SORT_ORDER", "TABLES", "TABLE_KEYWORDS", "TIERS", "Table", "Text",
    "UPDATE_STAMP", "table",
]
