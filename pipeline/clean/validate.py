"""Schemas of the processed tables, checked with pandera before anything is written.

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

from pipeline.errors import PipelineError

SERVICE_LEVELS = ["5x9", "7x24x8", "7x24x4"]
TIERS = ["VIP", "large", "SMB"]
TABLES = ["dispatches", "sales", "customers", "contracts"]


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
    categorical = isinstance(s.dtype, pd.CategoricalDtype)
    if pd.api.types.infer_dtype(s.cat.categories if categorical else s, skipna=False) == "string":
        if not categorical:
            return s != ""                     # all str: one vectorised comparison
        good = np.append(np.asarray(s.cat.categories, dtype=object) != "", False)
        return pd.Series(good[s.cat.codes.to_numpy()], index=s.index)      # code -1 (missing) → False
    return _judged_per_value(s, lambda v: isinstance(v, str) and v != "")


def _text(**kw) -> pa.Column:
    nullable = kw.pop("nullable", False)
    # ignore_na: a non-nullable column has no missing values to set aside, and setting them aside
    # copies the column (seconds at ten million rows)
    return pa.Column(None, checks=[pa.Check(nonempty_text, element_wise=False, error="non-empty text",
                                            ignore_na=nullable)], nullable=nullable, **kw)


def _date(nullable: bool) -> pa.Column:
    return pa.Column(None, checks=[pa.Check(_is_datetime, error="datetime64 column")], nullable=nullable)


def has_length(s: pd.Series, n: int) -> pd.Series:
    return _judged_per_value(s, lambda v: isinstance(v, str) and len(v) == n)


def _length(n: int) -> pa.Column:
    return pa.Column(None, checks=[pa.Check(lambda s: has_length(s, n), error=f"text of {n} characters")],
                     nullable=True)


def _source() -> dict:
    return {"source_file": _text(), "source_row": pa.Column(None, checks=[pa.Check.ge(1)], nullable=False)}


def _after(later: str, earlier: str):
    return pa.Check(lambda d: d[later].isna() | d[earlier].isna() | (d[later] >= d[earlier]),
                    error=f"{later} >= {earlier}")


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "dispatches": pa.DataFrameSchema({
        "ticket_id": _text(unique=True), "customer_id": _text(), "reported_at": _date(False),
        "arrived_at": _date(True), "closed_at": _date(True),
        "service_level": pa.Column(None, checks=[pa.Check.isin(SERVICE_LEVELS)], nullable=True),
        "machine_type": _length(4), "machine_model": _length(3),
        "cause_codes": pa.Column(None, checks=[pa.Check(lambda s: s.map(lambda v: isinstance(v, list)),
                                                        error="a list of codes")]),
        "visits": pa.Column(None, checks=[pa.Check.ge(0)], nullable=True),
        **_source()}, checks=[_after("closed_at", "reported_at"), _after("arrived_at", "reported_at")]),
    "sales": pa.DataFrameSchema({
        "order_id": _text(), "customer_id": _text(), "order_date": _date(False),
        "amount": pa.Column(float, nullable=False), "is_return": pa.Column(bool), **_source()}),
    "customers": pa.DataFrameSchema({
        "customer_id": _text(unique=True), "customer_name": _text(),
        "tier": pa.Column(None, checks=[pa.Check.isin(TIERS)], nullable=True)}),
    "contracts": pa.DataFrameSchema({
        "contract_id": _text(unique=True), "customer_id": _text(), "start_date": _date(False),
        "end_date": _date(False), "annual_fee": pa.Column(None, checks=[pa.Check.ge(0)], nullable=True),
        **_source()}, checks=[_after("end_date", "start_date")]),
    "rejects": pa.DataFrameSchema({
        "table": pa.Column(None, checks=[pa.Check.isin(TABLES)]), "source_file": _text(),
        "source_row": pa.Column(None, checks=[pa.Check.ge(1)]), "reason_code": _text(),
        "reason": pa.Column(None), "raw": pa.Column(None)}),
}


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
