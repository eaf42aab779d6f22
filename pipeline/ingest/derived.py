"""What a raw file lacks, made up as the contract says and noted in its manifest entry: the order id of a
sales export without one (a customer's purchases on one day), and the note that a ticket export has no
customer column."""

from __future__ import annotations

import pandas as pd

from pipeline.ingest.read import RawTable

NO_CUSTOMER_COLUMN = "no_customer_column"


def with_customer_note(raw: RawTable) -> RawTable:
    """A dispatch export with no customer column at all is read without customers, and says so."""
    if {"customer_id", "customer_name"} & set(raw.frame.columns):
        return raw
    raw.warnings = [*raw.warnings, {
        "code": NO_CUSTOMER_COLUMN,
        "message": "has no customer column: its tickets are read without a customer (the customer-level "
                   "sections cannot use them); if the export has one, map it in sources.yml: columns: "
                   "{customer_name: <its header>} or {customer_id: <its header>}"}]
    return raw


ORDER_FROM_CUSTOMER_DAY = "order_from_customer_day"


def with_derived_order_id(raw: RawTable, options: dict) -> RawTable:
    """A sales export without an order id (CDNOW): an order is a customer's purchases on one day, so
    ``order_id`` is ``<customer>/<YYYY-MM-DD>`` (``00001/1997-01-01``), the customer as written
    (customer_id, else customer_name) and the day as the cleaner reads the date (same options). A
    date that cannot be read stays as written (the row is rejected for its date anyway). The file's
    manifest entry says so (warning ``order_from_customer_day``)."""
    from pipeline.clean.parse import DateOptions, factorize_text, parse_dates
    from pipeline.runtime.frames import categorical_from_codes

    frame = raw.frame
    who = "customer_id" if "customer_id" in frame else "customer_name"
    if who not in frame or "order_date" not in frame:
        return raw
    c_codes, customers = factorize_text(frame[who])
    d_codes, dates = factorize_text(frame["order_date"])
    opts = DateOptions(date_format=options.get("date_format"), date_order=options.get("date_order"),
                       roc_years=bool(options.get("roc_years", False)), excel_epoch=raw.excel_epoch,
                       time_zone=options.get("time_zone"))
    parsed, _why = parse_dates(pd.Series(dates, dtype=object), opts)
    days = [d.strftime("%Y-%m-%d") if pd.notna(d) else text.strip() for d, text in zip(parsed, dates)]
    pair_codes, pairs = pd.factorize(c_codes.astype("int64") * max(1, len(dates)) + d_codes.astype("int64"))
    values = [f"{customers[p // max(1, len(dates))].strip()}/{days[p % max(1, len(dates))]}" for p in pairs]
    merged, distinct = pd.factorize(pd.Series(values, dtype=object))
    order = categorical_from_codes(merged[pair_codes], distinct.to_numpy(dtype=object))
    position = list(frame.columns).index(who)
    frame = frame.copy(deep=False)
    frame.insert(position, "order_id", pd.Series(order, index=frame.index))
    example = values[0] if values else "C1/2024-01-31"
    raw.frame = frame
    raw.warnings = [*raw.warnings, {
        "code": ORDER_FROM_CUSTOMER_DAY, "column": who,
        "message": f"has no order id column: an order is taken to be one customer's purchases on one day, its "
                   f"order_id made of {who} and order_date (e.g. {example!r}); if the export has an order id, map "
                   f"it in sources.yml: columns: {{order_id: <its header>}}"}]
    return raw
