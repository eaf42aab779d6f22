"""One raw file's rows typed into the processed columns, the bad ones rejected with a reason.

:func:`clean_rows` needs nothing from other rows or files, so it runs partition by partition (one task
per file on Dask, see :mod:`pipeline.clean.engine`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.clean.columns import (
    blank_mask,
    clear_text_cache,
    distinct_text,
    key_categorical,
    on_distinct,
    present_categorical,
    present_text,
    text_column,
)
from pipeline.clean.dedupe import key_hash
from pipeline.clean.parse import (
    DateOptions,
    factorize_text,
    parse_booleans,
    parse_dates,
    parse_numbers,
    split_list,
    split_type_model,
)
from pipeline.clean.reasons import RowReasons
from pipeline.clean.taxonomy import Taxonomy, code_causes, code_symptoms, given_codes, map_causes, map_parts
from pipeline.clean.vocabulary import read_business_hours, read_levels, read_sla_targets, read_tiers
from pipeline.contract import REJECT_COLUMNS
from pipeline.contract.options import DEFAULT_NULL_TOKENS, DEFAULT_RETURN_PREFIXES
from pipeline.errors import InputError
from pipeline.ingest.read import RawTable
from pipeline.ingest.sources import Source
from pipeline.runtime.frames import column_values
from pipeline.runtime.text import normalise_key

TOTAL_MARKERS = {"合計", "合计", "總計", "总计", "小計", "小计", "total", "grand total", "subtotal", "sum"}

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


def _dates(frame, column, reasons, options, run_date, *, required=False):
    if column not in frame:
        return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    values, why = parse_dates(frame[column], options, run_date=run_date)
    reasons.flag_per_row(why, column, frame[column])
    if required:
        reasons.flag(blank_mask(frame, column), "missing_date", column)
    return values


def _total_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    for column in columns:
        if column in frame:
            codes, mapped = distinct_text(frame, column)
            total = np.array([m.casefold() in TOTAL_MARKERS for m in mapped], dtype=bool)
            mask |= total[codes]
    return mask


def _customer(frame, reasons, *, categorical: bool = True, optional: bool = False, keep_missing: bool = False):
    # optional: a dispatch export with no customer column at all (BPIC, many IT service desks) is read
    # with no customer; one that has the column but an empty cell still rejects that row, unless the
    # source keeps such tickets (options.missing_customer: keep)
    if not (optional and (keep_missing or ("customer_name" not in frame and "customer_id" not in frame))):
        reasons.flag(blank_mask(frame, "customer_name") & blank_mask(frame, "customer_id", normalise_key),
                     "missing_customer", "customer_name")
    present = present_categorical if categorical else present_text
    return present(frame, "customer_id", normalise_key), present(frame, "customer_name")


def clean_dispatch_rows(frame, options: DateOptions, run_date, taxonomy: Taxonomy, service_levels=None,
                        keep_missing_customer: bool = False, coded_columns=()):
    r = RowReasons(frame.index)
    r.flag(_total_rows(frame, ["ticket_id", "customer_name"]), "total_row", None)
    ticket = key_categorical(frame, "ticket_id")
    r.flag(blank_mask(frame, "ticket_id", normalise_key), "missing_id", "ticket_id")
    reported = _dates(frame, "reported_at", r, options, run_date, required=True)
    arrived = _dates(frame, "arrived_at", r, options, run_date)
    closed = _dates(frame, "closed_at", r, options, run_date)
    r.flag(arrived < reported, "arrived_before_reported", "arrived_at", frame.get("arrived_at"))
    r.flag(closed < reported, "closed_before_reported", "closed_at", frame.get("closed_at"))
    cid, name = _customer(frame, r, optional=True, keep_missing=keep_missing_customer)
    # options.service_levels: how this export writes levels ({"Value 2": "7x24x4"}); a level neither
    # recognised nor mapped is kept as written (pipeline.clean.vocabulary)
    level = read_levels(frame, service_levels)
    if "machine_type_model" in frame:
        machine = on_distinct(frame, "machine_type_model", split_type_model, raw=True)
    else:
        machine = pd.DataFrame({"machine_type": present_text(frame, "machine_type"),
                                "machine_model": present_text(frame, "machine_model")}, index=frame.index)
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
        "serial": present_categorical(frame, "serial"),
        "symptom_text": present_categorical(frame, "symptom_text"),
        # options.coded_columns: the export's own codes, taken as they are instead of coded from text
        **on_distinct(frame, "symptom_text", (lambda t: given_codes(t, "symptoms")) if "symptom_text" in coded_columns
                      else (lambda t: code_symptoms(t, taxonomy))),
        "cause_text": present_categorical(frame, "cause_text"),
        **on_distinct(frame, "cause_text", (lambda t: given_codes(t, "causes")) if "cause_text" in coded_columns
                      else (lambda t: code_causes(t, taxonomy))),
        "predicted_cause_code": on_distinct(frame, "predicted_cause_text", first_cause),
        "parts_sent": on_distinct(frame, "parts_sent", part_codes),
        "parts_used": on_distinct(frame, "parts_used", part_codes),
        "visits": pd.array(visits.round(), dtype="Int64"),
        "engineer": present_categorical(frame, "engineer"), "branch": present_categorical(frame, "branch"),
    }, index=frame.index)
    out["first_time_fix"] = (out["visits"] == 1).astype("boolean")
    if not blank_mask(frame, "service_level").all():
        out["service_level_text"] = present_categorical(frame, "service_level")
    lines = product_lines()
    out["product_series"] = out["machine_type"].map(lines["series"]).where(lambda v: v.notna() & (v != ""), None)
    out["product_line"] = out["machine_type"].map(lines["product_line"]).where(lambda v: v.notna() & (v != ""), None)
    if "updated_at" in frame:     # a state log's update time: orders the record's states
        out["updated_at"] = _dates(frame, "updated_at", r, options, run_date, required=True)
    if "made_sla" in frame:      # the export's own SLA flag (ServiceNow's made_sla)
        made, bad_made = parse_booleans(frame["made_sla"])
        r.flag(bad_made, "bad_boolean", "made_sla", frame["made_sla"])
        out["made_sla"] = made
    for column in ("events", "reassignments"):
        if f"extra:{column}" in frame:
            values, _bad = parse_numbers(frame[f"extra:{column}"])
            out[column] = pd.array(values.round(), dtype="Int64")
    return out, r


def clean_sales_rows(frame, options: DateOptions, run_date, return_prefixes=("C",), currency=None):
    r = RowReasons(frame.index)
    r.flag(_total_rows(frame, ["order_id", "customer_name", "customer_id"]), "total_row", None)
    order = key_categorical(frame, "order_id")
    r.flag(blank_mask(frame, "order_id", normalise_key), "missing_id", "order_id")
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
        codes, keys = distinct_text(frame, "order_id", normalise_key)
        is_return |= np.array([k.startswith(prefixes) for k in keys], dtype=bool)[codes]
    out = pd.DataFrame({
        "order_id": order, "line_no": present_categorical(frame, "line_no"), "customer_id": cid, "customer_name": name,
        "order_date": date, "product_id": present_categorical(frame, "product_id", normalise_key),
        "product_name": present_categorical(frame, "product_name"),
        "product_category": present_categorical(frame, "product_category"),
        "quantity": numbers["quantity"], "unit_price": numbers["unit_price"], "discount": discount,
        "amount": amount.round(2),
        "currency": present_categorical(frame, "currency", fill=currency or None),
        "channel": present_categorical(frame, "channel"), "is_return": is_return.fillna(False).astype(bool),
    }, index=frame.index)
    if "updated_at" in frame:
        out["updated_at"] = _dates(frame, "updated_at", r, options, run_date, required=True)
    return out, r


def clean_customer_rows(frame, options, run_date, tiers=None):
    r = RowReasons(frame.index)
    cid, name = _customer(frame, r, categorical=False)     # the registry is small and edited in place
    aliases = split_list(text_column(frame, "aliases").str.replace("|", ";", regex=False)) if "aliases" in frame else \
        pd.Series([[] for _ in range(len(frame))], index=frame.index, dtype=object)
    out = pd.DataFrame({"customer_id": cid, "customer_name": name, "aliases": aliases,
                        "industry": present_text(frame, "industry"),
                        "tier": read_tiers(frame, tiers),       # options.tiers; others kept as written
                        "region": present_text(frame, "region")}, index=frame.index)
    return out, r


def clean_contract_rows(frame, options: DateOptions, run_date, service_levels=None):
    r = RowReasons(frame.index)
    r.flag(_total_rows(frame, ["contract_id", "customer_name"]), "total_row", None)
    contract = key_categorical(frame, "contract_id")
    r.flag(blank_mask(frame, "contract_id", normalise_key), "missing_id", "contract_id")
    cid, name = _customer(frame, r)
    start = _dates(frame, "start_date", r, options, None, required=True)
    end = _dates(frame, "end_date", r, options, None, required=True)
    r.flag(end < start, "end_before_start", "end_date", frame.get("end_date"))
    level = read_levels(frame, service_levels)
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
    if raw.iso_dates:       # an event log's folded dates: already read with the options, written as ISO text
        return DateOptions(excel_epoch=raw.excel_epoch)
    return DateOptions(date_format=o.get("date_format"), date_order=o.get("date_order"),
                       roc_years=bool(o.get("roc_years", False)), excel_epoch=raw.excel_epoch,
                       time_zone=o.get("time_zone"))


def _raw_json(raw: RawTable, rows: pd.Index) -> list[str]:
    back = dict(raw.header_map.items())
    frame = raw.frame.loc[rows]
    names = [back.get(c, c.removeprefix("extra:")) for c in frame.columns]
    return [json.dumps(dict(zip(names, values)), ensure_ascii=False) for values in frame.itertuples(index=False)]


def clean_rows(source: Source, raw: RawTable, *, run_date, taxonomy: Taxonomy):
    """Type one raw file's rows. Returns ``(kept, rejects)``; needs nothing from other rows or files."""
    clear_text_cache()
    try:
        return _clean_rows(source, raw, run_date=run_date, taxonomy=taxonomy)
    finally:
        clear_text_cache()


