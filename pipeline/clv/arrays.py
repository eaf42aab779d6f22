"""The models' inputs and outputs: summary columns, float arrays, distinct rows, results shaped like the input."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError


def unique_x(d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct frequencies and the row -> distinct index (cached in `d`).

    `d` is a model's data: columns by name, the frequency (number of repeat purchases) as ``"x"``."""
    if "_ux" not in d:
        d["_ux"], d["_xi"] = np.unique(d["x"], return_inverse=True)
    return d["_ux"], d["_xi"]


def as_array(x) -> np.ndarray:
    """`x` (scalar, list, array or Series) as a float ndarray, without a copy when it already is one."""
    return np.asarray(x, dtype=float)


def wrap_like(result: np.ndarray, like):
    """Return a Series with the index of `like` when `like` is a Series, else an array/float."""
    if isinstance(like, pd.Series):
        return pd.Series(np.broadcast_to(result, like.shape), index=like.index)
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result


def first_series(*xs):
    """The first of `xs` that is a pandas Series (the result takes its index), else the first of `xs`."""
    for x in xs:
        if isinstance(x, pd.Series):
            return x
    return xs[0]


def distinct_rows(cols: dict[str, np.ndarray], weights) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct rows of `cols` with summed weights (``None``: one per row); rows summing to <= 0 are dropped."""
    df = pd.DataFrame(cols)
    df["_w"] = 1.0 if weights is None else as_array(weights)
    g = df.groupby(list(cols), sort=False)["_w"].sum().reset_index()
    g = g.loc[g["_w"] > 0]
    return {k: g[k].to_numpy(dtype=float) for k in cols}, g["_w"].to_numpy(dtype=float)


def get_column(data, names: tuple[str, ...]):
    """Column `names[0]` of data, accepting lifetimes' ``_cal`` suffix and paper names.

    The first of `names` that `data` has is returned; the error, when none is there, names ``names[0]``."""
    for n in names:
        if n in data.columns:
            return data[n]
    raise InputError(f"column {names[0]!r} not found (columns: {list(data.columns)})", column=names[0])


def fitted_data(cols: dict[str, np.ndarray], weights, index) -> pd.DataFrame:
    """The data a model was fitted on, as lifetimes keeps it in ``.data``: the columns, ``weights``
    (customers per row, 1 when not given) and `index` (lifetimes' ``fit(..., index=)``) as its index."""
    n = len(next(iter(cols.values())))
    w = np.ones(n) if weights is None else np.broadcast_to(as_array(weights), (n,))
    if index is not None and len(index) != n:
        raise InputError(f"index has {len(index)} labels for {n} rows")
    return pd.DataFrame({**cols, "weights": w}, index=index)


def on_distinct_rows(evaluate, *columns, dedupe: bool = True):
    """``evaluate(*columns)`` computed once per distinct row of the columns and spread back to every row.

    For predictions whose cost is per row (special functions) on data with few distinct rows (a million
    customers have about a hundred thousand (frequency, recency, T) patterns, a BG/BB summary a few
    dozen). Columns are broadcast together first; the result has their shape. ``dedupe=False`` evaluates
    every row (when `evaluate` also reads per-row values the columns do not carry, such as per-customer
    parameters of a covariate model)."""
    arrays = np.broadcast_arrays(*(as_array(c) for c in columns))
    shape = arrays[0].shape
    if not dedupe or arrays[0].size < 2048:
        return np.asarray(evaluate(*arrays), dtype=float)
    keys = pd.DataFrame({i: a.ravel() for i, a in enumerate(arrays)})
    codes = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    distinct = [a.ravel()[first] for a in arrays]
    return np.asarray(evaluate(*distinct), dtype=float)[codes].reshape(shape)


def fit_inputs(given: dict, aliases: dict[str, tuple[str, ...]], data, weights, index):
    """The columns a model's ``fit`` takes, as float arrays: `given` (name -> array, lifetimes' positional
    call) or, when `data` is a summary table, its columns by `aliases` (name -> accepted column names; then
    ``weights`` may name a column). Returns ``(arrays, weights, index)``; the index is `index`, else the
    table's, else the first Series' among `given`, else None."""
    if data is not None:
        if isinstance(weights, str):
            weights = data[weights]
        given = {name: get_column(data, names) for name, names in aliases.items()}
        if index is None:
            index = data.index
    if any(v is None for v in given.values()):
        names = list(given)
        raise InputError(f"fit needs a summary table or {', '.join(names[:-1])} and {names[-1]}")
    like = first_series(*given.values())
    if index is None and isinstance(like, pd.Series):
        index = like.index
    return {name: as_array(v) for name, v in given.items()}, weights, index
