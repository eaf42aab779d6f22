"""The processed tables' row order, by Arrow's multi-column sort."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _category_ranks(values: pd.Series) -> np.ndarray:
    """Each row's rank of its category in text order (float, NaN where missing): sorting by it
    sorts by the text, without sorting ten million strings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    categories = values.cat.categories
    order = pc.sort_indices(pa.array(np.asarray(categories, dtype=object), type=pa.string())).to_numpy()
    rank = np.empty(len(categories) + 1, dtype=np.float64)
    rank[order] = np.arange(len(categories))
    rank[-1] = np.nan                                           # code -1: a missing value
    return rank[values.cat.codes.to_numpy()]


def sorted_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row positions in the order ``frame.sort_values(columns)`` gives (ascending, missing values
    last in each column), from Arrow's multi-column sort: at ten million rows it is three times
    quicker. Text compares the same way in both (UTF-8 byte order is code-point order). The last
    columns (source file and row) are unique together, so no tie is left to order."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = {}
    try:
        for c in columns:
            values = frame[c]
            if isinstance(values.dtype, pd.CategoricalDtype):   # by the rank of each row's category
                arrays[c] = pa.array(_category_ranks(values), from_pandas=True)
                continue
            arrays[c] = pa.array(values.to_numpy(), from_pandas=True)
        keys = [(c, "ascending", "at_end") for c in columns]
        return pc.sort_indices(pa.table(arrays), sort_keys=keys).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        # mixed types in a text column, which Arrow will not take: pandas sorts them as it always did
        order = frame[columns].reset_index(drop=True).sort_values(columns, kind="stable").index
        return order.to_numpy()
