"""Frames and categoricals built without copying: the helpers that keep ten million rows from being held
twice, shared by reading, cleaning and writing."""

from __future__ import annotations

import numpy as np
import pandas as pd


def column_values(column: pd.Series):
    """The column's own array, for building a frame without copying: the numpy array itself where it
    has one (a pandas wrapper of an object array costs a missing-value scan of every cell)."""
    return column.array if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) else column.to_numpy()


def take_columns(frame: pd.DataFrame, rows: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    """``frame.iloc[rows][columns]`` (default: all but the hashes), built column by column and
    emptying ``frame`` as it goes, so that a table and its copy are not both whole in memory (each
    text column, a categorical, is freed as soon as it is copied)."""
    if columns is None:
        columns = [c for c in frame.columns if c not in ("_raw_hash", "_key_hash")]
    out = {}
    for c in columns:
        out[c] = column_values(frame[c]).take(rows)
        del frame[c]
    # copy=False: each column stays its own array; consolidating them into 2-D blocks would copy
    # the numeric columns once more, and a block is freed only when all its columns are
    return pd.DataFrame(out, index=pd.Index(rows), copy=False)


def categorical_from_codes(codes: np.ndarray, categories) -> pd.Categorical:
    """``pd.Categorical.from_codes`` for categories already known to be distinct and not missing, and
    codes known to lie in ``-1 … len(categories) - 1`` (from ``pd.factorize`` or an Arrow dictionary).
    pandas would check both again, hashing every category and scanning every code: over a second
    per column of a ten-million-row table with millions of distinct values."""
    categories = pd.Index(categories, dtype=object)
    # What the checks would find, told to the index's cache (pandas 2.x keeps its cached properties
    # there); were it not consulted, pandas would simply check again, as slowly as before.
    cache = getattr(categories, "_cache", None)
    if isinstance(cache, dict):
        cache.setdefault("is_unique", True)
        cache.setdefault("hasnans", False)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)
