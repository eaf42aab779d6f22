"""How numbers and tables are shown in the report: translated column headers, intervals, tier order.

The chapters compute in numbers and format only when they show a table; these helpers are that
formatting, shared so that every chapter writes an interval or a header the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from pipeline.analyses.service.common import UNKNOWN_GROUP
from pipeline.contract import TIERS

# The customer tiers from the most to the least valuable: tables by tier are shown in this order.
TIER_ORDER = {tier: rank for rank, tier in enumerate(TIERS)}


def translated_headers(frame: pd.DataFrame, t: Callable[..., str], prefixes: Sequence[str] = ("col",)) -> pd.DataFrame:
    """``frame`` with each column ``c`` renamed to the first message ``<prefix>.c`` the catalogue has.

    A column no prefix translates raises ``KeyError`` naming the missing message: a table's header is
    never left in English in a Chinese report by accident. A group the analyses mark as missing
    (``(unknown)``: rows without a value in the grouping column) is named as not recorded.
    """
    def name(column) -> str:
        for prefix in prefixes:
            try:
                return t(f"{prefix}.{column}")
            except KeyError:
                continue
        raise KeyError(f"no message {' or '.join(f'{p}.{column}' for p in prefixes)} for the column header {column!r}")

    def named(s: pd.Series) -> pd.Series:
        if not (s.dtype == object or isinstance(s.dtype, pd.StringDtype)):
            return s
        unknown = s.astype("string").eq(UNKNOWN_GROUP).fillna(False)
        return s.mask(unknown, t("col.unrecorded")) if unknown.any() else s

    frame = frame.apply(named) if len(frame.columns) else frame
    return frame.rename(columns={c: name(c) for c in frame.columns})


def _end(fmt: Callable[[float], str], x) -> str:
    """An interval's end: an end the data leave unbounded (a parameter they barely identify) is ∞."""
    try:
        if math.isinf(float(x)):
            return "∞" if float(x) > 0 else "−∞"
    except (TypeError, ValueError):
        pass
    return fmt(x)


def _missing(x) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _interval(fmt: Callable[[float], str], a, b) -> str | None:
    """``"low–high"``; an end the data do not reach (a Kaplan–Meier quantile's upper limit past the last
    follow-up) makes it ``"≥ low"`` or ``"≤ high"``, and None when neither end is known."""
    if _missing(a) and _missing(b):
        return None
    if _missing(b):
        return f"≥ {_end(fmt, a)}"
    if _missing(a):
        return f"≤ {_end(fmt, b)}"
    return f"{_end(fmt, a)}–{_end(fmt, b)}"


def interval_texts(low: Iterable, high: Iterable, fmt: Callable[[float], str]) -> list[str]:
    """Each interval as ``"low–high"``, both ends in ``fmt`` (``"≥ low"`` when the upper end is not
    known, ``"–"`` when neither is)."""
    return [_interval(fmt, a, b) or "–" for a, b in zip(low, high)]


def values_with_intervals(value: Iterable, low: Iterable, high: Iterable, fmt: Callable[[float], str]) -> list[str]:
    """Each value with its interval, as ``"value (low–high)"`` (the value alone when no end is known)."""
    out = []
    for v, a, b in zip(value, low, high):
        interval = _interval(fmt, a, b)
        out.append(fmt(v) if interval is None else f"{fmt(v)} ({interval})")
    return out


def in_tier_order(frame: pd.DataFrame, column: str = "tier") -> pd.DataFrame:
    """Rows in tier order (VIP, large, SMB), any other tier after them, stably."""
    return frame.sort_values(column, key=lambda s: s.map(TIER_ORDER).fillna(len(TIER_ORDER)), kind="stable")
