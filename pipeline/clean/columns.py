"""Canonical columns of one raw file as typed values, worked out once per distinct value.

A raw file's text columns are categorical (or repeat heavily), so every normaliser and parser runs
on the distinct values and the result is spread back to the rows by their codes. A column read by
several checks is normalised once per file: the per-file cache is cleared by :func:`clear_text_cache`
before and after each file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clean.parse import factorize_text, map_distinct
from pipeline.runtime.frames import categorical_from_codes
from pipeline.runtime.text import normalise_key, normalise_text


def distinct_text(frame: pd.DataFrame, column: str, normalise=normalise_text) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, normalised distinct values)`` of a canonical column; absent columns are empty."""
    if column not in frame:
        return np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    key = (id(frame), column, normalise.__name__)
    if key not in _TEXT_CACHE:        # several checks read one column: normalise it once per file
        _TEXT_CACHE[key] = map_distinct(frame[column], normalise, plain_ascii_unchanged=True)
    return _TEXT_CACHE[key]


def text_column(frame: pd.DataFrame, column: str, normalise=normalise_text) -> pd.Series:
    """A canonical column as normalised text (:func:`normalise_text`); absent columns are empty."""
    codes, mapped = distinct_text(frame, column, normalise)
    return pd.Series(mapped[codes] if len(codes) else [], index=frame.index, dtype=object)


_TEXT_CACHE: dict = {}


def clear_text_cache() -> None:
    """Forget the normalised columns of the last file (they are keyed by the frame's ``id``, which a
    later frame may reuse)."""
    _TEXT_CACHE.clear()


def _spread(codes: np.ndarray, result, index: pd.Index):
    """A result computed per distinct value (Series or DataFrame, positional) → one row per code."""
    if isinstance(result, pd.DataFrame):
        return pd.DataFrame({c: _spread(codes, result[c], index) for c in result.columns}, index=index)
    values = result.to_numpy()
    return pd.Series(values[codes] if len(codes) else values[:0], index=index, dtype=result.dtype)


def on_distinct(frame: pd.DataFrame, column: str, transform, *, raw: bool = False):
    """``transform`` (a Series of texts → Series or DataFrame of the same length) run on the column's
    distinct values only, normalised (:func:`text_column`) or, with ``raw``, as written."""
    if raw:
        codes, uniques = factorize_text(frame[column])
        values = np.array(uniques, dtype=object)
    else:
        codes, values = distinct_text(frame, column)
    return _spread(codes, transform(pd.Series(values, dtype=object)), frame.index)


def present_text(frame: pd.DataFrame, column: str, normalise=normalise_text) -> pd.Series:
    """:func:`text_column` with None where the cell is empty (worked out once per distinct value)."""
    codes, mapped = distinct_text(frame, column, normalise)
    mapped = np.where(mapped == "", None, mapped)
    return pd.Series(mapped[codes] if len(codes) else [], index=frame.index, dtype=object)


def categorical_from_values(codes: np.ndarray, values: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row values given as (codes into ``values``), kept as a categorical: ten million rows of
    text then cost a small integer each through de-duplication and sorting, and taking rows moves
    integers instead of touching every string. None in ``values`` is a missing cell."""
    merged, distinct = pd.factorize(values, use_na_sentinel=True)       # values may repeat
    return pd.Series(categorical_from_codes(merged[codes] if len(codes) else codes, distinct), index=index)


def present_categorical(frame: pd.DataFrame, column: str, normalise=normalise_text, fill=None) -> pd.Series:
    """:func:`present_text` as a categorical (``fill`` for the empty cells, else missing)."""
    codes, mapped = distinct_text(frame, column, normalise)
    return categorical_from_values(codes, np.where(mapped == "", fill, mapped), frame.index)


def key_categorical(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of identifiers as comparison keys (:func:`normalise_key`: also full-width to ASCII), as a
    categorical; empty cells stay "" (those rows are rejected as missing_id)."""
    codes, mapped = distinct_text(frame, column, normalise_key)
    return categorical_from_values(codes, mapped, frame.index)


def as_plain_text(series: pd.Series) -> pd.Series:
    """A categorical text column back to plain text (object), None where missing, as the processed
    tables hold it; other columns as they are."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series
    values = np.append(np.asarray(series.cat.categories, dtype=object), None)
    return pd.Series(values[series.cat.codes.to_numpy()], index=series.index, dtype=object)


def with_plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (emptied on the way) with its categorical text made plain: a new frame of the same
    arrays, since assigning a column copies it (an object column of ten million rows: 0.1 s each)."""
    out = {}
    for c in list(frame.columns):
        out[c] = as_plain_text(frame[c])
        del frame[c]
    return pd.DataFrame(out, index=frame.index, copy=False)


def blank_mask(frame: pd.DataFrame, column: str, normalise=normalise_text) -> np.ndarray:
    """Mask of the rows whose cell in ``column`` is empty after normalising (or that lack the column)."""
    codes, mapped = distinct_text(frame, column, normalise)
    return (mapped == "")[codes]
