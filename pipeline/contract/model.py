"""The shapes the contract is declared in: a table, its columns, the sources.yml options.

A :class:`Table` holds everything the program knows about one table, raw and processed: each
:class:`Column` once, with its type, whether it may be missing, its description in the report's
three languages, its accepted values and the headers a raw export may give it under. Cleaning,
the pandera schemas, the header matching, the report's data dictionary and ``docs/contract.md``
are all derived from these declarations (:mod:`pipeline.contract`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a column holds. ``id``: an identifier, non-empty text; ``text``: text as written (or resolved);
# ``code``: one of a vocabulary (``values``) or of the taxonomy's codes; ``datetime``: a timestamp
# (a date is midnight); ``number``: a float; ``integer``: a whole number (missing allowed);
# ``boolean``: true/false (missing allowed unless the column says otherwise); ``list``: a list of codes.
KINDS = ("id", "text", "code", "datetime", "number", "integer", "boolean", "list")


@dataclass(frozen=True)
class Text:
    """A description in the report's languages. ``zh_hans`` only where Simplified usage differs from
    the conversion of ``zh_hant`` (OpenCC ``tw2sp``), as in the message catalogue."""

    en: str
    zh_hant: str
    zh_hans: str | None = None

    def in_language(self, lang: str) -> str:
        if lang == "en":
            return self.en
        if lang == "zh-Hant":
            return self.zh_hant
        if lang == "zh-Hans":
            if self.zh_hans is not None:
                return self.zh_hans
            from pipeline.runtime.text import to_simplified

            return to_simplified(self.zh_hant)
        raise ValueError(f"unknown language {lang!r}")


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``raw``: the header aliases a raw export may name it by (English and Traditional Chinese;
    Simplified headers are matched through conversion), or None when no raw export gives it (it
    is derived). ``processed``: the processed table holds it; ``extra``: only when a source gives
    it. ``nullable``, ``unique``, ``values``, ``length`` and ``minimum`` constrain the processed
    column and are checked before anything is written. ``values_open``: ``values`` is the built-in
    vocabulary, not a closed list: a value outside it is kept as the export writes it (trimmed) or as
    sources.yml maps it, and the check accepts it when it is non-empty trimmed text that is not a
    built-in value in another case (``vip`` for ``VIP`` would be a cleaning bug).
    """

    name: str
    kind: str
    description: Text | None
    raw: tuple[str, ...] | None = None
    raw_description: Text | None = None      # when the raw column means something else than the processed one
    derived_from: tuple[str, ...] = ()       # the raw columns a derived column is made from
    processed: bool = True
    extra: bool = False
    nullable: bool = True
    nonempty: bool = False                  # text that is never "" (an ``id`` always is)
    unique: bool = False
    values: tuple[str, ...] | None = None
    values_open: bool = False
    length: int | None = None
    minimum: float | None = None
    example: str | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name!r}: unknown kind {self.kind!r}")

    @property
    def must_not_be_empty(self) -> bool:
        """Present values are non-empty text: identifiers, and text declared ``nonempty``."""
        return self.kind == "id" or self.nonempty


@dataclass(frozen=True)
class Table:
    """A table of the contract.

    ``required``: the raw columns a file of this table must have; each inner tuple lists
    alternatives of which one suffices (``("customer_name", "customer_id")``). ``keys``: the columns
    that identify a record (de-duplication compares them); ``update_stamp``: the columns whose latest
    value says which of two versions of a record is the later one; ``sort``: the processed table's
    row order; ``later_than``: (later, earlier) column pairs, e.g. a ticket closed after it was
    reported; ``file_keywords``: words in a file name that say it is this table.
    """

    name: str
    description: Text
    columns: tuple[Column, ...]
    required: tuple[tuple[str, ...], ...] = ()
    keys: tuple[str, ...] = ()
    update_stamp: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    later_than: tuple[tuple[str, str], ...] = ()
    file_keywords: tuple[str, ...] = ()
    raw_input: bool = True                  # a raw export can be this table (not so for rejects)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def raw_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.raw is not None)

    @property
    def processed_columns(self) -> tuple[Column, ...]:
        """The columns every processed table holds, in order (not the extras)."""
        return tuple(c for c in self.columns if c.processed and not c.extra)

    @property
    def extra_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.processed and c.extra)


@dataclass(frozen=True)
class Option:
    """One ``options:`` key of a sources.yml entry."""

    name: str
    description: str
    example: str
    default: str | None = None
    tables: tuple[str, ...] = ()            # empty: every table
    choices: tuple[str, ...] = ()           # the values it may take, when they are a closed set


@dataclass(frozen=True)
class Field:
    """One field of a JSON output (``manifest.json``, ``timings.json``) or one column of a report table."""

    name: str
    description: str


@dataclass(frozen=True)
class Document:
    """A JSON file or a report table and what its fields mean."""

    name: str
    description: str
    fields: tuple[Field, ...] = field(default_factory=tuple)
