"""Acquisition cohorts: new customers per period, and how many of each first-purchase cohort buy again."""

from __future__ import annotations

import numpy as np
import pandas as pd

# below this many possible keys a dense array beats hashing or sorting them: at most 50 MB of flags
# for distinct keys, 40 MB of counts (counting keys are cohort × period cells: thousands in practice)
DENSE_KEYS = 50_000_000
DENSE_COUNTS = 5_000_000


def _distinct(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """The distinct non-negative integer keys (< ``n_keys``), ascending."""
    if n_keys <= DENSE_KEYS:
        seen = np.zeros(n_keys, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen)
    return np.unique(keys)


def _counts(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct key, how often) for non-negative integer keys (< ``n_keys``), ascending by key."""
    if n_keys <= DENSE_COUNTS:
        counts = np.bincount(keys, minlength=n_keys)
        present = np.flatnonzero(counts)
        return present, counts[present]
    return np.unique(keys, return_counts=True)


def _period_ordinals(dates: pd.Series, freq: str) -> np.ndarray:
    """pandas Period ordinals (consecutive integers per period) of datetimes; months and quarters
    straight from numpy's month numbers (months since 1970-01), other frequencies through Period."""
    if freq in ("M", "Q"):
        months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
        return months if freq == "M" else np.floor_divide(months, 3)
    return dates.dt.to_period(freq).array.asi8


def cohort_retention(sales: pd.DataFrame, freq: str = "M", customer_col: str = "customer_id",
                     date_col: str = "order_date") -> pd.DataFrame:
    """Acquisition-cohort retention.

    A customer's cohort is the period (``freq``: ``M`` months, ``Q`` quarters) of their first
    purchase; ``period_index`` counts periods since then (0 = the cohort's own period);
    ``customers`` is the cohort's size, ``retained`` the cohort's customers who bought in that
    period, and ``rate`` = retained / customers. Returns are not purchases.
    """
    s = sales.loc[~sales.get("is_return", pd.Series(False, index=sales.index)), [customer_col, date_col]]
    s = s[s[customer_col].notna() & s[date_col].notna()]
    columns = ["cohort", "period_index", "customers", "retained", "rate"]
    if s.empty:
        return pd.DataFrame(columns=columns)
    # integer codes throughout: period ordinals (consecutive integers per month or quarter) and
    # customer codes, so that one pass of hashing and counting does what several groupbys did
    ordinal = _period_ordinals(s[date_col], freq)
    customer, _ = pd.factorize(s[customer_col])
    low = int(ordinal.min())
    span = int(ordinal.max()) - low + 1
    first = np.full(int(customer.max()) + 1, span, dtype=np.int64)
    np.minimum.at(first, customer, ordinal - low)
    active = _distinct(customer.astype(np.int64) * span + (ordinal - low), len(first) * span)
    who, when = np.divmod(active, span)                  # each (customer, period) with a purchase, once
    cohort = first[who]
    cells, retained = _counts(cohort * span + (when - cohort), span * span)
    cohort_idx, period_index = np.divmod(cells, span)
    size = pd.Series(retained[period_index == 0], index=cohort_idx[period_index == 0])
    out = pd.DataFrame({"cohort": cohort_idx + low, "period_index": period_index.astype(np.int64),
                        "customers": size.reindex(cohort_idx).to_numpy(dtype=np.int64),
                        "retained": retained.astype(np.int64)})
    out["rate"] = out["retained"] / out["customers"]
    out["cohort"] = pd.PeriodIndex.from_ordinals(out["cohort"].to_numpy(), freq=freq).astype(str)
    return out[columns].sort_values(["cohort", "period_index"]).reset_index(drop=True)


def new_customers_per_period(sales: pd.DataFrame, freq: str = "Q") -> pd.DataFrame:
    """Customers whose first purchase falls in each period."""
    s = sales[~sales["is_return"]]
    first = s.groupby("customer_id")["order_date"].min().dt.to_period(freq)
    out = first.value_counts().sort_index().rename("new_customers").reset_index()
    out.columns = ["period", "new_customers"]
    out["period"] = out["period"].astype(str)
    return out


# --------------------------------------------------------------------------- cohort matrix
def cohort_matrix(retention: pd.DataFrame, end=None, freq: str = "M") -> pd.DataFrame:
    """Cohort × period_index matrix of ``rate`` from :func:`cohort_retention`: 0 where a cohort was
    observable in that period but nobody bought, NaN where the period lies after ``end`` (default:
    the last period present)."""
    if retention.empty:
        return pd.DataFrame()
    wide = retention.pivot(index="cohort", columns="period_index", values="rate")
    cohorts = pd.PeriodIndex(wide.index, freq=freq)
    last = pd.Period(end, freq=freq) if end is not None else max(
        c + int(i) for c, i in zip(pd.PeriodIndex(retention["cohort"], freq=freq), retention["period_index"]))
    width = int(max((last - cohorts.min()).n, wide.columns.max())) + 1
    wide = wide.reindex(columns=range(width))
    observable = np.array([[(c + j) <= last for j in range(width)] for c in cohorts])
    return wide.where(~(wide.isna() & observable), 0.0).where(observable)


def buying_lines(sales: pd.DataFrame) -> pd.DataFrame:
    """Sales lines that are purchases: not returns, with a positive amount."""
    s = sales
    keep = ~s["is_return"].astype(bool) if "is_return" in s else pd.Series(True, index=s.index)
    return s[keep & (s["amount"].fillna(0) > 0)]
