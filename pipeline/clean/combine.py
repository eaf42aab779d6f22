"""One table from the per-file parts, text columns staying categorical with their categories united."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.runtime.frames import categorical_from_codes


def combine_parts(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One table from the per-file parts (emptied on the way), text columns staying categorical.

    Each categorical column's categories are united across parts (``source_file`` in name order,
    which de-duplication and sorting rely on). When all parts have the same columns the table is
    built column by column, each column dropped from the parts as soon as it is copied, so the
    parts and the table are not both whole in memory at once (a concat would hold both).
    """
    columns = list(dict.fromkeys(c for f in frames for c in f.columns))
    same_columns = all(list(f.columns) == columns for f in frames)
    united = {}
    for c in columns:
        values = [f[c] for f in frames if c in f]
        if c == "source_file":
            united[c] = pd.CategoricalDtype(sorted({str(n) for v in values for n in pd.unique(v)}))
        elif any(isinstance(v.dtype, pd.CategoricalDtype) for v in values) and all(
                isinstance(v.dtype, pd.CategoricalDtype) or v.isna().all() for v in values):
            # (a part whose column is all missing may come back from the cache as plain objects)
            united[c] = None if same_columns else _united_dtype(values)
    if not same_columns:
        for f in frames:
            for c, dtype in united.items():   # a part without the column: all missing, same type
                f[c] = pd.Categorical.from_codes(_codes_in(f[c], dtype) if c in f else
                                                 np.full(len(f), -1, dtype=np.int8), dtype=dtype)
        return pd.concat(frames, ignore_index=True)[columns]
    out = {}
    for c in columns:
        values = [f[c] for f in frames]
        if c not in united:
            out[c] = pd.concat(values, ignore_index=True)
        elif c == "source_file":      # in name order
            out[c] = pd.Categorical.from_codes(np.concatenate([_codes_in(v, united[c]) for v in values]),
                                               dtype=united[c])
        else:
            out[c] = _united_categorical(values)
        del values
        for f in frames:
            del f[c]
    return pd.DataFrame(out, copy=False)          # unconsolidated, as in take_columns


def _codes_in(values: pd.Series, dtype: pd.CategoricalDtype) -> np.ndarray:
    """Each value's code among ``dtype``'s categories (-1: missing). Not ``values.astype(dtype)``:
    pandas deems two unordered categorical types equal when their categories are the same in another
    order, and then keeps the part's own codes, which mean other values in the united order."""
    if not isinstance(values.dtype, pd.CategoricalDtype):     # plain values (missing ones → -1)
        return dtype.categories.get_indexer(values.to_numpy(dtype=object))
    mapping = np.append(dtype.categories.get_indexer(values.cat.categories), -1)
    return mapping[values.cat.codes.to_numpy()]          # code -1 picks the appended -1


def _united(values: list[pd.Series]):
    """``(categories of each part, where each one went, the united categories)`` for the parts of one
    column (categoricals, or all missing): the united categories are all the parts' in order of first
    appearance, found by one ``pd.factorize`` that hashes each distinct value once."""
    categories = [np.asarray(v.cat.categories, dtype=object) if isinstance(v.dtype, pd.CategoricalDtype)
                  else np.empty(0, dtype=object) for v in values]
    position, united = pd.factorize(np.concatenate(categories), use_na_sentinel=True)
    return categories, position, united


def _united_dtype(values: list[pd.Series]) -> pd.CategoricalDtype:
    """The categories of all ``values`` (categoricals, or all missing), in order of first appearance."""
    return pd.CategoricalDtype(pd.Index(_united(values)[2], dtype=object))


def _united_categorical(values: list[pd.Series]) -> pd.Categorical:
    """The parts of one column (categoricals, or all missing) as one categorical with the united
    categories (:func:`_united`), each part's codes moved to them. Uniting, checking and re-coding
    each part the pandas way hashed the distinct values three times: 4 s for the ten million order
    ids of the 10M-line benchmark."""
    categories, position, united = _united(values)
    codes, start = [], 0
    for v, cats in zip(values, categories):
        mapping = np.append(position[start:start + len(cats)], -1).astype(np.int32)   # code -1 → -1
        start += len(cats)
        codes.append(mapping[v.cat.codes.to_numpy()] if isinstance(v.dtype, pd.CategoricalDtype)
                     else np.full(len(v), -1, dtype=np.int32))
    return categorical_from_codes(np.concatenate(codes), united)
