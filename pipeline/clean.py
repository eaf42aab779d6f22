"""Raw exports → the processed tables of the contract, with every raw row accounted for.

The work is split so that it can run partition by partition (``engine="dask"``: one task per file,
see :mod:`pipeline.engine`): :func:`clean_rows`
types one raw file's rows and rejects the bad ones with a reason, needing nothing from other
rows; customer resolution works on the distinct names only; de-duplication is a keyed pass over
the typed rows. :func:`clean` ties them together and writes the tables, the rejects and the
manifest atomically.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import __version__
from pipeline.atomic import atomic_dir, sha256_file
from pipeline.read import MAX_FILE_GIB, check_size
from pipeline.customers import load_overrides, normalise_tier, resolve_customers
from pipeline.errors import InputError, PipelineError
from pipeline.memory import release_freed_memory
from pipeline.parse import (DateOptions, categorical_from_codes, factorize_text, map_distinct, normalise_service_level,
                            parse_booleans, parse_dates, parse_numbers, split_list, split_type_model)
from pipeline.read import RawTable, read_raw
from pipeline.sources import Source, discover
from pipeline.taxonomy import Taxonomy, load_taxonomy, map_causes, map_parts, map_symptoms
from pipeline.text import normalise_key, normalise_text

TOTAL_MARKERS = {"合計", "合计", "總計", "总计", "小計", "小计", "total", "grand total", "subtotal", "sum"}

REASONS = {
    "malformed_row": "the record's field count does not match the header",
    "missing_id": "the row's identifier is empty",
    "missing_customer": "neither customer name nor customer id is given",
    "bad_date": "a date that no known format reads",
    "ambiguous_date": "a day/month order the file does not settle (08/01/2009); declare options.date_order",
    "future_date": "a date after the run date",
    "implausible_date": "a date before 1990",
    "missing_date": "a required date is empty",
    "closed_before_reported": "the ticket is closed before it was reported",
    "arrived_before_reported": "the engineer arrived before the ticket was reported",
    "end_before_start": "the contract ends before it starts",
    "bad_number": "a number that cannot be read",
    "missing_amount": "neither amount nor quantity and unit price are given",
    "total_row": "a total row of the export, not data",
    "bad_boolean": "a yes/no value that cannot be read",
    "conflicting_duplicate": "the same id with different content, and no later version to prefer",
    "superseded": "an earlier version of a record that appears again with later updates",
}

PROCESSED_COLUMNS = {
    "dispatches": ["ticket_id", "customer_id", "customer_name", "reported_at", "arrived_at", "closed_at",
                   "service_level", "machine_type", "machine_model", "serial", "symptom_text", "symptom_code",
                   "cause_text", "cause_codes", "predicted_cause_code", "parts_sent", "parts_used", "visits",
                   "engineer", "branch", "first_time_fix", "source_file", "source_row"],
    "sales": ["order_id", "line_no", "customer_id", "customer_name", "order_date", "product_id", "product_name",
              "product_category", "quantity", "unit_price", "discount", "amount", "currency", "channel",
              "is_return", "source_file", "source_row"],
    "customers": ["customer_id", "customer_name", "aliases", "industry", "tier", "region"],
    "contracts": ["contract_id", "customer_id", "customer_name", "start_date", "end_date", "service_level",
                  "annual_fee", "renewed", "source_file", "source_row"],
}
REJECT_COLUMNS = ["table", "source_file", "source_row", "reason_code", "reason", "raw"]
# Columns beyond the contract's, written when a source gives them.
EXTRA_COLUMNS = {"dispatches": ["service_level_text", "product_series", "product_line", "events", "reassignments"],
                 "sales": [], "customers": [], "contracts": []}
DEFAULT_NULL_TOKENS = ("NULL", "null", "N/A", "n/a", "#N/A")
PRODUCT_LINES_FILE = Path(__file__).with_name("data") / "product_lines.csv"


@functools.lru_cache(maxsize=4)
def product_lines(path: Path = PRODUCT_LINES_FILE) -> pd.DataFrame:
    """machine type → series (x / p) and product line, from ``pipeline/data/product_lines.csv``."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return table.set_index("machine_type")


def apply_null_tokens(frame: pd.DataFrame, tokens) -> pd.DataFrame:
    """Cells whose trimmed text is a null token become empty, per canonical column.

    ``tokens``: a list for every column, or ``{column: [tokens]}`` (the key ``"*"`` for the rest);
    None means :data:`DEFAULT_NULL_TOKENS`. Tokens are matched exactly (``NA`` is a name, not a null,
    unless a source says so).
    """
    if tokens is None:
        tokens = list(DEFAULT_NULL_TOKENS)
    per_column = tokens if isinstance(tokens, dict) else {"*": tokens}
    out = frame
    for column in frame.columns:
        if column.startswith("extra:"):
            continue
        wanted = per_column.get(column, per_column.get("*", []))
        wanted = {str(t) for t in (wanted or [])}
        if not wanted:
            continue
        codes, uniques = factorize_text(frame[column])
        null = np.array([u.strip() in wanted for u in uniques], dtype=bool)
        if not null.any():
            continue
        hit = null[codes]
        if hit.any():
            if out is frame:
                out = frame.copy()
            cleaned = np.array(["" if n else u for u, n in zip(uniques, null)], dtype=object)
            if isinstance(frame[column].dtype, pd.CategoricalDtype):
                # re-coded, not assigned cell by cell: "" may not be one of the categories
                merged, distinct = pd.factorize(cleaned)
                out[column] = pd.Categorical.from_codes(merged[codes], categories=distinct)
            else:
                out[column] = pd.Series(cleaned[codes], index=frame.index, dtype=object)
    return out


class _Reasons:
    """First failure per row: later checks do not overwrite an earlier reason.

    Kept as numpy arrays (a small integer per row naming its reason): a file's dozen checks each
    test "not yet flagged", which on object strings cost more than the checks themselves.
    """

    def __init__(self, index: pd.Index):
        self.index = index
        self._code = np.zeros(len(index), dtype=np.int16)      # 0: fine; i: self._names[i]
        self._names = [""]
        self._text = np.full(len(index), "", dtype=object)

    def flag(self, mask, code: str, column: str | None, values: pd.Series | None = None):
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)
        mask = np.asarray(mask, dtype=bool) & (self._code == 0)
        if not mask.any():
            return
        if code not in self._names:
            self._names.append(code)
        self._code[mask] = self._names.index(code)
        detail = REASONS.get(code, code)
        if values is not None:
            hit = values.iloc[np.flatnonzero(mask)]
            self._text[mask] = [f"column {column!r}: {detail}: {v!r}" for v in hit]
        else:
            self._text[mask] = f"column {column!r}: {detail}" if column else detail

    def flag_per_row(self, reasons: pd.Series, column: str, values: pd.Series):
        for code in pd.unique(reasons[reasons != ""]):
            self.flag(reasons == code, code, column, values)

    @property
    def code(self) -> pd.Series:
        return pd.Series(np.array(self._names, dtype=object)[self._code], index=self.index)

    @property
    def text(self) -> pd.Series:
        return pd.Series(self._text, index=self.index)

    @property
    def bad(self) -> pd.Series:
        return pd.Series(self._code != 0, index=self.index)


