"""lifetimes' transaction-summary functions under lifetimes' names, arguments and defaults, so that an
analyst's lifetimes code runs here unchanged.

They differ from :func:`pipeline.clv.rfm_summary` on purpose, as lifetimes does:

- ``freq="D"`` by default (``rfm_summary``: ``"W"``);
- times are counted in whole calendar periods (``to_period(freq)``: a week is a calendar week), so
  ``recency`` and ``T`` are whole numbers of periods divided by ``freq_multiplier``; ``rfm_summary``
  measures days and divides (30.43 weeks where lifetimes says 30);
- purchases in one period are one repeat purchase, their values summed;
- ``datetime_format`` applies to the dates and to the period ends given as text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.clv.summary import read_dates
from pipeline.errors import InputError


def _period_end(value, datetime_format, default: pd.Timestamp, name: str) -> pd.Timestamp:
    if value is None:
        return default
    try:
        if isinstance(value, str) and datetime_format is not None:
            return pd.Timestamp(pd.to_datetime(value, format=datetime_format))
        return pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError(f"{name} {value!r} is not a date" + (
            f" written as datetime_format {datetime_format!r} says (lifetimes reads the period ends with it too)"
            if datetime_format else "")) from None


def _ordinals(dates: pd.Series, freq: str) -> np.ndarray:
    """Each date's calendar period as an integer: consecutive periods differ by 1."""
    return dates.dt.to_period(freq).array.asi8


def _periods(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq):
    for col in (customer_id_col, datetime_col) + ((monetary_value_col,) if monetary_value_col else ()):
        if col not in transactions.columns:
            raise InputError(f"column {col!r} not found (columns: {list(transactions.columns)})", column=col)
    dates = read_dates(transactions[datetime_col], datetime_col, datetime_format)
    frame = pd.DataFrame({"customer": transactions[customer_id_col].to_numpy(), "date": dates.to_numpy()})
    if monetary_value_col:
        frame["value"] = pd.to_numeric(transactions[monetary_value_col], errors="raise").to_numpy(dtype=float)
    frame = frame.dropna(subset=["customer", "date"])
    frame["period"] = _ordinals(frame["date"], freq)
    return frame


def summary_data_from_transaction_data(transactions: pd.DataFrame, customer_id_col: str, datetime_col: str,
                                       monetary_value_col: str | None = None, datetime_format: str | None = None,
                                       observation_period_end=None, freq: str = "D", freq_multiplier: float = 1,
                                       include_first_transaction: bool = False) -> pd.DataFrame:
    """Per customer, as lifetimes 0.11.3 computes it: ``frequency`` (periods with a purchase after
    the first; all of them with ``include_first_transaction``), ``recency`` (last minus first
    purchase period), ``T`` (``observation_period_end``'s period minus the first purchase's), both
    in periods of ``freq`` divided by ``freq_multiplier``, and with ``monetary_value_col`` the
    ``monetary_value``: the mean per-period spend over the repeat periods (over all periods with
    ``include_first_transaction``; 0 without repeats). Purchases in periods after the one of
    ``observation_period_end`` (default: the last purchase) are dropped. Indexed by customer, sorted."""
    tx = _periods(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq)
    end = _period_end(observation_period_end, datetime_format, tx["date"].max() if len(tx) else pd.NaT,
                      "observation_period_end")
    out = _summary(tx, end, freq, freq_multiplier, include_first_transaction, monetary_value_col is not None)
    out.index.name = customer_id_col
    return out


def _summary(tx: pd.DataFrame, end: pd.Timestamp, freq: str, freq_multiplier: float, include_first: bool,
             has_value: bool) -> pd.DataFrame:
    """:func:`summary_data_from_transaction_data` on the parsed transactions (``customer``, ``date``,
    ``period``, ``value``)."""
    end_ordinal = pd.Series([end]).dt.to_period(freq).array.asi8[0]
    # lifetimes compares periods, not dates: a purchase later in the end's own period is kept
    # (weekly, 1997-10-01 with an end of 1997-09-30, both in the week of 29 September)
    tx = tx[tx["period"] <= end_ordinal]
    if tx.empty:
        raise InputError("no transactions on or before observation_period_end")
    aggregations = {"value": "sum"} if has_value else {"date": "size"}
    per_period = tx.groupby(["customer", "period"], sort=True).agg(aggregations).reset_index()
    first = per_period.groupby("customer")["period"].transform("min")
    per_period["repeat"] = per_period["period"] > first
    g = per_period.groupby("customer", sort=True)
    out = pd.DataFrame({
        "frequency": g["repeat"].sum().astype(float) + (1.0 if include_first else 0.0),
        "recency": (g["period"].max() - g["period"].min()).astype(float) / freq_multiplier,
        "T": (end_ordinal - g["period"].min()).astype(float) / freq_multiplier,
    })
    if has_value:
        counted = per_period if include_first else per_period[per_period["repeat"]]
        out["monetary_value"] = counted.groupby("customer")["value"].mean().reindex(out.index).fillna(0.0)
    return out


