"""Customer value: historical, current and potential value, concentration, and RFM segments.

Money is in the sales table's currency (net of returns: returns are negative amounts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.period import Period


def customer_value(sales: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Per customer: ``historical_value`` (net revenue before the period), ``current_value`` (net
    revenue within the period) and ``orders_current`` (distinct orders in the period)."""
    before = sales[sales["order_date"] < period.start]
    during = sales[period.contains(sales["order_date"])]
    hist = before.groupby("customer_id")["amount"].sum().rename("historical_value")
    cur = during.groupby("customer_id")["amount"].sum().rename("current_value")
    orders = during.groupby("customer_id")["order_id"].nunique().rename("orders_current")
    out = pd.concat([hist, cur, orders], axis=1).fillna(0.0)
    out["orders_current"] = out["orders_current"].astype("int64")
    out.index.name = "customer_id"
    return out.sort_index().reset_index()


def lorenz_curve(values: pd.Series) -> pd.DataFrame:
    """Cumulative share of customers (poorest first) against cumulative share of value; starts at (0, 0)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    total = v.sum()
    customers = np.arange(0, len(v) + 1) / max(len(v), 1)
    share = np.concatenate([[0.0], np.cumsum(v) / total]) if total > 0 else customers
    return pd.DataFrame({"customer_share": customers, "value_share": share})


def gini(values: pd.Series) -> float:
    """Gini coefficient of non-negative values (0 = equal, →1 = one customer holds everything)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))
    n = len(v)
    if n == 0 or v.sum() == 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * v).sum()) / (n * v.sum()) - (n + 1) / n)


def top_share(values: pd.Series, fraction: float = 0.2) -> float:
    """Share of total value held by the top ``fraction`` of customers (by value)."""
    v = np.sort(np.clip(np.asarray(values, dtype=float), 0, None))[::-1]
    if len(v) == 0 or v.sum() == 0:
        return float("nan")
    k = max(1, int(np.ceil(fraction * len(v))))
    return float(v[:k].sum() / v.sum())


# RFM segment names by (recency score, frequency score) on the usual 5×5 grid.
_SEGMENT_GRID = [
    # (recency scores, frequency scores, segment)
    ((5,), (1,), "new"),
    ((4, 5), (4, 5), "champions"),
    ((3, 4, 5), (3, 4, 5), "loyal"),
    ((4, 5), (2, 3), "potential_loyalist"),
    ((3,), (1, 2), "needs_attention"),
    ((4,), (1,), "promising"),
    ((1, 2), (5,), "cannot_lose"),
    ((1, 2), (3, 4), "at_risk"),
    ((1, 2), (1, 2), "hibernating"),
]


def rfm_segment(r: int, f: int) -> str:
    for rs, fs, name in _SEGMENT_GRID:
        if r in rs and f in fs:
            return name
    return "other"


def _quintile(x: pd.Series, ascending: bool = True) -> pd.Series:
    # rank first: ties would otherwise leave quintile edges undefined for small or lumpy data
    ranks = x.rank(method="first", ascending=ascending)
    return np.ceil(ranks / len(x) * 5).clip(1, 5).astype("int64")


def rfm_scores(sales: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """RFM per customer with purchases up to ``as_of`` (exclusive).

    recency_days: days from the last purchase to ``as_of``; frequency: distinct orders;
    monetary: net revenue. Scores are quintiles 1–5 (5 = most recent / most frequent / most
    valuable); ``rfm_segment`` names the customer's (R, F) cell.
    """
    s = sales[(sales["order_date"] < as_of) & ~sales["is_return"]]
    if s.empty:
        return pd.DataFrame(columns=["customer_id", "recency_days", "frequency", "monetary", "r", "f", "m",
                                     "rfm_segment"])
    g = s.groupby("customer_id")
    out = pd.DataFrame({"recency_days": (as_of - g["order_date"].max()).dt.days,
                        "frequency": g["order_id"].nunique(), "monetary": g["amount"].sum()})
    out["r"] = _quintile(out["recency_days"], ascending=False)
    out["f"] = _quintile(out["frequency"])
    out["m"] = _quintile(out["monetary"])
    out["rfm_segment"] = [rfm_segment(r, f) for r, f in zip(out["r"], out["f"])]
    return out.reset_index()


def segment_summary(rfm: pd.DataFrame) -> pd.DataFrame:
    """Customers, share and revenue per RFM segment."""
    g = rfm.groupby("rfm_segment")
    out = pd.DataFrame({"customers": g.size(), "monetary": g["monetary"].sum()})
    out["share"] = out["customers"] / out["customers"].sum()
    return out.sort_values("monetary", ascending=False).reset_index()
