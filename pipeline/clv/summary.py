"""Transaction log to the per-customer summary the models are fitted on: frequency, recency, T and
monetary value, optionally split into a calibration and a holdout period (:func:`rfm_summary`).

Follows ``lifetimes.utils.summary_data_from_transaction_data`` and ``calibration_and_holdout_data``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

# time units for rfm_summary: name -> length in days
_FREQ_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0, "H": 1.0 / 24.0}


def _day_numbers(t) -> np.ndarray:
    """Whole days since 1970-01-01 (floored) of datetime-like values, as int64."""
    return np.asarray(t, dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)


def _summarise(tx: pd.DataFrame, cust: str, end: pd.Timestamp, unit_days: float,
               collapse: str, has_value: bool) -> pd.DataFrame:
    """frequency / recency / T / monetary_value from transactions with `_t` (Timestamp), `_v`.

    On integer codes with numpy (no pandas groupby): this is the per-customer pass over every order
    line, so it is written to cost about what a column store's GROUP BY costs."""
    codes, customers = pd.factorize(tx[cust], sort=True)
    n_customers = len(customers)
    day = _day_numbers(tx["_t"])
    first = np.full(n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, day)
    days_since = day - first[codes]
    if collapse == "D":
        bucket = days_since
    else:  # collapse == "period": periods of length unit_days counted from the first purchase
        bucket = np.floor(days_since / unit_days).astype(np.int64)
    # one row per (customer, bucket): a purchase occasion, keyed customer * stride + bucket
    stride = int(bucket.max()) + 1
    occasion, occasion_index = pd.factorize(codes.astype(np.int64) * stride + bucket)
    n_occasions = len(occasion_index)
    occ_customer = np.empty(n_occasions, dtype=np.int64)
    occ_customer[occasion] = codes
    occ_days = np.full(n_occasions, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(occ_days, occasion, days_since)     # an occasion's time: its first day
    occ_repeat = np.asarray(occasion_index) % stride > 0      # bucket > 0: not the first occasion
    occasions = np.bincount(occ_customer, minlength=n_customers)
    recency_days = np.zeros(n_customers, dtype=np.int64)
    np.maximum.at(recency_days, occ_customer, occ_days)
    end_day = int(_day_numbers([end.floor("D")])[0])
    out = pd.DataFrame({"frequency": (occasions - 1).astype(np.int64),
                        "recency": recency_days / unit_days,
                        "T": (end_day - first) / unit_days},
                       index=pd.Index(customers, name=cust))
    if has_value:
        occ_value = np.bincount(occasion, weights=tx["_v"].to_numpy(dtype=float), minlength=n_occasions)
        repeat_value = np.bincount(occ_customer[occ_repeat], weights=occ_value[occ_repeat], minlength=n_customers)
        repeats = out["frequency"].to_numpy()
        out["monetary_value"] = np.divide(repeat_value, repeats, out=np.zeros(n_customers), where=repeats > 0)
    return out


def read_dates(values: pd.Series, column: str, datetime_format: str | None = None) -> pd.Series:
    """``values`` as datetimes: by ``datetime_format`` when given (numbers are read as their digits,
    19970101 → "19970101"), else as pandas reads dates. Numbers without a format are refused, and
    so is text that is not dates, each with one message naming the column."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    numeric = is_numeric_dtype(values) and not is_bool_dtype(values)
    if datetime_format is not None:
        text = values.astype("Int64").astype("string") if numeric else values
        try:
            return pd.to_datetime(text, format=datetime_format)
        except (ValueError, TypeError) as e:
            raise InputError(f"dates do not match datetime_format {datetime_format!r}: {e}", column=column) from None
    if numeric:
        example = values.dropna().iloc[0] if values.notna().any() else ""
        raise InputError(f"holds numbers ({example}), not dates; pandas would read them as nanoseconds after 1970. "
                         f"Give datetime_format, e.g. datetime_format=\"%Y%m%d\" for 19970101", column=column)
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError):
        try:
            return pd.to_datetime(values, format="mixed")
        except (ValueError, TypeError) as e:
            raise InputError(f"cannot read dates: {e}; give datetime_format", column=column) from None


def rfm_summary(sales: pd.DataFrame, customer_col: str = "customer_id", date_col: str = "order_date",
                value_col: str | None = "amount", freq: str = "W", observation_end=None,
                calibration_end=None, collapse: str = "D", datetime_format: str | None = None) -> pd.DataFrame:
    """Frequency / recency / T / monetary value per customer, as lifetimes' summary functions.

    * Transactions of a customer on the same day are collapsed into one (values summed)
      -- ``collapse="D"``, the convention of the BTYD papers and of lifetimes' shipped CDNOW
      summary.  ``collapse="period"`` instead collapses transactions within the same ``freq``
      period counted from the customer's first purchase (week 0 = days 0-6, ...).
    * Times are measured in days and expressed in units of ``freq`` ("D" days, "W" = days/7,
      "M" = days/(365.25/12), "H" hours): ``frequency`` = number of repeat purchase periods,
      ``recency`` = last minus first purchase, ``T`` = ``observation_end`` minus first purchase.
    * ``monetary_value`` = mean value of the repeat purchases (0 when frequency is 0).
    * ``observation_end`` defaults to the last transaction date; transactions after it are dropped.

    With ``calibration_end`` the result follows ``calibration_and_holdout_data``: the calibration
    columns get a ``_cal`` suffix (``T_cal`` measured to ``calibration_end``), and only customers whose
    first purchase is in the calibration period are kept; ``frequency_holdout`` counts the collapsed
    purchases in (calibration_end, observation_end], ``monetary_value_holdout`` is their mean value
    (0 when none) and ``duration_holdout`` is the holdout length in units of ``freq``.
    (lifetimes averages raw holdout transactions; here holdout purchases are collapsed per day like
    the calibration ones, so the two monetary columns are comparable.)

    ``datetime_format`` (lifetimes' name): the strptime format of ``date_col`` when it is not a
    datetime column, e.g. ``"%Y%m%d"`` for CDNOW's integer dates (19970101). A column of numbers
    without it is refused: pandas would read 19970101 as nanoseconds after 1970, and every customer
    would get frequency = recency = T = 0.
    """
    if freq not in _FREQ_DAYS:
        raise InputError(f"freq must be one of {sorted(_FREQ_DAYS)}, got {freq!r}")
    if collapse not in ("D", "period"):
        raise InputError(f"collapse must be 'D' or 'period', got {collapse!r}")
    for col in (customer_col, date_col) + ((value_col,) if value_col else ()):
        if col not in sales.columns:
            raise InputError(f"column {col!r} not found (columns: {list(sales.columns)})", column=col)
    unit = _FREQ_DAYS[freq]
    has_value = value_col is not None
    dates = read_dates(sales[date_col], date_col, datetime_format)
    # .array keeps a categorical customer column categorical (codes, not a million strings)
    tx = pd.DataFrame({customer_col: sales[customer_col].array, "_t": dates.to_numpy()})
    if has_value:
        tx["_v"] = pd.to_numeric(sales[value_col], errors="raise").to_numpy(dtype=float)
    tx = tx.dropna(subset=[customer_col, "_t"])
    end = (pd.Timestamp(observation_end) if observation_end is not None else tx["_t"].max()).floor("D")
    tx = tx.loc[tx["_t"].dt.floor("D") <= end]
    if tx.empty:
        raise InputError("no transactions on or before the observation end")
    if calibration_end is None:
        return _summarise(tx, customer_col, end, unit, collapse, has_value)

    cal_end = pd.Timestamp(calibration_end).floor("D")
    if cal_end >= end:
        raise InputError(f"calibration_end {cal_end.date()} must be before observation_end {end.date()}")
    day = tx["_t"].dt.floor("D")
    cal = tx.loc[day <= cal_end]
    if cal.empty:
        raise InputError("no transactions in the calibration period")
    out = _summarise(cal, customer_col, cal_end, unit, collapse, has_value)
    out.columns = [c + "_cal" for c in out.columns]
    hold = tx.loc[(day > cal_end) & tx[customer_col].isin(out.index)].copy()
    hold["_d"] = hold["_t"].dt.floor("D")
    if collapse == "D":
        hold["_b"] = hold["_d"]
    else:
        first = cal.groupby(customer_col)["_t"].min().dt.floor("D")
        since = (hold["_d"] - hold[customer_col].map(first)).dt.days
        hold["_b"] = np.floor(since / unit).astype(np.int64)
    agg = {"_d": ("_d", "min")}
    if has_value:
        agg["_v"] = ("_v", "sum")
    per = hold.groupby([customer_col, "_b"], sort=False).agg(**agg).reset_index()
    g = per.groupby(customer_col, sort=False)
    out["frequency_holdout"] = g.size().reindex(out.index).fillna(0).astype(np.int64)
    if has_value:
        out["monetary_value_holdout"] = g["_v"].mean().reindex(out.index).fillna(0.0)
    out["duration_holdout"] = (end - cal_end).days / unit
    return out