def _distinct(frame: pd.DataFrame, column: str, normalise=normalise_text) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, normalised distinct values)`` of a canonical column; absent columns are empty."""
    if column not in frame:
        return np.zeros(len(frame), dtype=np.intp), np.array([""], dtype=object)
    key = (id(frame), column, normalise.__name__)
    if key not in _TEXT_CACHE:        # several checks read one column: normalise it once per file
        _TEXT_CACHE[key] = map_distinct(frame[column], normalise, plain_ascii_unchanged=True)
    return _TEXT_CACHE[key]


def _text(frame: pd.DataFrame, column: str, normalise=normalise_text) -> pd.Series:
    """A canonical column as normalised text (:func:`normalise_text`); absent columns are empty."""
    codes, mapped = _distinct(frame, column, normalise)
    return pd.Series(mapped[codes] if len(codes) else [], index=frame.index, dtype=object)


_TEXT_CACHE: dict = {}


def _spread(codes: np.ndarray, result, index: pd.Index):
    """A result computed per distinct value (Series or DataFrame, positional) → one row per code."""
    if isinstance(result, pd.DataFrame):
        return pd.DataFrame({c: _spread(codes, result[c], index) for c in result.columns}, index=index)
    values = result.to_numpy()
    return pd.Series(values[codes] if len(codes) else values[:0], index=index, dtype=result.dtype)


def _on_distinct(frame: pd.DataFrame, column: str, transform, *, raw: bool = False):
    """``transform`` (a Series of texts → Series or DataFrame of the same length) run on the column's
    distinct values only, normalised (:func:`_text`) or, with ``raw``, as written."""
    if raw:
        codes, uniques = factorize_text(frame[column])
        values = np.array(uniques, dtype=object)
    else:
        codes, values = _distinct(frame, column)
    return _spread(codes, transform(pd.Series(values, dtype=object)), frame.index)


def _present(frame: pd.DataFrame, column: str, normalise=normalise_text) -> pd.Series:
    """:func:`_text` with None where the cell is empty (worked out once per distinct value)."""
    codes, mapped = _distinct(frame, column, normalise)
    mapped = np.where(mapped == "", None, mapped)
    return pd.Series(mapped[codes] if len(codes) else [], index=frame.index, dtype=object)


def _categorical(codes: np.ndarray, values: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-row values given as (codes into ``values``), kept as a categorical: ten million rows of
    text then cost a small integer each through de-duplication and sorting, and taking rows moves
    integers instead of touching every string. None in ``values`` is a missing cell."""
    merged, distinct = pd.factorize(values, use_na_sentinel=True)       # values may repeat
    return pd.Series(categorical_from_codes(merged[codes] if len(codes) else codes, distinct), index=index)


def _present_categorical(frame: pd.DataFrame, column: str, normalise=normalise_text, fill=None) -> pd.Series:
    """:func:`_present` as a categorical (``fill`` for the empty cells, else missing)."""
    codes, mapped = _distinct(frame, column, normalise)
    return _categorical(codes, np.where(mapped == "", fill, mapped), frame.index)


