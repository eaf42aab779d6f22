"""Schemas of the processed tables, checked with pandera before anything is written.

The schemas are derived from the contract (:mod:`pipeline.contract`): each declared column's kind
and constraints (not null, non-empty, unique, accepted values, length, minimum) become its checks,
and each table's ``later_than`` pairs become row checks.

The cleaner rejects bad rows, so a failure here is a bug in the cleaner (or a change to it), not
bad input: every failure of every table is collected (``lazy=True``) and raised as one
:class:`PipelineError` that lists them, each with the column, the check, how many rows fail and a
few examples naming their source file and row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

try:  # pandera >= 0.24 keeps the pandas API under pandera.pandas
    import pandera.pandas as pa
except ImportError:  # pragma: no cover - older pandera
    import pandera as pa

from pipeline.contract import INPUT_TABLES, REJECTS, Column, Table
from pipeline.errors import PipelineError


def _is_datetime(series: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(series)


def _judged_per_value(s: pd.Series, test) -> pd.Series:
    """``test`` of each cell, called once per distinct value (the cleaner's text is categorical, and a
    machine type or a ticket id repeats across a million rows); a missing cell fails."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes, distinct = s.cat.codes.to_numpy(), s.cat.categories
    else:
        try:
            codes, distinct = pd.factorize(s.to_numpy(dtype=object), use_na_sentinel=True)
        except TypeError:                      # unhashable cells (lists): judged one by one
            return s.map(lambda v: bool(test(v)) if not _missing(v) else False)
    good = np.array([test(v) for v in distinct] + [False], dtype=bool)
    return pd.Series(good[codes], index=s.index)          # code -1 (missing) → the appended False


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and v != v) or v is pd.NA


def nonempty_text(s: pd.Series) -> pd.Series:
    """Each cell is non-empty text (a missing cell is not)."""
    categorical = isinstance(s.dtype, pd.CategoricalDtype)
    if pd.api.types.infer_dtype(s.cat.categories if categorical else s, skipna=False) == "string":
        if not categorical:
            return s != ""                     # all str: one vectorised comparison
        good = np.append(np.asarray(s.cat.categories, dtype=object) != "", False)
        return pd.Series(good[s.cat.codes.to_numpy()], index=s.index)      # code -1 (missing) → False
    return _judged_per_value(s, lambda v: isinstance(v, str) and v != "")


def has_length(s: pd.Series, n: int) -> pd.Series:
    """Each cell is text of exactly ``n`` characters (judged once per distinct value)."""
    return _judged_per_value(s, lambda v: isinstance(v, str) and len(v) == n)


def in_open_vocabulary(s: pd.Series, known) -> pd.Series:
    """Each cell is a built-in value, or other text kept as written: non-empty, trimmed, and not a
    built-in value written in another case (which cleaning should have read as that value)."""
    known = tuple(known)
    folded = {k.casefold() for k in known}

    def good(v) -> bool:
        if v in known:
            return True
        return isinstance(v, str) and v != "" and v == v.strip() and v.casefold() not in folded
    return _judged_per_value(s, good)


def _is_list_column(s: pd.Series) -> pd.Series:
    return s.map(lambda v: isinstance(v, list))


def column_schema(column: Column) -> pa.Column:
    """The pandera column for a declared column: its kind's check and its constraints."""
    checks = []
    if column.kind == "datetime":
        checks.append(pa.Check(_is_datetime, error="datetime64 column"))
    if column.must_not_be_empty:
        # ignore_na: a non-nullable column has no missing values to set aside, and setting them aside
        # copies the column (seconds at ten million rows)
        checks.append(pa.Check(nonempty_text, element_wise=False, error="non-empty text", ignore_na=column.nullable))
    if column.length is not None:
        n = column.length
        checks.append(pa.Check(lambda s: has_length(s, n), error=f"text of {n} characters"))
    if column.values is not None and column.values_open:
        known = tuple(column.values)
        checks.append(pa.Check(lambda s: in_open_vocabulary(s, known), element_wise=False, ignore_na=True,
                               error=f"one of {', '.join(known)} or other trimmed text"))
    elif column.values is not None:
        checks.append(pa.Check.isin(list(column.values)))
    if column.minimum is not None:
        checks.append(pa.Check.ge(column.minimum))
    if column.kind == "list":
        checks.append(pa.Check(_is_list_column, error="a list of codes"))
    dtype = float if column.kind == "number" else bool if column.kind == "boolean" and not column.nullable else None
    return pa.Column(dtype, checks=checks, nullable=column.nullable, unique=column.unique,
                     required=not column.extra)


def _after(later: str, earlier: str):
    return pa.Check(lambda d: d[later].isna() | d[earlier].isna() | (d[later] >= d[earlier]),
                    error=f"{later} >= {earlier}")


def table_schema(table: Table) -> pa.DataFrameSchema:
    """The pandera schema of a declared table."""
    return pa.DataFrameSchema({c.name: column_schema(c) for c in table.columns if c.processed},
                              checks=[_after(later, earlier) for later, earlier in table.later_than])


SCHEMAS: dict[str, pa.DataFrameSchema] = {name: table_schema(t)
                                          for name, t in {**INPUT_TABLES, "rejects": REJECTS}.items()}


def _where(table: pd.DataFrame, index) -> str:
    try:
        row = table.loc[index]
        return f"{row['source_file']} row {row['source_row']}"
    except (KeyError, TypeError, ValueError):
        return f"index {index}"


def validation_failures(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Every schema failure of every table, one line each (empty when all is well)."""
    lines: list[str] = []
    for name, schema in SCHEMAS.items():
        table = tables.get(name)
        if table is None or not len(table):
            continue
        try:
            schema.validate(table, lazy=True, inplace=True)   # inplace: no copy; nothing is coerced
        except pa.errors.SchemaErrors as err:
            cases = err.failure_cases
            keys = ["column", "check"]
            for (column, check), group in cases.groupby([cases[k].astype(str) for k in keys], sort=True):
                examples = [f"{_where(table, i) if i is not None and pd.notna(i) else '-'}: {v!r}"
                            for i, v in zip(group["index"].head(3), group["failure_case"].head(3))]
                lines.append(f"{name}.{column if column != 'None' else '*'}: {check} fails for {len(group)} "
                             f"row(s), e.g. {'; '.join(examples)}")
    return lines


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Raise one :class:`PipelineError` listing every failure; return quietly when the tables conform."""
    lines = validation_failures(tables)
    if lines:
        raise PipelineError("the processed tables break their schema (a cleaning bug; nothing was written):\n  "
                            + "\n  ".join(lines))
