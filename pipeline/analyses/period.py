"""Report periods: ``2024``, ``2024H1``, ``2024Q3``, ``2024-07`` or an explicit start and end date."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from pipeline.errors import PipelineError

_FORMS = [
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})[Hh]([12])$"), "half"),
    (re.compile(r"^(\d{4})[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
]


@dataclass(frozen=True)
class Period:
    """A closed date interval [start, end] (whole days) with the label reports show."""

    start: pd.Timestamp
    end: pd.Timestamp
    label: str
    kind: str          # year | half | quarter | month | custom

    @property
    def end_exclusive(self) -> pd.Timestamp:
        return self.end + pd.Timedelta(days=1)

    def contains(self, when: pd.Series) -> pd.Series:
        """Whether each timestamp falls in the period (any time of day on the end date counts)."""
        return (when >= self.start) & (when < self.end_exclusive)

    def shifted(self, steps: int) -> Period:
        """The period ``steps`` periods earlier (negative) or later, of the same kind."""
        if self.kind == "custom":
            length = self.end_exclusive - self.start
            return custom(self.start + steps * length, self.end + steps * length)
        months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[self.kind]
        start = self.start + pd.DateOffset(months=months * steps)
        return _make(self.kind, start)

    def title(self, lang: str = "en") -> str:
        """The period as running text names it: the label (``2009Q4``), or for a custom period its first
        and last day (``2016-03-01 to 2016-04-30``); the label of a custom period is a folder name."""
        if self.kind != "custom":
            return self.label
        joiner = " to " if lang == "en" else " 至 "
        return f"{self.start.date().isoformat()}{joiner}{self.end.date().isoformat()}"

    def previous(self) -> Period:
        return self.shifted(-1)

    def year_earlier(self) -> Period:
        if self.kind == "custom":
            return custom(self.start - pd.DateOffset(years=1), self.end - pd.DateOffset(years=1))
        return _make(self.kind, self.start - pd.DateOffset(years=1))


def _make(kind: str, start: pd.Timestamp) -> Period:
    months = {"year": 12, "half": 6, "quarter": 3, "month": 1}[kind]
    end = start + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    y = start.year
    label = {"year": f"{y}", "half": f"{y}H{(start.month - 1) // 6 + 1}",
             "quarter": f"{y}Q{(start.month - 1) // 3 + 1}", "month": f"{y}-{start.month:02d}"}[kind]
    return Period(start=start, end=end, label=label, kind=kind)


def custom(start, end) -> Period:
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if end < start:
        raise PipelineError(f"period end {end.date()} is before its start {start.date()}")
    return Period(start=start, end=end, label=f"{start.date()}_{end.date()}", kind="custom")


def parse_period(text: str | None = None, *, start: str | None = None, end: str | None = None) -> Period:
    """A :class:`Period` from ``PERIOD`` or ``START``+``END``; a clear error for anything else."""
    if start or end:
        if not (start and end):
            raise PipelineError("give both START and END (YYYY-MM-DD), or PERIOD")
        try:
            return custom(pd.Timestamp(start), pd.Timestamp(end))
        except (ValueError, TypeError):
            raise PipelineError(f"START/END must be dates like 2024-07-01: got {start!r}, {end!r}") from None
    text = str(text if text is not None else "").strip()   # papermill -p 2009 passes an int
    for pattern, kind in _FORMS:
        m = pattern.match(text)
        if m:
            year = int(m.group(1))
            if kind == "year":
                return _make(kind, pd.Timestamp(year, 1, 1))
            n = int(m.group(2))
            if kind == "month" and not 1 <= n <= 12:
                break
            month = {"half": (n - 1) * 6 + 1, "quarter": (n - 1) * 3 + 1, "month": n}[kind]
            return _make(kind, pd.Timestamp(year, month, 1))
    raise PipelineError(f"period {text!r} is not one of 2024, 2024H1, 2024Q3, 2024-07 (or give START and END)")


def latest_complete_quarter(last_date: pd.Timestamp, run_date=None) -> Period:
    """The latest quarter with data that is over.

    The quarter holding the data's last day counts when it ended before ``run_date`` (no more
    data can arrive for it) and the data reach into its last tenth (an export taken on 9 December
    does not measure the fourth quarter; a last dispatch on 28 December does); otherwise, or when
    ``run_date`` is not given and the data stops before the quarter's last day, the quarter before it.
    """
    last = pd.Timestamp(last_date).normalize()
    q = _make("quarter", pd.Timestamp(last.year, (last.month - 1) // 3 * 3 + 1, 1))
    if run_date is not None:
        last_tenth = q.end_exclusive - (q.end_exclusive - q.start) / 10
        return q if q.end < pd.Timestamp(run_date).normalize() and last >= last_tenth else q.previous()
    return q if q.end <= last else q.previous()


def month_labels(dates: pd.Series) -> pd.Series:
    """``YYYY-MM`` of each timestamp (NaN where missing), same index.

    Formats each distinct month once: ``Series.dt.strftime`` formats every row, seconds per million."""
    import numpy as np

    months = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    missing = np.isnat(months)
    inverse, distinct = pd.factorize(months[~missing].astype(np.int64))
    text = np.datetime_as_string(np.asarray(distinct).astype("datetime64[M]"), unit="M").astype(object)
    out = np.full(len(months), np.nan, dtype=object)
    out[~missing] = text[inverse]
    return pd.Series(out, index=dates.index, name=dates.name)