def _key_categorical(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column of identifiers as comparison keys (:func:`normalise_key`: also full-width to ASCII), as a
    categorical; empty cells stay "" (those rows are rejected as missing_id)."""
    codes, mapped = _distinct(frame, column, normalise_key)
    return _categorical(codes, mapped, frame.index)


def as_plain_text(series: pd.Series) -> pd.Series:
    """A categorical text column back to plain text (object), None where missing, as the processed
    tables hold it; other columns as they are."""
    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series
    values = np.append(np.asarray(series.cat.categories, dtype=object), None)
    return pd.Series(values[series.cat.codes.to_numpy()], index=series.index, dtype=object)


def _with_plain_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (emptied on the way) with its categorical text made plain: a new frame of the same
    arrays, since assigning a column copies it (an object column of ten million rows: 0.1 s each)."""
    out = {}
    for c in list(frame.columns):
        out[c] = as_plain_text(frame[c])
        del frame[c]
    return pd.DataFrame(out, index=frame.index, copy=False)


def _blank(frame: pd.DataFrame, column: str, normalise=normalise_text) -> np.ndarray:
    """Mask of the rows whose cell in ``column`` is empty after normalising (or that lack the column)."""
    codes, mapped = _distinct(frame, column, normalise)
    return (mapped == "")[codes]


def _dates(frame, column, reasons, options, run_date, *, required=False):
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    values, why = parse_dates(frame[column], options, run_date=run_date)
    reasons.flag_per_row(why, column, frame[column])
    if required:
        reasons.flag(_blank(frame, column), "missing_date", column)
    return values


def _total_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        if column in frame:
            codes, mapped = _distinct(frame, column)
            total = np.array([m.casefold() in TOTAL_MARKERS for m in mapped], dtype=bool)
            mask |= total[codes]
    return mask


def _customer(frame, reasons, *, categorical: bool = True):
    reasons.flag(_blank(frame, "customer_name") & _blank(frame, "customer_id", normalise_key),
                 "missing_customer", "customer_name")
    present = _present_categorical if categorical else _present
    return present(frame, "customer_id", normalise_key), present(frame, "customer_name")


def clean_dispatch_rows(frame, options: DateOptions, run_date, taxonomy: Taxonomy, service_levels=None):
    r = _Reasons(frame.index)
    r.flag(_total_rows(frame, ["ticket_id", "customer_name"]), "total_row", None)
    ticket = _key_categorical(frame, "ticket_id")
    r.flag(_blank(frame, "ticket_id", normalise_key), "missing_id", "ticket_id")
    reported = _dates(frame, "reported_at", r, options, run_date, required=True)
    arrived = _dates(frame, "arrived_at", r, options, run_date)
    closed = _dates(frame, "closed_at", r, options, run_date)
    r.flag(arrived < reported, "arrived_before_reported", "arrived_at", frame.get("arrived_at"))
    r.flag(closed < reported, "closed_before_reported", "closed_at", frame.get("closed_at"))
    cid, name = _customer(frame, r)
    written_level = frame.get("service_level", pd.Series("", index=frame.index))
    if service_levels:   # options.service_levels: how this export writes levels ({"Value 2": "7x24x4"})
        declared = {normalise_text(str(k)): str(v) for k, v in service_levels.items()}
        written_level = _text(frame, "service_level").map(lambda v: declared.get(v, v))
    level, _unknown = normalise_service_level(written_level)
    if "machine_type_model" in frame:
        machine = _on_distinct(frame, "machine_type_model", split_type_model, raw=True)
    else:
        machine = pd.DataFrame({"machine_type": _present(frame, "machine_type"),
                                "machine_model": _present(frame, "machine_model")}, index=frame.index)
    visits, bad_visits = parse_numbers(frame["visits"]) if "visits" in frame else (
        pd.Series(np.nan, index=frame.index), pd.Series(False, index=frame.index))
    r.flag(bad_visits | (visits < 0), "bad_number", "visits", frame.get("visits"))

    def first_cause(texts):
        return map_causes(texts, taxonomy).map(lambda codes: codes[0] if codes else None)

    def part_codes(texts):
        return map_parts(split_list(texts), taxonomy)
    out = pd.DataFrame({
        "ticket_id": ticket, "customer_id": cid, "customer_name": name,
        "reported_at": reported, "arrived_at": arrived, "closed_at": closed,
        "service_level": level, "machine_type": machine["machine_type"], "machine_model": machine["machine_model"],
        "serial": _present_categorical(frame, "serial"),
        "symptom_text": _present_categorical(frame, "symptom_text"),
        "symptom_code": _on_distinct(frame, "symptom_text", lambda t: map_symptoms(t, taxonomy)),
        "cause_text": _present_categorical(frame, "cause_text"),
        "cause_codes": _on_distinct(frame, "cause_text", lambda t: map_causes(t, taxonomy)),
        "predicted_cause_code": _on_distinct(frame, "predicted_cause_text", first_cause),
        "parts_sent": _on_distinct(frame, "parts_sent", part_codes),
        "parts_used": _on_distinct(frame, "parts_used", part_codes),
        "visits": pd.array(visits.round(), dtype="Int64"),
        "engineer": _present_categorical(frame, "engineer"), "branch": _present_categorical(frame, "branch"),
    }, index=frame.index)
    out["first_time_fix"] = (out["visits"] == 1).astype("boolean")
    if not _blank(frame, "service_level").all():
        out["service_level_text"] = _present_categorical(frame, "service_level")
    lines = product_lines()
    out["product_series"] = out["machine_type"].map(lines["series"]).where(lambda v: v.notna() & (v != ""), None)
    out["product_line"] = out["machine_type"].map(lines["product_line"]).where(lambda v: v.notna() & (v != ""), None)
    for column in ("events", "reassignments"):
        if f"extra:{column}" in frame:
            values, _bad = parse_numbers(frame[f"extra:{column}"])
            out[column] = pd.array(values.round(), dtype="Int64")
    return out, r


def clean_sales_rows(frame, options: DateOptions, run_date, return_prefixes=("C",), currency=None):
    r = _Reasons(frame.index)
    r.flag(_total_rows(frame, ["order_id", "customer_name", "customer_id"]), "total_row", None)
    order = _key_categorical(frame, "order_id")
    r.flag(_blank(frame, "order_id", normalise_key), "missing_id", "order_id")
    date = _dates(frame, "order_date", r, options, run_date, required=True)
    cid, name = _customer(frame, r)
    numbers = {}
    for column in ("quantity", "unit_price", "amount", "discount"):
        if column in frame:
            values, bad = parse_numbers(frame[column])
            r.flag(bad, "bad_number", column, frame[column])
        else:
            values = pd.Series(np.nan, index=frame.index)
        numbers[column] = values
    discount = numbers["discount"]
    discount = discount.where(discount.isna() | (discount <= 1), discount / 100)  # "15" meaning 15 %
    amount = numbers["amount"].where(
        numbers["amount"].notna(), numbers["quantity"] * numbers["unit_price"] * (1 - discount.fillna(0)))
    r.flag(amount.isna(), "missing_amount", "amount")
    prefixes = tuple(str(p) for p in return_prefixes or ())
    is_return = (numbers["quantity"] < 0) | (amount < 0)
    if prefixes:
        codes, keys = _distinct(frame, "order_id", normalise_key)
        is_return |= np.array([k.startswith(prefixes) for k in keys], dtype=bool)[codes]
    out = pd.DataFrame({
        "order_id": order, "line_no": _present_categorical(frame, "line_no"), "customer_id": cid, "customer_name": name,
        "order_date": date, "product_id": _present_categorical(frame, "product_id", normalise_key),
        "product_name": _present_categorical(frame, "product_name"),
        "product_category": _present_categorical(frame, "product_category"),
        "quantity": numbers["quantity"], "unit_price": numbers["unit_price"], "discount": discount,
        "amount": amount.round(2),
        "currency": _present_categorical(frame, "currency", fill=currency or None),
        "channel": _present_categorical(frame, "channel"), "is_return": is_return.fillna(False).astype(bool),
    }, index=frame.index)
    return out, r


def clean_customer_rows(frame, options, run_date):
    r = _Reasons(frame.index)
    cid, name = _customer(frame, r, categorical=False)     # the registry is small and edited in place
    aliases = split_list(_text(frame, "aliases").str.replace("|", ";", regex=False)) if "aliases" in frame else \
        pd.Series([[] for _ in range(len(frame))], index=frame.index, dtype=object)
    out = pd.DataFrame({"customer_id": cid, "customer_name": name, "aliases": aliases,
                        "industry": _present(frame, "industry"),
                        "tier": normalise_tier(_text(frame, "tier")),
                        "region": _present(frame, "region")}, index=frame.index)
    return out, r


def clean_contract_rows(frame, options: DateOptions, run_date):
    r = _Reasons(frame.index)
    r.flag(_total_rows(frame, ["contract_id", "customer_name"]), "total_row", None)
    contract = _key_categorical(frame, "contract_id")
    r.flag(_blank(frame, "contract_id", normalise_key), "missing_id", "contract_id")
    cid, name = _customer(frame, r)
    start = _dates(frame, "start_date", r, options, None, required=True)
    end = _dates(frame, "end_date", r, options, None, required=True)
    r.flag(end < start, "end_before_start", "end_date", frame.get("end_date"))
    level, _ = normalise_service_level(frame.get("service_level", pd.Series("", index=frame.index)))
    fee, bad_fee = parse_numbers(frame["annual_fee"]) if "annual_fee" in frame else (
        pd.Series(np.nan, index=frame.index), pd.Series(False, index=frame.index))
    r.flag(bad_fee, "bad_number", "annual_fee", frame.get("annual_fee"))
    renewed, bad_renewed = parse_booleans(frame["renewed"]) if "renewed" in frame else (
        pd.Series(pd.NA, index=frame.index, dtype="boolean"), pd.Series(False, index=frame.index))
    r.flag(bad_renewed, "bad_boolean", "renewed", frame.get("renewed"))
    out = pd.DataFrame({"contract_id": contract, "customer_id": cid, "customer_name": name, "start_date": start,
                        "end_date": end, "service_level": level, "annual_fee": fee, "renewed": renewed},
                       index=frame.index)
    return out, r


def _date_options(source: Source, raw: RawTable) -> DateOptions:
    o = source.options
    return DateOptions(date_format=o.get("date_format"), date_order=o.get("date_order"),
                       roc_years=bool(o.get("roc_years", False)), excel_epoch=raw.excel_epoch)


def _raw_json(raw: RawTable, rows: pd.Index) -> list[str]:
    back = {canonical: header for canonical, header in raw.header_map.items()}
    frame = raw.frame.loc[rows]
    names = [back.get(c, c.removeprefix("extra:")) for c in frame.columns]
    return [json.dumps(dict(zip(names, values)), ensure_ascii=False) for values in frame.itertuples(index=False)]


def clean_rows(source: Source, raw: RawTable, *, run_date, taxonomy: Taxonomy):
    """Type one raw file's rows. Returns ``(kept, rejects)``; needs nothing from other rows or files."""
    _TEXT_CACHE.clear()
    try:
        return _clean_rows(source, raw, run_date=run_date, taxonomy=taxonomy)
    finally:
        _TEXT_CACHE.clear()


def _clean_rows(source: Source, raw: RawTable, *, run_date, taxonomy: Taxonomy):
    options = _date_options(source, raw)
    frame = apply_null_tokens(raw.frame, source.options.get("null_tokens"))
    if source.table == "dispatches":
        out, r = clean_dispatch_rows(frame, options, run_date, taxonomy, source.options.get("service_levels"))
    elif source.table == "sales":
        prefixes = source.options.get("return_prefixes", ("C", "R"))
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        out, r = clean_sales_rows(frame, options, run_date, prefixes, currency=source.options.get("currency"))
    elif source.table == "customers":
        out, r = clean_customer_rows(frame, options, run_date)
    else:
        out, r = clean_contract_rows(frame, options, run_date)
    bad = r.bad
    rejects = pd.DataFrame({"table": source.table, "source_file": raw.name,
                            "source_row": frame.index[bad].astype("int64"),
                            "reason_code": r.code[bad].values, "reason": r.text[bad].values,
                            "raw": _raw_json(raw, frame.index[bad])}, columns=REJECT_COLUMNS)
    physical = pd.DataFrame([{**p, "table": source.table, "source_file": raw.name}
                             for p in raw.physical_rejects], columns=REJECT_COLUMNS)
    # the kept rows, built column by column without copying when all are kept (the usual case); a
    # boolean selection, .copy() and reset_index copied every column three times
    keep = np.flatnonzero(~bad.to_numpy())
    every = len(keep) == len(out)
    columns = {c: _values(out[c]) if every else _values(out[c]).take(keep) for c in out.columns}
    columns["source_file"] = pd.Categorical.from_codes(np.zeros(len(keep), dtype=np.int8), categories=[raw.name])
    columns["source_row"] = out.index.to_numpy(dtype=np.int64)[keep]
    columns["_raw_hash"] = pd.util.hash_pandas_object(frame, index=False).to_numpy()[keep]
    columns["_key_hash"] = _key_hash(frame, source.table)[keep]
    kept = pd.DataFrame(columns, index=pd.RangeIndex(len(keep)), copy=False)
    return kept, pd.concat([d for d in (physical, rejects) if len(d)], ignore_index=True) if (
        len(physical) or len(rejects)) else pd.DataFrame(columns=REJECT_COLUMNS)


# --- de-duplication ---------------------------------------------------------------------------------

KEYS = {"dispatches": ["ticket_id"], "sales": ["order_id", "line_no"], "contracts": ["contract_id"],
        "customers": []}
UPDATE_STAMP = {"dispatches": ["closed_at", "arrived_at", "reported_at"], "contracts": ["end_date"]}


LIST_COLUMNS = ("cause_codes", "parts_sent", "parts_used", "aliases")


def _content_hash(frame: pd.DataFrame) -> np.ndarray:
    # service_level_text is the level as written: two spellings of one level are the same content
    cols = [c for c in frame.columns
            if c not in ("source_file", "source_row", "_raw_hash", "_key_hash", "service_level_text")]
    part = frame[cols].copy()
    for c in cols:   # lists (cause codes, parts) are not hashable: join them; the rest hashes as it is
        if c in LIST_COLUMNS or (part[c].dtype == object and part[c].map(type).eq(list).any()):
            part[c] = part[c].map(lambda v: "\x1f".join(v) if isinstance(v, list) else v)
    try:
        return pd.util.hash_pandas_object(part, index=False).values
    except TypeError:
        return pd.util.hash_pandas_object(part.astype(str), index=False).values


# How each key column of KEYS is made from the raw text: (raw column, normaliser, empty → None).
# Must match the cleaners above (ticket_id = _key_categorical(...), line_no = _present_categorical(...)); the hash built
# from it only has to give equal keys equal hashes, and de-duplication compares the keys themselves.
KEY_SOURCES = {"dispatches": [("ticket_id", normalise_key, False)],
               "sales": [("order_id", normalise_key, False), ("line_no", normalise_text, True)],
               "contracts": [("contract_id", normalise_key, False)], "customers": []}


def _key_hash(frame: pd.DataFrame, table: str) -> np.ndarray:
    """A 64-bit hash of each raw row's key (KEYS), hashed once per distinct value: hashing the
    cleaned key columns of ten million rows later would cost seconds."""
    out = np.zeros(len(frame), dtype=np.uint64)
    for column, normalise, empty_is_none in KEY_SOURCES[table]:
        codes, mapped = _distinct(frame, column, normalise)
        if empty_is_none:
            mapped = np.where(mapped == "", None, mapped)
        hashed = pd.util.hash_array(mapped.astype(object), categorize=False)
        out = out * np.uint64(1_000_003) ^ hashed[codes]
    return out


def _in_file_order(kept: pd.DataFrame) -> pd.DataFrame:
    """The rows in (source_file, source_row) order; most runs give them so already, and the check
    costs far less than reordering every column of ten million rows."""
    files = kept["source_file"]
    codes = files.cat.codes.to_numpy() if isinstance(files.dtype, pd.CategoricalDtype) else \
        pd.factorize(files.to_numpy(dtype=object), sort=True)[0]
    rows = kept["source_row"].to_numpy(dtype=np.int64)
    key = codes.astype(np.int64) * (int(rows.max(initial=0)) + 1) + rows
    if len(key) < 2 or bool((key[1:] >= key[:-1]).all()):
        return kept
    return kept.take(np.argsort(key, kind="stable"))


def deduplicate(table: str, kept: pd.DataFrame):
    """Drop exact duplicates (same raw content) and same-key records.

    Returns ``(kept, duplicates, rejects)``: ``duplicates`` counts dropped copies per source file; a
    key seen with different content keeps the version with the latest update stamp (the other
    copies rejected as ``superseded``) or, when no version is later, rejects all copies as
    ``conflicting_duplicate``. The result does not depend on the order of the rows.

    Only the rows whose key occurs more than once (found by a hash of the key, then compared
    exactly) are looked at row by row; the table is copied once, at the end.
    """
    ordered, rows, counts, rejects = _duplicates(table, kept)
    return _take_columns(ordered.copy(deep=False), rows), counts, rejects


def _values(column: pd.Series):
    """The column's own array, for building a frame without copying: the numpy array itself where it
    has one (a pandas wrapper of an object array costs a missing-value scan of every cell)."""
    return column.array if isinstance(column.dtype, pd.api.extensions.ExtensionDtype) else column.to_numpy()


def _take_columns(frame: pd.DataFrame, rows: np.ndarray, columns: list[str] | None = None) -> pd.DataFrame:
    """``frame.iloc[rows][columns]`` (default: all but the hashes), built column by column and
    emptying ``frame`` as it goes, so that a table and its copy are not both whole in memory (each
    text column, a categorical, is freed as soon as it is copied)."""
    if columns is None:
        columns = [c for c in frame.columns if c not in ("_raw_hash", "_key_hash")]
    out = {}
    for c in columns:
        out[c] = _values(frame[c]).take(rows)
        del frame[c]
    # copy=False: each column stays its own array; consolidating them into 2-D blocks would copy
    # the numeric columns once more, and a block is freed only when all its columns are
    return pd.DataFrame(out, index=pd.Index(rows), copy=False)


def _duplicates(table: str, kept: pd.DataFrame):
    """:func:`deduplicate` up to the copy: ``(the rows in file order, positions to keep, duplicates
    per file, rejects)``."""
    kept = _in_file_order(kept)
    kept = kept.set_axis(pd.RangeIndex(len(kept)), axis=0, copy=False)     # reset_index would copy it all
    raw_hash = kept["_raw_hash"].to_numpy()
    keys = [k for k in KEYS[table] if k in kept and kept[k].notna().any()]
    if table == "sales" and "line_no" not in keys:
        keys = []   # without line numbers an invoice's lines share its id: only exact copies are duplicates
    rejects = []
    if keys:
        key_hash = kept["_key_hash"].to_numpy() if keys == KEYS[table] and "_key_hash" in kept else \
            pd.util.hash_pandas_object(kept[keys], index=False).to_numpy()
        # Rows of the same raw content have the same key, so exact copies are among the rows whose key
        # hash repeats: one pass over all the hashes instead of two (a second each at ten million)
        repeated = np.flatnonzero(pd.Series(key_hash).duplicated(keep=False).to_numpy())
        alive = np.ones(len(kept), dtype=bool)
        alive[repeated[pd.Series(raw_hash[repeated]).duplicated(keep="first").to_numpy()]] = False
        # a key hash shared by two living rows makes them candidates; the rest have a unique key
        living = repeated[alive[repeated]]
        shared = pd.Series(key_hash[living]).duplicated(keep=False).to_numpy()
        candidates = kept.iloc[living[shared]]
        candidates = candidates.assign(_content=_content_hash(candidates))
        same = candidates.duplicated(keys + ["_content"], keep="first")
        alive[candidates.index[same.to_numpy()]] = False
        groups = candidates[~same]
        groups = groups[groups.duplicated(keys, keep=False)]
        if len(groups):
            stamp_cols = [c for c in UPDATE_STAMP.get(table, []) if c in groups]
            stamp = groups[stamp_cols].max(axis=1) if stamp_cols else pd.Series(pd.NaT, index=groups.index)
            groups = groups.assign(_stamp=stamp)
            latest = groups.groupby(keys, dropna=False, observed=True)["_stamp"].transform("max")
            n_latest = groups.assign(_is=groups["_stamp"] == latest).groupby(
                keys, dropna=False, observed=True)["_is"].transform("sum")
            winner = (groups["_stamp"] == latest) & (n_latest == 1)
            has_winner = winner.groupby([groups[k] for k in keys], dropna=False, observed=True).transform("any")
            lose = groups[~winner]
            for row in lose.itertuples():
                code = "superseded" if has_winner[row.Index] else "conflicting_duplicate"
                rejects.append({"table": table, "source_file": row.source_file, "source_row": row.source_row,
                                "reason_code": code,
                                "reason": f"{'/'.join(keys)} {'/'.join(str(getattr(row, k)) for k in keys)!r}: "
                                          f"{REASONS[code]}", "raw": ""})
            alive[lose.index.to_numpy()] = False
            # rejected, not duplicates: counted in the rejects, so out of the duplicate count below
            superseded = np.zeros(len(kept), dtype=bool)
            superseded[lose.index.to_numpy()] = True
        else:
            superseded = None
    else:
        alive = ~pd.Series(raw_hash).duplicated(keep="first").to_numpy()
        superseded = None
    dropped = ~alive if superseded is None else ~alive & ~superseded
    counts = kept["source_file"][dropped].value_counts(sort=False)
    counts = {str(k): int(v) for k, v in counts.items() if v}
    return kept, np.flatnonzero(alive), counts, pd.DataFrame(rejects, columns=REJECT_COLUMNS)


# --- customers across tables -----------------------------------------------------------------------

def _registry(customers: pd.DataFrame, sales: pd.DataFrame) -> pd.DataFrame:
    parts = []
    if len(customers):
        c = customers.copy()
        c["customer_id"] = c["customer_id"].fillna("")
        parts.append(c[["customer_id", "customer_name", "aliases"]])
    if len(sales):
        s = sales.dropna(subset=["customer_id", "customer_name"]).drop_duplicates(["customer_id", "customer_name"])
        parts.append(s[["customer_id", "customer_name"]].assign(aliases=[[] for _ in range(len(s))]))
    if not parts:
        return pd.DataFrame(columns=["customer_id", "customer_name", "aliases"])
    reg = pd.concat(parts, ignore_index=True)
    reg = reg[reg["customer_name"].notna() | (reg["customer_id"] != "")]
    from pipeline.customers import derived_id, name_key
    missing = reg["customer_id"] == ""
    reg.loc[missing, "customer_id"] = reg.loc[missing, "customer_name"].map(lambda n: derived_id(name_key(n)))
    reg["customer_name"] = reg["customer_name"].fillna(reg["customer_id"])
    return reg


def _customer_pairs(table: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """``(codes, pairs)``: the distinct (customer_id, customer_name) pairs of a table in order of first
    appearance, with ``rows`` (how many rows carry each), and each row's pair. Resolution is a
    function of the pair, so it runs on the few thousand pairs, not on ten million rows."""
    def factorized(column):
        if isinstance(column.dtype, pd.CategoricalDtype):     # already: codes and categories
            return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
        return pd.factorize(column.to_numpy(dtype=object))

    ids, id_values = factorized(table["customer_id"])
    names, name_values = factorized(table["customer_name"])
    width = len(name_values) + 1
    codes, combined = pd.factorize((ids.astype(np.int64) + 1) * width + (names + 1))
    id_code, name_code = combined // width - 1, combined % width - 1
    id_values = np.append(np.asarray(id_values, dtype=object), None)       # code -1 (missing) → None
    name_values = np.append(np.asarray(name_values, dtype=object), None)
    pairs = pd.DataFrame({"customer_id": id_values[id_code], "customer_name": name_values[name_code],
                          "rows": np.bincount(codes, minlength=len(combined))})
    return codes, pairs


def resolve_all(tables: dict[str, pd.DataFrame], overrides: dict[str, str]):
    """Give every row of every table its ``customer_id`` and canonical ``customer_name``."""
    pairs = {name: _customer_pairs(t) for name, t in tables.items()
             if name != "customers" and len(t) and "customer_name" in t}
    sales_pairs = pairs["sales"][1] if "sales" in pairs else tables["sales"]
    registry = _registry(tables["customers"], sales_pairs)
    written = [np.repeat(p["customer_name"].to_numpy()[no_id], p["rows"].to_numpy()[no_id])
               for _codes, p in pairs.values() for no_id in [p["customer_id"].isna().to_numpy()]]
    if len(tables["customers"]):
        c = tables["customers"]
        written.append(c["customer_name"][c["customer_id"].isna()].to_numpy())
    names = pd.Series(np.concatenate(written) if written else [], dtype=object).dropna()
    resolution = resolve_customers(registry, names, overrides=overrides)
    by_name = resolution.set_index("name")
    canonical = registry.drop_duplicates("customer_id").set_index("customer_id")["customer_name"]
    seen_parts = []
    for name, (codes, p) in pairs.items():
        table = tables[name]
        need = p["customer_id"].isna()
        p.loc[need, "customer_id"] = p.loc[need, "customer_name"].map(by_name["customer_id"])
        written_name = p["customer_name"]
        p["customer_name"] = p["customer_id"].map(canonical).fillna(
            p["customer_id"].map(by_name.drop_duplicates("customer_id").set_index("customer_id")["canonical_name"])
        ).fillna(written_name)
        # categoricals, like the other text until the end: cheap to sort, validate and copy
        table["customer_id"] = _categorical(codes, p["customer_id"].to_numpy(dtype=object), table.index)
        table["customer_name"] = _categorical(codes, p["customer_name"].to_numpy(dtype=object), table.index)
        seen_parts.append(p[["customer_id", "customer_name"]])
    # the customers table: the registry plus every customer seen only in transactions
    known = registry.drop_duplicates("customer_id")
    attrs = tables["customers"].drop_duplicates("customer_id") if len(tables["customers"]) else None
    seen = pd.concat(seen_parts, ignore_index=True).drop_duplicates("customer_id") if seen_parts else \
        pd.DataFrame(columns=["customer_id", "customer_name"])
    new = seen[~seen["customer_id"].isin(known["customer_id"])]
    customers = pd.concat([known[["customer_id", "customer_name"]], new], ignore_index=True)
    # a customer known only by its id (an export without names) is named by its id
    customers["customer_name"] = customers["customer_name"].where(customers["customer_name"].notna(),
                                                                  customers["customer_id"])
    aliases = resolution.groupby("customer_id")["name"].agg(list)
    listed = (attrs.set_index("customer_id")["aliases"] if attrs is not None else pd.Series(dtype=object))
    customers["aliases"] = [sorted(set((listed.get(c) if isinstance(listed.get(c), list) else []) +
                                       [a for a in aliases.get(c, []) if a != n]))
                            for c, n in zip(customers["customer_id"], customers["customer_name"])]
    for column in ("industry", "tier", "region"):
        customers[column] = customers["customer_id"].map(attrs.set_index("customer_id")[column]) if attrs is not None \
            else None
    customers = customers.sort_values("customer_id").reset_index(drop=True)
    tables["customers"] = customers[PROCESSED_COLUMNS["customers"]]
    return resolution


# --- the whole run --------------------------------------------------------------------------------

@dataclass
class CleanResult:
    tables: dict[str, pd.DataFrame]
    rejects: pd.DataFrame
    customer_names: pd.DataFrame
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    cache_dir: Path | None = None                              # where reused per-file parts were read
    cache_keys: list[str] = field(default_factory=list)        # every part this result uses
    cache_new: dict = field(default_factory=dict)              # key -> (kept, rejects, meta) cleaned now


# --- incremental: per-file parts cached by content ----------------------------------------------------

CACHE_DIR_NAME = ".cache"
# the modules a file's cleaned part depends on: editing one of them invalidates the cache
CACHED_CODE = ("clean.py", "read.py", "fastcsv.py", "parse.py", "eventlog.py", "schema.py", "text.py", "taxonomy.py",
               "sources.py")


def _file_digest(path: Path) -> str:
    return sha256_file(path) if path.exists() else ""


def cache_key(source: Source, file_sha: str, *, run_date, taxonomy_path) -> str:
    """What a file's cleaned part depends on: its bytes, its settings, the program and the rules."""
    import hashlib

    parts = {"sha256": file_sha, "version": __version__, "name": source.name, "table": source.table,
             "columns": source.columns, "options": source.options, "run_date": str(run_date),
             "taxonomy": _file_digest(Path(taxonomy_path)), "product_lines": _file_digest(PRODUCT_LINES_FILE),
             "code": [_file_digest(Path(__file__).with_name(m)) for m in CACHED_CODE]}
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return f"{file_sha[:16]}-{hashlib.sha256(blob).hexdigest()[:16]}"


def _cache_load(cache_dir: Path | None, key: str):
    if cache_dir is None or not (cache_dir / f"{key}.json").exists():
        return None
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        kept = pd.read_parquet(cache_dir / f"{key}.parquet")
        rejects = pd.read_parquet(cache_dir / f"{key}.rejects.parquet")
    except Exception:   # a damaged cache entry is cleaned again, never trusted
        return None
    for col in ("cause_codes", "parts_sent", "parts_used", "aliases"):
        if col in kept:
            kept[col] = kept[col].map(lambda v: list(v) if v is not None else [])
    return kept, rejects, meta


def _cache_write(folder: Path, key: str, entry) -> None:
    kept, rejects, meta = entry
    kept.to_parquet(folder / f"{key}.parquet", index=False)
    rejects.astype({"source_row": "int64"}).to_parquet(folder / f"{key}.rejects.parquet", index=False)
    (folder / f"{key}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def _read_and_clean(job, *, run_date, taxonomy, raw: RawTable | None = None, arrow: bool = True):
    """One raw file → ``(kept, rejects, meta)``: the per-partition task (in this process or on a Dask
    worker). ``raw``: the file already read; ``arrow=False``: the Arrow reader has declined it."""
    source, file_sha = job
    if raw is None:
        raw = read_raw(source.path, source.name, source.table, source.options, source.columns, arrow=arrow)
    if source.path.stat().st_size >= RELEASE_BYTES:
        release_freed_memory()       # the parse's buffers, before cleaning makes its own (2M lines: −0.5 GB)
    kept, rej = clean_rows(source, raw, run_date=run_date, taxonomy=taxonomy)
    meta = {"path": source.name, "table": source.table, "sha256": file_sha,
            "encoding": raw.encoding, "rows_read": raw.rows_read,
            "columns": raw.header_map, "warnings": list(raw.warnings),
            **({"events_read": raw.events_read} if raw.events_read is not None else {})}
    return kept, rej, meta


# Files at least this large have the memory their reading freed returned before they are cleaned.
RELEASE_BYTES = 16 * 2**20


def _read_and_clean_on_worker(job, *, run_date, taxonomy):
    """The dask engine's task: :func:`_read_and_clean`, then the worker's freed heap returned to the
    system (a worker that has parsed a 2M-line file otherwise stays at its peak, 1.5 GB or more)."""
    result = _read_and_clean(job, run_date=run_date, taxonomy=taxonomy)
    release_freed_memory()
    return result


# A raw file at least this large that the Arrow reader cannot take (a workbook, a CSV with blank
# lines or broken quoting) is read and cleaned in a fresh process that ends with it (pandas engine).
# The csv module and openpyxl make a Python object of every cell, and the kept values end up
# scattered among their freed memory, which stays with the process: 2M lines left 2.7 GB held
# after cleaning where the kept tables need 0.8 GB; in a child, 0.9 GB. Arrow keeps cells in its
# own buffers and gives them back, so its files are cleaned here (isolating them cost 40% of the
# 10M-line benchmark's time and saved nothing). Below the size a process start costs more than it saves.
ISOLATE_BYTES = 64 * 2**20


def _read_fast(job) -> RawTable | None:
    """``job``'s file by the Arrow reader, or None where only the slow readers can read it."""
    source = job[0]
    return read_raw(source.path, source.name, source.table, source.options, source.columns, slow=False)


class _ReadAhead:
    """Reads the next large file with the fast reader on a thread while this one is cleaned (pandas
    engine). Arrow parses, and numpy counts the lines, without holding the GIL, so reading file k + 1
    overlaps the Python work of cleaning file k; at most one file is read ahead. A file's read error
    is raised when its turn comes, as it would have been without reading ahead."""

    def __init__(self, jobs: list):
        self._large = [j for j in jobs if j[0].path.stat().st_size >= ISOLATE_BYTES]
        self._next = {id(a): b for a, b in zip(self._large, self._large[1:])}
        self._pending: dict = {}          # id(job) → future of its fast read
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aftercare-read-ahead")

    def read(self, job):
        """``job``'s file by the fast reader (None: it declines the file), then the next one begun."""
        future = self._pending.pop(id(job), None)
        raw = future.result() if future is not None else _read_fast(job)
        following = self._next.get(id(job))
        if following is not None:
            self._pending[id(following)] = self._pool.submit(_read_fast, following)
        return raw

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()


def _read_and_clean_here(job, *, run_date, taxonomy, taxonomy_path, ahead: _ReadAhead | None = None):
    """The pandas engine's task: :func:`_read_and_clean`, in a fresh process for a large file that
    only the slow readers can read. ``ahead``: large files are read one ahead on a thread."""
    source, _sha = job
    if source.path.stat().st_size >= ISOLATE_BYTES:
        raw = ahead.read(job) if ahead is not None else _read_fast(job)
        if raw is not None:
            result = _read_and_clean(job, run_date=run_date, taxonomy=taxonomy, raw=raw)
            del raw
            release_freed_memory()    # the parse's garbage, before the next file adds its own
            return result
        try:
            json.dumps([source.columns, source.options])
        except (TypeError, ValueError):
            pass                 # settings that do not travel as JSON: cleaned here, as a small file is
        else:
            return _read_and_clean_isolated(job, run_date=run_date, taxonomy_path=taxonomy_path)
    return _read_and_clean(job, run_date=run_date, taxonomy=taxonomy)


def _read_and_clean_isolated(job, *, run_date, taxonomy_path):
    """:func:`_read_and_clean` in a child interpreter. The task goes as JSON, the result comes back
    as a cache entry (Parquet + JSON) in a private temporary folder: no pickles. A plain subprocess,
    not multiprocessing: spawning would re-run an analyst's unguarded script, forking would copy the
    tables cleaned so far."""
    import subprocess
    import sys
    import tempfile

    source, file_sha = job
    task = {"source": {"path": str(source.path), "name": source.name, "table": source.table,
                       "columns": source.columns, "options": source.options},
            "sha256": file_sha, "run_date": str(pd.Timestamp(run_date).date()),
            "taxonomy": str(taxonomy_path) if taxonomy_path else None}
    package_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH"))
                                                       if p)}
    with tempfile.TemporaryDirectory(prefix="aftercare-clean-") as tmp:     # mode 0700: ours alone
        folder = Path(tmp)
        (folder / "task.json").write_text(json.dumps(task, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run([sys.executable, "-c", "import sys; from pipeline.clean import _isolated_task; "
                               "_isolated_task(sys.argv[1])", str(folder)],
                              capture_output=True, text=True, env=env, check=False)
        error = folder / "error.json"
        if error.exists():
            e = json.loads(error.read_text(encoding="utf-8"))
            if e["input_error"]:
                raise InputError(e["message"], file=e["file"], row=e["row"], column=e["column"])
            raise PipelineError(e["message"])
        entry = _cache_load(folder, "part")
        if entry is None:
            raise PipelineError(f"{source.name}: the process cleaning this file ended without a result "
                                f"(exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
    return entry


def _isolated_task(folder: str) -> None:
    """The child's side of :func:`_read_and_clean_isolated`: writes the part, or ``error.json``."""
    from pipeline.sources import Source

    folder = Path(folder)
    task = json.loads((folder / "task.json").read_text(encoding="utf-8"))
    src = task["source"]
    source = Source(path=Path(src["path"]), name=src["name"], table=src["table"], columns=src["columns"],
                    options=src["options"])
    taxonomy = load_taxonomy(task["taxonomy"]) if task["taxonomy"] else load_taxonomy()
    try:
        # the parent sends a file here only when the Arrow reader has declined it
        entry = _read_and_clean((source, task["sha256"]), run_date=pd.Timestamp(task["run_date"]),
                                taxonomy=taxonomy, arrow=False)
    except InputError as e:             # raised again in the parent, with its file, row and column
        out = {"input_error": True, "message": e.detail, "file": e.file, "row": e.row, "column": e.column}
    except PipelineError as e:
        out = {"input_error": False, "message": str(e)}
    else:
        _cache_write(folder, "part", entry)
        return
    (folder / "error.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def clean(raw_dir, *, sources_file=None, run_date=None, taxonomy_path=None, progress=None,
          cache_dir=None, engine="pandas", scheduler=None) -> CleanResult:
    """Clean every raw export in ``raw_dir`` (tables are written by :func:`write_processed`).

    ``cache_dir`` (usually ``PROCESSED/.cache``): a raw file whose bytes, settings, program version
    and taxonomy are unchanged is not parsed again; its cleaned part is read from there, and a file
    cleaned now has its part written there at once (the only thing ``clean`` writes).
    :func:`write_processed` writes the parts this run used into ``out_dir/.cache``.

    ``engine``: ``"pandas"`` (here) or ``"dask"`` (each file read and cleaned as a task on a Dask
    cluster: ``scheduler`` is its address, or None for a local one on 127.0.0.1), or an open
    :class:`pipeline.engine.Engine`. Both give the same tables. ``progress``: True shows a bar per
    stage on a terminal (None: when stderr is one); a callable wraps the list of sources (old use).
    The result's ``manifest["stages"]`` gives the rows and seconds of each stage (written to
    ``timings.json``, not to ``manifest.json``, which stays identical for identical inputs).
    """
    from pipeline.engine import Engine, open_engine

    if isinstance(engine, Engine):
        with contextlib.nullcontext(engine) as opened:
            return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, opened)
    if engine in (None, "pandas") and not scheduler:
        return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, Engine("pandas"))
    with open_engine(engine, scheduler) as opened:
        return _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, opened)


def _clean(raw_dir, sources_file, run_date, taxonomy_path, progress, cache_dir, engine) -> CleanResult:
    from pipeline.progress import Stages, bar, want_bars
    from pipeline.taxonomy import DEFAULT_TAXONOMY

    show = want_bars(progress) if not callable(progress) else False
    stages = Stages(show)
    run_date = pd.Timestamp(run_date or dt.date.today()).normalize()
    taxonomy = load_taxonomy(taxonomy_path) if taxonomy_path else load_taxonomy()
    cache_dir = Path(cache_dir) if cache_dir is not None else None
    cache_keys: list[str] = []
    cache_new: dict = {}
    raw_dir = Path(raw_dir)
    parts: dict[str, list[pd.DataFrame]] = {t: [] for t in PROCESSED_COLUMNS}
    rejects: list[pd.DataFrame] = []
    files = []
    with stages.stage("discover + hash files") as st:
        sources = discover(raw_dir, sources_file)
        listed = progress(sources) if callable(progress) else sources
        entries = []          # (source, key, cached entry or None)
        hashing = bar(len(sources), "hash files", "files", show)
        listed = list(listed)
        for source in listed:      # refuse an oversized file before spending seconds hashing any
            check_size(source.path, source.options.get("max_file_gib", MAX_FILE_GIB))
        # hashlib lets go of the GIL while it hashes: one file per core (1.6 GB: 1.2 s → 0.7 s)
        with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
            for source, file_sha in zip(listed, pool.map(lambda s: sha256_file(s.path), listed)):
                key = cache_key(source, file_sha, run_date=run_date.date(),
                                taxonomy_path=taxonomy_path or DEFAULT_TAXONOMY)
                entries.append((source, file_sha, key, _cache_load(cache_dir, key)))
                hashing.update()
        hashing.close()
        st["rows"] = None
        st["files"] = len(entries)
    todo, key_of = [], {}                 # the files to clean, and each one's cache key
    for source, file_sha, key, cached in entries:
        if cached is None:
            todo.append((source, file_sha))
            key_of[id(todo[-1])] = key
    with stages.stage(f"read + clean ({engine.name})") as st:
        files_bar = bar(len(todo), "read + clean", "files", show)
        from pipeline.engine import map_tasks
        ahead = None if engine.is_dask else _ReadAhead(todo)
        task = _read_and_clean_on_worker if engine.is_dask else functools.partial(
            _read_and_clean_here, taxonomy_path=taxonomy_path, ahead=ahead)
        # Each file's part goes into the cache at once (holding every part until write_processed
        # doubled the memory of a run); with pandas, on a thread while the next file is cleaned (a
        # 2M-line part takes a second to write). The parts are not touched until de-duplication,
        # which starts after the last write has ended.
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aftercare-cache-write") \
            if cache_dir is not None and not engine.is_dask and todo else None
        writes = []
        if writer is not None:
            cache_dir.mkdir(parents=True, exist_ok=True)
            clean_file = task

            def clean_and_cache(job, **kwargs):
                result = clean_file(job, **kwargs)
                writes.append(writer.submit(_cache_write, cache_dir, key_of[id(job)], result))
                return result
            task = clean_and_cache
        try:
            fresh = iter(map_tasks(engine, task, todo, progress=files_bar.update,
                                   run_date=run_date, taxonomy=taxonomy))
            for written in writes:
                written.result()          # a failed write fails the run, as it did when written here
        finally:
            if ahead is not None:
                ahead.close()
            if writer is not None:
                writer.shutdown(wait=True, cancel_futures=True)
        files_bar.close()
        if engine.is_dask and todo:
            engine.client.run(release_freed_memory)     # idle workers keep nothing for the next stages
        for source, file_sha, key, cached in entries:
            if cached is not None:
                kept, rej, meta = cached
            else:
                kept, rej, meta = next(fresh)
                if cache_dir is not None and writer is None:       # (json last: never half read)
                    cache_dir.mkdir(parents=True, exist_ok=True)
                    _cache_write(cache_dir, key, (kept, rej, meta))
                elif cache_dir is None:
                    cache_new[key] = (kept, rej, meta)
            cache_keys.append(key)
            parts[source.table].append(kept)
            if len(rej):
                rejects.append(rej)
            files.append(dict(meta))
        st["rows"] = sum(f["rows_read"] for f in files)
        st["files"] = len(todo)
        st["cached_files"] = len(entries) - len(todo)
        # the kept parts now live in `parts` (and, without a cache folder, in cache_new) only, so
        # that de-duplication can let them go table by table
        del fresh, entries, kept, rej, cached
    tables, duplicates = {}, {}
    with stages.stage("de-duplicate", rows=sum(len(f) for frames in parts.values() for f in frames)):
        for table in list(parts):
            frames = [f for f in parts.pop(table) if len(f)]      # popped: the parts die with the concat
            if not frames:
                tables[table] = pd.DataFrame(columns=PROCESSED_COLUMNS[table] + ["_raw_hash"]).drop(
                    columns="_raw_hash")
                continue
            combined = _combine_parts(frames)
            del frames
            ordered, rows, counts, rej = _duplicates(table, combined)
            del combined              # `ordered` is the only holder now: the copy below empties it
            deduped = _take_columns(ordered, rows)
            del ordered
            release_freed_memory()
            duplicates.update(counts)
            if len(rej):
                rejects.append(rej)
            tables[table] = deduped
    resolve_stage = stages.stage("resolve customers + sort", rows=sum(len(t) for t in tables.values()))
    with resolve_stage:
        resolution = _resolve_and_sort(tables, raw_dir)
        release_freed_memory()
    with stages.stage("account + validate", rows=sum(len(t) for t in tables.values())):
        all_rejects = _account(tables, rejects, files, duplicates)
        for name in tables:                        # the processed tables hold plain text
            tables[name] = _with_plain_text(tables[name])
    manifest = {"version": __version__, "run_date": run_date.date().isoformat(),
                "parameters": {"raw": str(raw_dir), "sources": str(sources_file) if sources_file else None,
                               "run_date": run_date.date().isoformat(), "fuzzy_threshold": 88.0},
                "engine": engine.name,
                "files": files,
                "tables": {name: len(t) for name, t in tables.items()},
                "customer_merges": int(resolution["method"].isin(["fuzzy", "contained", "abbreviation"]).sum()),
                "stages": stages.summary}
    return CleanResult(tables=tables, rejects=all_rejects, customer_names=resolution, manifest=manifest,
                       cache_dir=cache_dir, cache_keys=cache_keys, cache_new=cache_new)


def _combine_parts(frames: list[pd.DataFrame]) -> pd.DataFrame:
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
    return pd.DataFrame(out, copy=False)          # unconsolidated, as in _take_columns


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


def _sorted_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
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


def _resolve_and_sort(tables, raw_dir):
    resolution = resolve_all(tables, load_overrides(raw_dir))
    for table in ("dispatches", "sales", "contracts"):
        t = tables[table]
        sort = {"dispatches": ["reported_at", "ticket_id"], "sales": ["order_date", "order_id", "line_no"],
                "contracts": ["start_date", "contract_id"]}[table]
        columns = PROCESSED_COLUMNS[table] + [c for c in EXTRA_COLUMNS[table] if c in t]
        if not len(t):
            tables[table] = t.reindex(columns=columns)
            continue
        order = _sorted_order(t, sort + ["source_file", "source_row"])
        tables[table] = None                   # `t` the only holder: the copy below empties it
        t = _take_columns(t, order, columns)
        t.index = pd.RangeIndex(len(t))
        tables[table] = t           # text still categorical: accounted and validated so, then made plain

    return resolution


def _account(tables, rejects, files, duplicates):
    all_rejects = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    all_rejects = all_rejects.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)
    all_rejects["source_row"] = all_rejects["source_row"].astype("int64")
    kept_per_file = {}
    for t in tables.values():
        if "source_file" in t and len(t):
            for path, n in t["source_file"].value_counts(sort=False).items():
                kept_per_file[path] = kept_per_file.get(path, 0) + int(n)
    rejects_by_file = dict(list(all_rejects.groupby("source_file", sort=False))) if len(all_rejects) else {}
    no_rejects = all_rejects.iloc[:0]
    for entry in files:
        mine = rejects_by_file.get(entry["path"], no_rejects)
        kept = kept_per_file.get(entry["path"], 0)
        if entry["table"] == "customers":
            kept = entry["rows_read"] - len(mine) - duplicates.get(entry["path"], 0)
        entry.update(rows_kept=kept, rows_rejected=len(mine), duplicates=int(duplicates.get(entry["path"], 0)),
                     rejected_by_reason={k: int(v) for k, v in mine["reason_code"].value_counts().sort_index().items()})
        if entry["rows_read"] != entry["rows_kept"] + entry["rows_rejected"] + entry["duplicates"]:
            raise PipelineError(f"{entry['path']}: row accounting does not add up ({entry}); this is a bug")
    from pipeline.validate import validate_tables
    validate_tables({**tables, "rejects": all_rejects})
    return all_rejects