def _clean_rows(source: Source, raw: RawTable, *, run_date, taxonomy: Taxonomy):
    options = _date_options(source, raw)
    frame = apply_null_tokens(raw.frame, source.options.get("null_tokens"))
    if source.table == "dispatches":
        try:                # a wrong shape of the SLA options stops here, naming the file
            read_sla_targets(source.options.get("sla_targets"))
            read_business_hours(source.options.get("business_hours"))
        except InputError as error:
            raise InputError(error.detail, file=source.path) from None
        out, r = clean_dispatch_rows(frame, options, run_date, taxonomy, source.options.get("service_levels"),
                                     keep_missing_customer=source.options.get("missing_customer") == "keep",
                                     coded_columns=tuple(source.options.get("coded_columns") or ()))
    elif source.table == "sales":
        prefixes = source.options.get("return_prefixes", DEFAULT_RETURN_PREFIXES)
        if isinstance(prefixes, str):
            prefixes = [prefixes]
        out, r = clean_sales_rows(frame, options, run_date, prefixes, currency=source.options.get("currency"))
    elif source.table == "customers":
        out, r = clean_customer_rows(frame, options, run_date, source.options.get("tiers"))
    else:
        out, r = clean_contract_rows(frame, options, run_date, source.options.get("service_levels"))
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
    columns = {c: column_values(out[c]) if every else column_values(out[c]).take(keep) for c in out.columns}
    columns["source_file"] = pd.Categorical.from_codes(np.zeros(len(keep), dtype=np.int8), categories=[raw.name])
    columns["source_row"] = out.index.to_numpy(dtype=np.int64)[keep]
    columns["_raw_hash"] = pd.util.hash_pandas_object(frame, index=False).to_numpy()[keep]
    columns["_key_hash"] = key_hash(frame, source.table)[keep]
    kept = pd.DataFrame(columns, index=pd.RangeIndex(len(keep)), copy=False)
    return kept, pd.concat([d for d in (physical, rejects) if len(d)], ignore_index=True) if (
        len(physical) or len(rejects)) else pd.DataFrame(columns=REJECT_COLUMNS)
