"""What the data in hand covers, and which of a report section's needs it does not meet.

Pure functions of the processed tables and the period: the report checks a section's needs
(:mod:`pipeline.contract.sections`) before computing it, and chapter 1 lists the results for every
section. An unmet need is returned as :class:`Unmet`, data the report turns into one sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analyses.period import Period
from pipeline.contract import INPUT_TABLES
from pipeline.contract.sections import CHAPTERS, SECTIONS, Need

# The date that places a row of each table in time.
DATE_COLUMNS = {"dispatches": "reported_at", "sales": "order_date", "contracts": "start_date"}
UNMAPPED = "UNMAPPED"


@dataclass(frozen=True)
class Unmet:
    """A need the data does not meet: what was needed, and what the data has instead (``have``;
    ``first``/``last``: the dates the table covers, when it has any)."""

    need: Need
    have: int
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None


def _rows_in(frame: pd.DataFrame, table: str, when: str, period: Period) -> pd.DataFrame:
    column = DATE_COLUMNS.get(table)
    if column is None or when == "any" or not len(frame):
        return frame
    dates = frame[column]
    if when == "period":
        return frame[period.contains(dates)]
    if when == "previous":
        return frame[period.previous().contains(dates)]
    return frame[dates < period.end_exclusive]          # history: before the period's end


def rows_in(frame: pd.DataFrame, table: str, when: str, period: Period) -> pd.DataFrame:
    """The rows of ``table`` in the span ``when`` (``period``, ``previous``, ``history``, ``any``)."""
    return _rows_in(frame, table, when, period)


def _values(frame: pd.DataFrame, column: str) -> int:
    """Rows whose ``column`` holds a usable value: not missing, not empty, not ``UNMAPPED`` (a list
    column: at least one mapped code)."""
    if column not in frame or not len(frame):
        return 0
    s = frame[column]
    if s.dtype == object and len(s) and s.map(lambda v: isinstance(v, (list, np.ndarray))).any():
        return int(s.map(lambda v: any(c != UNMAPPED for c in v) if isinstance(v, (list, np.ndarray)) else False).sum())
    present = s.notna()
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        present &= s.astype("string").fillna("").ne("") & s.astype("string").fillna("").ne(UNMAPPED)
    return int(present.sum())


def _largest_group(frame: pd.DataFrame, column: str) -> int:
    """The number of rows holding the most frequent usable value of ``column``."""
    if column not in frame or not len(frame):
        return 0
    s = frame[column].astype("string")
    counts = s[s.notna() & s.ne("") & s.ne(UNMAPPED)].value_counts()
    return int(counts.iloc[0]) if len(counts) else 0


def table_span(data: dict[str, pd.DataFrame], table: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last date of a table's rows (None, None when it has none)."""
    frame = data.get(table)
    column = DATE_COLUMNS.get(table)
    if frame is None or column is None or column not in frame or not frame[column].notna().any():
        return None, None
    return frame[column].min().normalize(), frame[column].max().normalize()


def _targeted(frame: pd.DataFrame, kind: str, sla_targets) -> int:
    """Rows whose service level has a ``kind`` target."""
    from pipeline.analyses.service.sla import DEFAULT_TARGETS, split_targets

    if "service_level" not in frame or not len(frame):
        return 0
    response, resolution = split_targets(sla_targets if sla_targets is not None else DEFAULT_TARGETS)
    have = response if kind == "response" else resolution
    return int(frame["service_level"].astype("string").isin(list(have)).fillna(False).sum())