PARTITION_ROWS = 1_000_000


# Rows converted to Arrow at a time when writing: converting a whole table of ten million rows
# would hold a second copy of it (its text made into Arrow strings) next to the first.
WRITE_CHUNK_ROWS = 1_000_000


def write_table(table: pd.DataFrame, path: Path, *, partitioned: bool = False,
                partition_rows: int = PARTITION_ROWS) -> None:
    """One processed table: a single Parquet file, or (``partitioned``) a folder ``path/`` of parts
    ``part.00000.parquet`` … of ``partition_rows`` rows each, one schema, in row order.

    Either way ``pd.read_parquet(path)`` (and Dask's ``read_parquet``) reads the whole table back.
    The table is converted to Arrow a million rows at a time, against one schema for the whole table
    (a chunk whose text column is all missing must not make it a column of nulls): the one pyarrow
    would infer from every row, found from a telling value per column (:func:`_sampled_schema`).
    """
    import pyarrow as pa

    if not partitioned and len(table) <= WRITE_CHUNK_ROWS:
        table.to_parquet(path, index=False)
        return
    try:
        _write_chunks(table, path, _sampled_schema(table), partitioned, partition_rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # a value the sampled type does not fit: the schema from every row, as pyarrow infers it
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        _write_chunks(table, path, pa.Schema.from_pandas(table, preserve_index=False), partitioned, partition_rows)


def _sampled_schema(table: pd.DataFrame):
    """The schema pyarrow infers for ``table``, from one row per column: an object column's first
    value that says what it holds (not missing; a list with items if there is one). pyarrow's own
    inference reads every cell of every text column (6 s at ten million rows). A later value of
    another kind makes its chunk's conversion fail, and :func:`write_table` then infers from every row."""
    import pyarrow as pa

    if not len(table):
        return pa.Schema.from_pandas(table, preserve_index=False)
    sample = {}
    for c in table.columns:
        column = table[c]
        if column.dtype != object:
            sample[c] = column.iloc[:1].reset_index(drop=True)
            continue
        first = telling = None
        for part in (column.iloc[:1024], column):      # the head first; the whole column if need be
            values = part.to_numpy()
            for v in values[pd.notna(values)]:
                first = v if first is None else first
                if not (isinstance(v, list) and not v):
                    telling = v
                    break
            if telling is not None:
                break
        sample[c] = pd.Series([telling if telling is not None else first], dtype=object)
    return pa.Schema.from_pandas(pd.DataFrame(sample), preserve_index=False)


def _write_chunks(table: pd.DataFrame, path: Path, schema, partitioned: bool, partition_rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def chunks(rows: int):
        for start in range(0, max(len(table), 1), max(int(rows), 1)):
            yield pa.Table.from_pandas(table.iloc[start:start + rows], schema=schema, preserve_index=False)

    if partitioned:
        path.mkdir()
        for i, part in enumerate(chunks(partition_rows)):
            pq.write_table(part, path / f"part.{i:05d}.parquet")
        return
    with pq.ParquetWriter(path, schema) as writer:
        for part in chunks(WRITE_CHUNK_ROWS):
            writer.write_table(part)


def write_processed(result: CleanResult, out_dir, *, partitioned: bool | None = None) -> Path:
    """Write the processed tables, rejects, customer-name resolutions and manifest as one atomic swap.

    ``partitioned`` (default: when the run used the dask engine): the row tables (dispatches, sales,
    contracts, rejects) are written as folders of Parquet parts, which Dask workers read in parallel.
    """
    out_dir = Path(out_dir)
    if partitioned is None:
        partitioned = result.manifest.get("engine") == "dask"
    with atomic_dir(out_dir) as tmp:
        for name, table in result.tables.items():
            write_table(table, tmp / f"{name}.parquet", partitioned=partitioned and name != "customers")
        write_table(result.rejects, tmp / "rejects.parquet", partitioned=partitioned)
        result.customer_names.to_parquet(tmp / "customer_names.parquet", index=False)
        # seconds differ from run to run: they go beside the manifest, so that the same inputs give
        # the same manifest byte for byte
        manifest = {k: v for k, v in result.manifest.items() if k != "stages"}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                           encoding="utf-8")
        (tmp / "timings.json").write_text(json.dumps(result.manifest.get("stages", []), indent=2) + "\n",
                                          encoding="utf-8")
        if result.cache_keys and (result.cache_new or result.cache_dir is not None):
            cache = tmp / CACHE_DIR_NAME
            cache.mkdir()
            for key in result.cache_keys:
                if key in result.cache_new:
                    _cache_write(cache, key, result.cache_new[key])
                elif result.cache_dir is not None:
                    for suffix in (".parquet", ".rejects.parquet", ".json"):
                        shutil.copy2(result.cache_dir / f"{key}{suffix}", cache / f"{key}{suffix}")
        keep = out_dir / ".gitkeep"
        if keep.exists():
            (tmp / ".gitkeep").touch()
    return out_dir


def read_processed_table(path, columns=None, *, list_columns: str = "python",
                         text_columns: str = "python") -> pd.DataFrame:
    """One processed table (a Parquet file or a folder of parts).

    ``list_columns="arrow"`` keeps list columns (``cause_codes``, ``parts_sent``, ``parts_used``) as
    Arrow lists (``pd.ArrowDtype``), otherwise each cell is a numpy array; ``text_columns="arrow"``
    keeps plain text columns (ids, names) as Arrow strings instead of a Python string per cell.
    Either is read without making a Python object per cell (a million ticket ids: 0.33 s → 0.02 s);
    the pipeline's functions accept both forms.
    """
    for name, value in (("list_columns", list_columns), ("text_columns", text_columns)):
        if value not in ("python", "arrow"):
            raise ValueError(f"{name} must be 'python' or 'arrow', not {value!r}")
    if list_columns == text_columns == "python":
        return pd.read_parquet(path, columns=columns)
    import pyarrow as pa
    import pyarrow.parquet as pq

    def mapper(t):
        if list_columns == "arrow" and (pa.types.is_list(t) or pa.types.is_large_list(t)):
            return pd.ArrowDtype(t)
        if text_columns == "arrow" and (pa.types.is_string(t) or pa.types.is_large_string(t)):
            return pd.ArrowDtype(t)
        return None

    return pq.read_table(path, columns=columns).to_pandas(types_mapper=mapper)


def load_processed(processed_dir, *, list_columns: str = "python") -> dict[str, pd.DataFrame]:
    """The processed tables, as analysts and notebooks use them.

    A table is a Parquet file or a folder of Parquet parts (written by the dask engine); both read
    the same. ``list_columns``: ``"python"`` (default) gives each list cell as a Python list;
    ``"arrow"`` keeps the list columns Arrow-backed, read without a per-row conversion (about a
    second per million dispatches saved), which the service functions read directly.
    """
    processed_dir = Path(processed_dir)
    if not (processed_dir / "manifest.json").exists():
        raise PipelineError(f"{processed_dir}: no processed data (manifest.json missing); run `python -m pipeline "
                            f"clean` or `make report` first")
    out = {name: read_processed_table(processed_dir / f"{name}.parquet", list_columns=list_columns) for name in
           [*PROCESSED_COLUMNS, "rejects", "customer_names"]}
    if list_columns == "arrow":
        return out
    for name in ("dispatches",):
        for col in ("cause_codes", "parts_sent", "parts_used"):
            out[name][col] = out[name][col].map(lambda v: list(v) if v is not None else [])
    return out


def load_manifest(processed_dir) -> dict:
    return json.loads((Path(processed_dir) / "manifest.json").read_text(encoding="utf-8"))
