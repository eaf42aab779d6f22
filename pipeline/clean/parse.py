"""Typed values from raw text, vectorised over a column.

Every parser takes a Series of raw strings (empty string = missing) and returns the typed Series
plus a boolean mask of the cells it could not parse, so the caller can reject those rows with a
reason instead of letting them turn into NaN silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.runtime.text import clean_invisible

MIN_DATE = pd.Timestamp("1990-01-01")

# an ISO-8601 offset after the time (+01:00, -0500, +08, Z, UTC): dropped, or converted to options.time_zone
_OFFSET = r"(?:\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?"
_TIME = (r"(?:[ T]+(?P<H>\d{1,2})[:時时](?P<M>\d{2})(?:[:分](?P<S>\d{2})(?:\.\d{1,9})?)?(?:分|秒)?"
         + _OFFSET + r")?")
_YMD = re.compile(r"^(?P<y>\d{4})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})" + _TIME + r"$")
_CJK = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日" + _TIME.replace("[ T]+", r"\s*") + r"$")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$")
# a/b/YYYY: day-first or month-first, decided per file (see parse_dates)
_AB_Y = re.compile(r"^(?P<a>\d{1,2})[-./](?P<b>\d{1,2})[-./](?P<y>\d{4})" + _TIME + r"$")
# ROC (Minguo) year: only when the source declares it
_ROC = re.compile(r"^(?P<y>\d{2,3})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})" + _TIME + r"$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")


@dataclass(frozen=True)
class DateOptions:
    """How a source writes its dates.

    ``date_format``: an explicit ``strptime`` format that wins over inference.
    ``date_order``: ``"DMY"`` or ``"MDY"`` for ``a/b/YYYY`` values; ``None`` infers it per file and
    refuses to guess when the file gives no value with a part above 12.
    ``roc_years``: read ``98/01/08`` as ROC year 98 = 2009.
    ``excel_epoch``: the workbook's epoch when serial numbers may appear (xlsx only).
    ``time_zone``: an IANA zone (``Europe/Brussels``, ``UTC``) that timestamps written with an offset
    (``2010-03-31T16:59:42+01:00``) are converted to; timestamps without one are taken as written in
    it. ``None``: the wall time as written, its offset dropped. The result is naive either way.
    """

    date_format: str | None = None
    date_order: str | None = None
    roc_years: bool = False
    excel_epoch: pd.Timestamp | None = None
    time_zone: str | None = None


def factorize_text(raw: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes, distinct values as text)``; missing values read as ``""``. Cheaper than going through
    pandas' string dtype, which matters at a million rows. A categorical column (as the Arrow
    reader gives) is already factorized: its codes and categories are used as they are."""
    if isinstance(raw.dtype, pd.CategoricalDtype) and not (raw.cat.codes.to_numpy() < 0).any():
        categories = raw.cat.categories
        if pd.api.types.infer_dtype(categories, skipna=False) == "string":    # all str: one C-level copy
            return raw.cat.codes.to_numpy(), categories.tolist()
        return raw.cat.codes.to_numpy(), ["" if u is None else str(u) for u in categories]
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), sort=False, use_na_sentinel=False)
    return codes, ["" if u is None or (isinstance(u, float) and u != u) or u is pd.NA else str(u)
                   for u in uniques]


# Printable ASCII words separated by single spaces: what normalise_text and normalise_key leave as it is.
_PLAIN_ASCII = r"^[!-~]+( [!-~]+)*$"


def plain_ascii(values: list[str]) -> np.ndarray:
    """Mask of the values :func:`pipeline.text.normalise_text` (and ``normalise_key``) return unchanged
    by construction, found by Arrow in one pass rather than by a Python call per value."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.match_substring_regex(pa.array(values, type=pa.string()), _PLAIN_ASCII).to_numpy(
        zero_copy_only=False)


def map_distinct(raw: pd.Series, func, *, plain_ascii_unchanged: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, func of each distinct value)``. ``plain_ascii_unchanged``: ``func`` returns printable
    ASCII text unchanged (the text normalisers), so those values skip the call: IDs, numbers and
    dates are most of a large export's distinct values."""
    codes, uniques = factorize_text(raw)
    mapped = np.empty(len(uniques), dtype=object)
    if plain_ascii_unchanged and len(uniques) > 1000:
        mapped[:] = uniques
        todo = np.flatnonzero(~plain_ascii(uniques))
        mapped[todo] = [func(uniques[i]) for i in todo]
    else:
        mapped[:] = [func(u) for u in uniques]  # filled in place: lists must stay objects, not a 2-D array
    return codes, mapped