def calibration_and_holdout_data(transactions: pd.DataFrame, customer_id_col: str, datetime_col: str,
                                 calibration_period_end, observation_period_end=None, freq: str = "D",
                                 freq_multiplier: float = 1, datetime_format: str | None = None,
                                 monetary_value_col: str | None = None,
                                 include_first_transaction: bool = False) -> pd.DataFrame:
    """lifetimes 0.11.3's split: :func:`summary_data_from_transaction_data` up to
    ``calibration_period_end`` with ``_cal`` suffixes, for the customers who bought by then; then
    ``frequency_holdout`` (periods with a purchase in (calibration end, observation end]),
    ``monetary_value_holdout`` (the mean of the holdout purchases as written, not per period, as
    lifetimes computes it; 0 when none) and ``duration_holdout`` (periods from the calibration end
    to the observation end, divided by ``freq_multiplier``)."""
    tx = _periods(transactions, customer_id_col, datetime_col, monetary_value_col, datetime_format, freq)
    cal_end = _period_end(calibration_period_end, datetime_format, tx["date"].max(), "calibration_period_end")
    end = _period_end(observation_period_end, datetime_format, tx["date"].max(), "observation_period_end")
    if cal_end >= end:
        raise InputError(f"calibration_period_end {cal_end.date()} must be before observation_period_end "
                         f"{end.date()}")
    # the calibration purchases are those on or before the calibration end's date (lifetimes splits on
    # dates, then counts periods)
    cal = _summary(tx[tx["date"] <= cal_end], cal_end, freq, freq_multiplier, include_first_transaction,
                   monetary_value_col is not None).add_suffix("_cal")
    cal.index.name = customer_id_col
    holdout = tx[(tx["date"] > cal_end) & (tx["date"] <= end) & tx["customer"].isin(cal.index)]
    cal["frequency_holdout"] = (holdout.drop_duplicates(["customer", "period"]).groupby("customer").size()
                                .reindex(cal.index).fillna(0).astype(float))
    if monetary_value_col:
        cal["monetary_value_holdout"] = holdout.groupby("customer")["value"].mean().reindex(cal.index).fillna(0.0)
    ordinals = pd.Series([cal_end, end]).dt.to_period(freq).array.asi8
    cal["duration_holdout"] = float(ordinals[1] - ordinals[0]) / freq_multiplier
    return cal


def expected_cumulative_transactions(model, transactions: pd.DataFrame, datetime_col: str, customer_id_col: str,
                                     t: int, datetime_format: str | None = None, freq: str = "D",
                                     freq_multiplier: int = 1, set_index_date: bool = False) -> pd.DataFrame:
    """Actual and expected cumulative repeat transactions of the whole customer base over the `t`
    periods of `freq` from the first transaction, as lifetimes 0.11.3 computes them (Fader, Hardie &
    Lee 2005, "A note on implementing the Pareto/NBD model in MATLAB", p. 8).

    A customer's transactions are counted once per period. ``predicted`` at period i is
    sum over customers who first bought before period i of E[X(i - first period)], the model's
    ``expected_number_of_purchases_up_to_time`` in units of ``freq_multiplier`` periods; ``actual`` is
    the repeat transactions in the first i periods. One row per ``freq_multiplier`` periods, indexed
    0, 1, ... (or by period with ``set_index_date``)."""
    if t < 1:
        raise InputError(f"t must be at least 1 period, got {t!r}")
    tx = _periods(transactions, customer_id_col, datetime_col, None, datetime_format, freq)
    start = int(tx["period"].min())
    per_period = tx.loc[tx["period"] <= start + t].drop_duplicates(["customer", "period"])
    first = per_period.groupby("customer")["period"].transform("min")
    offsets = per_period["period"].to_numpy() - start            # 0..t
    is_first = per_period["period"].to_numpy() == first.to_numpy()
    new_customers = np.bincount(offsets[is_first], minlength=t + 1).astype(float)
    repeats = np.bincount(offsets[~is_first], minlength=t + 1).astype(float)
    lags = np.arange(1, t + 1, dtype=float)
    expected = np.concatenate([[0.0], np.asarray(model.expected_number_of_purchases_up_to_time(lags / freq_multiplier),
                                                 dtype=float)])
    # predicted[i] = sum_{o < i} new_customers[o] expected[i - o]: a convolution over the first-purchase offsets
    predicted_all = np.convolve(new_customers, expected)[: t + 1]
    steps = np.arange(1, t // freq_multiplier + 1) * freq_multiplier
    frame = pd.DataFrame({"actual": np.cumsum(repeats)[steps - 1], "predicted": predicted_all[steps]})
    if set_index_date:
        frame.index = pd.PeriodIndex.from_ordinals(start + steps - 1, freq=freq)
    return frame


def calculate_alive_path(model, transactions: pd.DataFrame, datetime_col: str, t: int, freq: str = "D") -> pd.Series:
    """One customer's P(alive) at each period 0..t from the first purchase (lifetimes' function, for
    :func:`~pipeline.clv.plot_history_alive`): after each period, frequency is the periods with a
    purchase after the first, recency the period of the last, T the period itself, all in `freq`
    periods. `transactions` are that customer's purchases. The path runs past t when the purchases do."""
    dates = read_dates(transactions[datetime_col], datetime_col, None).dropna()
    if dates.empty:
        raise InputError(f"no dates in column {datetime_col!r}: the customer has no purchases", column=datetime_col)
    ordinals = _ordinals(dates, freq)
    bought = np.bincount(ordinals - ordinals.min()) > 0
    bought = np.concatenate([bought, np.zeros(max(t + 1 - bought.size, 0), dtype=bool)])
    T = np.arange(bought.size, dtype=float)
    frequency = np.cumsum(bought) - 1.0
    recency = np.maximum.accumulate(np.where(bought, T, 0.0))
    return pd.Series(np.asarray(model.conditional_probability_alive(frequency, recency, T), dtype=float),
                     index=pd.RangeIndex(bought.size))