def outside_vocabulary(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per table and vocabulary column (service levels, tiers): each value outside the built-in
    vocabulary and its rows, most first. Such values are kept as written (or as sources.yml maps
    them); chapter 1 lists them."""
    rows = []
    for name, table in INPUT_TABLES.items():
        frame = data.get(name)
        if frame is None or not len(frame):
            continue
        for c in table.processed_columns:
            if c.values is None or not c.values_open or c.name not in frame:
                continue
            s = frame[c.name].astype("string")
            counts = s[s.notna() & ~s.isin(list(c.values))].value_counts()
            rows += [{"table": name, "column": c.name, "value": str(v), "rows": int(n)} for v, n in counts.items()]
    out = pd.DataFrame(rows, columns=["table", "column", "value", "rows"])
    order = {t: i for i, t in enumerate(INPUT_TABLES)}
    return out.sort_values(["table", "column", "rows", "value"], ascending=[True, True, False, True],
                           key=lambda s: s.map(order) if s.name == "table" else s).reset_index(drop=True)


def unmet(need: Need, data: dict[str, pd.DataFrame], period: Period, sla_targets=None) -> Unmet | None:
    """``need`` checked against the data: None when it is met. ``sla_targets``: the SLA targets in force
    (nested, :func:`pipeline.analyses.service.sla.level_targets`), for a ``targets`` need; None: the
    built-in ones."""
    frame = data.get(need.table)
    frame = frame if frame is not None else pd.DataFrame()
    first, last = table_span(data, need.table)
    if need.kind == "rows":
        have = len(_rows_in(frame, need.table, need.when, period))
    elif need.kind == "values":
        have = _values(_rows_in(frame, need.table, need.when, period), need.column)
    elif need.kind == "largest_group":
        have = _largest_group(_rows_in(frame, need.table, need.when, period), need.column)
    elif need.kind == "customers":
        buying = _rows_in(frame, "sales", need.when, period)
        if "is_return" in buying:
            buying = buying[~buying["is_return"].astype(bool)]
        have = int(buying["customer_id"].nunique()) if "customer_id" in buying else 0
    elif need.kind == "decided_contracts":
        decided = frame[(frame["end_date"] < period.end_exclusive) & frame["renewed"].notna()] if len(frame) else frame
        have = len(decided)
    elif need.kind == "from_file":
        have = int((frame["source_file"] == need.column).sum()) if "source_file" in frame else 0
    elif need.kind == "targets":
        have = _targeted(_rows_in(frame, need.table, need.when, period), need.column, sla_targets)
    elif need.kind == "outside_vocabulary":
        have = int(outside_vocabulary(data)["rows"].sum())
    elif need.kind == "months":
        have = 0 if first is None else max(0, (period.end_exclusive.year - first.year) * 12
                                           + period.end_exclusive.month - first.month)
    else:
        raise ValueError(f"unknown need {need.kind!r}")
    return None if have >= need.at_least else Unmet(need, have, first, last)


def section_unmet(key: str, data: dict[str, pd.DataFrame], period: Period, sla_targets=None) -> list[Unmet]:
    """Every need of section ``key`` (its chapter's first) the data does not meet."""
    section = SECTIONS[key]
    # a chapter that cannot run is the whole reason: its sections' own needs are not checked on top
    return (chapter_unmet(section.chapter, data, period)
            or [u for u in (unmet(n, data, period, sla_targets) for n in section.needs) if u is not None])


def chapter_unmet(chapter: str, data: dict[str, pd.DataFrame], period: Period) -> list[Unmet]:
    return [u for u in (unmet(n, data, period) for n in CHAPTERS[chapter].needs) if u is not None]


def table_coverage(data: dict[str, pd.DataFrame], period: Period) -> pd.DataFrame:
    """Per input table: rows, rows in the period, the dates covered, and the optional columns it holds
    values in (a column no row fills is as good as absent)."""
    out = []
    for name, table in INPUT_TABLES.items():
        frame = data.get(name)
        frame = frame if frame is not None else pd.DataFrame()
        first, last = table_span(data, name)
        filled = [c.name for c in table.processed_columns if c.nullable and _values(frame, c.name) > 0]
        missing = [c.name for c in table.processed_columns if c.nullable and c.name not in filled]
        out.append({"table": name, "rows": len(frame), "rows_in_period": len(_rows_in(frame, name, "period", period))
                    if name in DATE_COLUMNS else len(frame), "first": first, "last": last,
                    "columns": filled, "columns_missing": missing})
    return pd.DataFrame(out)