def map_unique(raw: pd.Series, func, *, plain_ascii_unchanged: bool = False) -> pd.Series:
    """Apply ``func`` to each distinct value once: raw exports repeat values heavily."""
    codes, mapped = map_distinct(raw, func, plain_ascii_unchanged=plain_ascii_unchanged)
    return pd.Series(mapped[codes] if len(codes) else [], index=raw.index, dtype=object)


def _on_uniques(func):
    """Run a column parser on the column's distinct values only and spread the result back.

    Raw exports repeat values heavily (dates, prices, levels); the result is the same as parsing
    every cell, because each parser's result for a cell depends only on that cell and on facts
    about the whole column that the distinct values give just as well.
    """
    import functools

    @functools.wraps(func)
    def wrapper(raw: pd.Series, *args, **kwargs):
        codes, uniques = factorize_text(raw)
        if len(uniques) > 0.5 * len(raw) and not isinstance(raw.dtype, pd.CategoricalDtype):
            return func(raw, *args, **kwargs)
        results = func(pd.Series(uniques, dtype="string"), *args, **kwargs)
        return tuple(pd.Series(r.to_numpy()[codes], index=raw.index, dtype=r.dtype) for r in results)
    return wrapper


def _normalise_cell(value: str) -> str:
    return unicodedata.normalize("NFKC", clean_invisible(value)).strip()


def _prepare(raw: pd.Series) -> pd.Series:
    return map_unique(raw, _normalise_cell).astype("string")


def _offset_minutes(tz: pd.Series) -> pd.Series:
    """Minutes east of UTC of offsets as written (``+01:00``, ``-0530``, ``+08``, ``Z``); NaN where none."""
    text = tz.astype("string").str.strip().str.upper()
    zero = text.isin(["Z", "UTC", "GMT"])
    m = text.str.extract(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    minutes = pd.to_numeric(m["h"]) * 60 + pd.to_numeric(m["m"]).fillna(0)
    minutes = minutes.where(m["sign"] != "-", -minutes)
    return minutes.where(~zero, 0.0).astype("float64")


def to_time_zone(wall: pd.Series, offset_minutes: pd.Series, time_zone: str | None) -> pd.Series:
    """Naive wall times written with an offset → the naive wall time in ``time_zone`` (None: as written).
    Values without an offset (NaN) are left as written."""
    if not time_zone:
        return wall
    has = offset_minutes.notna() & wall.notna()
    if not has.any():
        return wall
    out = wall.copy()
    utc = wall[has] - pd.to_timedelta(offset_minutes[has], unit="m")
    out[has] = utc.dt.tz_localize("UTC").dt.tz_convert(time_zone).dt.tz_localize(None)
    return out


def _with_format(text: pd.Series, date_format: str, time_zone: str | None) -> pd.Series:
    """``text`` parsed by an explicit strptime format. With ``%z`` (an offset such as +01:00), mixed offsets
    included: the wall time as written, or converted to ``time_zone``; always naive."""
    if "%z" not in date_format:
        return pd.to_datetime(text, format=date_format, errors="coerce")
    import datetime as dt

    def one(value: str):
        try:
            stamp = dt.datetime.strptime(value, date_format)
        except ValueError:
            return pd.NaT
        if stamp.tzinfo is not None and time_zone:
            return pd.Timestamp(stamp).tz_convert(time_zone).tz_localize(None)
        return pd.Timestamp(stamp.replace(tzinfo=None))
    return pd.Series([one(v) for v in text.tolist()], index=text.index, dtype="datetime64[ns]")


def _assemble(parts: pd.DataFrame, year_offset: int = 0, time_zone: str | None = None) -> pd.Series:
    cols = {"year": pd.to_numeric(parts["y"]) + year_offset, "month": pd.to_numeric(parts["m"]),
            "day": pd.to_numeric(parts["d"])}
    for src, dst in (("H", "hour"), ("M", "minute"), ("S", "second")):
        if src in parts:
            cols[dst] = pd.to_numeric(parts[src]).fillna(0)
    frame = pd.DataFrame(cols, index=parts.index)
    ok = frame["month"].between(1, 12) & frame["day"].between(1, 31)
    if "hour" in frame:
        ok &= frame["hour"].between(0, 23) & frame["minute"].between(0, 59) & frame["second"].between(0, 59)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[ns]")
    if ok.any():
        out[ok] = pd.to_datetime(frame[ok], errors="coerce")
    if time_zone and "tz" in parts and parts["tz"].notna().any():
        out = to_time_zone(out, _offset_minutes(parts["tz"]), time_zone)
    return out


def infer_date_order(raw: pd.Series) -> str | None:
    """``DMY`` or ``MDY`` when some ``a/b/YYYY`` value settles it; None when none does or both do."""
    parts = _prepare(raw).str.extract(_AB_Y).dropna(subset=["a"])
    if parts.empty:
        return None
    a, b = pd.to_numeric(parts["a"]), pd.to_numeric(parts["b"])
    dmy, mdy = bool((a > 12).any()), bool((b > 12).any())
    if dmy == mdy:
        return None
    return "DMY" if dmy else "MDY"


@_on_uniques
def parse_dates(raw: pd.Series, options: DateOptions = DateOptions(), *, run_date=None):
    """Parse a column of raw date or date-time text.

    Returns ``(values, reasons)``: ``values`` is datetime64 (NaT where missing or bad) and
    ``reasons`` holds, per bad cell, one of ``bad_date``, ``ambiguous_date``, ``future_date``
    (after ``run_date``) or ``implausible_date`` (before 1990); empty string where the cell is fine
    or empty.
    """
    text = _prepare(raw)
    present = text != ""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    reasons = pd.Series("", index=text.index, dtype="object")
    if options.date_format:
        out[present] = _with_format(text[present], options.date_format, options.time_zone)
    else:
        todo = present.copy()
        patterns = [(_YMD, 0), (_CJK, 0), (_COMPACT, 0)]
        if options.roc_years:
            patterns.append((_ROC, 1911))
        for pattern, offset in patterns:
            if not todo.any():
                break
            parts = text[todo].str.extract(pattern)
            hit = parts["y"].notna()
            if hit.any():
                out[hit[hit].index] = _assemble(parts[hit], offset, options.time_zone)
                todo[hit[hit].index] = False
        if todo.any():
            parts = text[todo].str.extract(_AB_Y)
            hit = parts["y"].notna()
            if hit.any():
                order = options.date_order or infer_date_order(text)
                idx = hit[hit].index
                if order is None:
                    reasons[idx] = "ambiguous_date"
                else:
                    p = parts[hit].rename(columns={"a": "d", "b": "m"} if order == "DMY" else {"a": "m", "b": "d"})
                    out[idx] = _assemble(p, time_zone=options.time_zone)
                todo[idx] = False
        if todo.any() and options.excel_epoch is not None:
            serial = text[todo]
            hit = serial.str.match(_SERIAL)
            if hit.any():
                days = pd.to_numeric(serial[hit])
                out[hit[hit].index] = options.excel_epoch + pd.to_timedelta(days, unit="D")
                todo[hit[hit].index] = False
    bad = present & out.isna() & (reasons == "")
    reasons[bad] = "bad_date"
    if run_date is not None:
        future = out > pd.Timestamp(run_date) + pd.Timedelta(days=1)
        reasons[future] = "future_date"
        out[future] = pd.NaT
    early = out < MIN_DATE
    reasons[early] = "implausible_date"
    out[early] = pd.NaT
    return out, reasons


_MONEY_JUNK = re.compile(r"[¥$£€￥,\s]|CNY|RMB|USD|GBP|EUR|NT\$|元", re.IGNORECASE)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@_on_uniques
def parse_numbers(raw: pd.Series):
    """Numbers and money: currency marks and thousands separators dropped, ``(12.5)`` read as −12.5.

    Returns ``(values, bad)``: float64 values (NaN where empty or bad) and a mask of the cells
    that held text that is not a number.
    """
    text = _prepare(raw)
    negative = text.str.match(r"^\(.*\)$")
    cleaned = text.str.replace(_MONEY_JUNK, "", regex=True).str.strip("()")
    good = cleaned.str.match(_NUMBER)
    values = pd.to_numeric(cleaned.where(good), errors="coerce").astype("float64")
    values[negative.fillna(False)] *= -1
    bad = (text != "") & ~good
    return values, bad.fillna(False).astype(bool)


_LEVEL_RULES = [
    (re.compile(r"^5[x*]9"), "5x9"),
    (re.compile(r"(7[x*]24|24[x*]7)[x*]?4(h|小時|小时)?$"), "7x24x4"),
    (re.compile(r"(7[x*]24|24[x*]7)[x*]?8(h|小時|小时)?$"), "7x24x8"),
]


def normalise_service_level(raw: pd.Series):
    """``5*9``, ``5x9``, ``5×9`` → ``5x9``; ``7*24*4``, ``24x7x4``, ``7x24 4h`` → ``7x24x4``; likewise 8.

    Returns ``(levels, unknown)``: the canonical level (None where empty or unknown) and a mask of
    non-empty cells no rule recognised.
    """
    codes, uniques = factorize_text(raw)
    mapped = np.empty(len(uniques), dtype=object)
    for i, value in enumerate(uniques):
        key = unicodedata.normalize("NFKC", clean_invisible(value)).casefold()
        key = re.sub(r"[\s\-_]", "", key.replace("×", "x"))
        mapped[i] = next((level for rule, level in _LEVEL_RULES if rule.search(key)), None)
    unknown = np.array([bool(u.strip()) and m is None for u, m in zip(uniques, mapped)], dtype=bool)
    return (pd.Series(mapped[codes] if len(codes) else [], index=raw.index, dtype=object),
            pd.Series(unknown[codes] if len(codes) else [], index=raw.index, dtype=bool))


_TYPE_MODEL = re.compile(r"^(?P<type>\d{4})[-\s]?(?P<model>[A-Z0-9]{3})$")


def split_type_model(raw: pd.Series) -> pd.DataFrame:
    """``7979Q7C`` → machine_type ``7979``, machine_model ``Q7C``; anything else → both None."""
    text = _prepare(raw).str.upper()
    parts = text.str.extract(_TYPE_MODEL)
    return pd.DataFrame({"machine_type": parts["type"].astype("object"),
                         "machine_model": parts["model"].astype("object")}, index=raw.index).where(
        lambda d: d.notna(), None)


_TRUE = {"y", "yes", "true", "t", "1", "是", "已續保", "已续保", "續保", "续保"}
_FALSE = {"n", "no", "false", "f", "0", "否", "未續保", "未续保", "不續保", "不续保"}


def parse_booleans(raw: pd.Series):
    """``Y/N``, ``是/否``, ``true/false``, ``1/0`` → boolean; empty → NA. Returns ``(values, bad)``."""
    text = _prepare(raw).str.casefold()
    values = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    values[text.isin(_TRUE)] = True
    values[text.isin(_FALSE)] = False
    bad = (text != "") & values.isna()
    return values, bad.astype(bool)


LIST_SEPARATORS = re.compile(r"\s*[+,，、/;；]\s*")


def split_list(raw: pd.Series) -> pd.Series:
    """A cell naming several items (``HDD+RAID``, ``硬盤、內存``) → a list of the non-empty items."""
    text = _prepare(raw)
    return text.map(lambda s: [p for p in LIST_SEPARATORS.split(s) if p] if s else [])
