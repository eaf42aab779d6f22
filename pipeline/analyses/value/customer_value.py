"""Customer value: historical, current and potential value, concentration, and RFM segments.

Money is in the sales table's currency (net of returns: returns are negative amounts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.period import Period


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


# ---------------------------------------------------------------------------------------------
# potential value (BG/NBD × Gamma-Gamma) and contract survival (sBG)

def purchase_summary(sales: pd.DataFrame, as_of, calibration_end=None) -> pd.DataFrame:
    """Weekly frequency / recency / T / monetary value of positive, non-returned purchases before
    ``as_of`` (the customer-base models' input; ``calibration_end`` adds the holdout columns)."""
    from pipeline import clv
    s = sales[~sales["is_return"] & (sales["amount"] > 0) & (sales["order_date"] < pd.Timestamp(as_of))]
    end = pd.Timestamp(as_of) - pd.Timedelta(days=1)
    return clv.rfm_summary(s, customer_col="customer_id", date_col="order_date", value_col="amount", freq="W",
                           observation_end=end, calibration_end=calibration_end)


def potential_value(summary: pd.DataFrame, bg, gg, *, horizon_weeks: float = 52.0, clv_months: int = 36,
                    annual_discount_rate: float = 0.10, margin: float = 1.0) -> pd.DataFrame:
    """Per customer from fitted BG/NBD ``bg`` and Gamma-Gamma ``gg`` (either may be None: the
    columns are then NaN): ``p_alive``, ``expected_purchases`` in ``horizon_weeks``,
    ``expected_spend`` per purchase, ``potential_value`` = margin × purchases × spend (undiscounted,
    the next 12 months by default) and ``clv`` = margin × discounted expected revenue over
    ``clv_months`` at ``annual_discount_rate`` (monthly compounding). ``margin`` is the share of
    revenue that is profit: 1 = revenue (the sample has no costs)."""
    out = pd.DataFrame(index=summary.index)
    x, tx, T = summary["frequency"], summary["recency"], summary["T"]
    if bg is None:
        for c in ("p_alive", "expected_purchases", "expected_spend", "potential_value", "clv"):
            out[c] = np.nan
        return out.reset_index()
    out["p_alive"] = np.asarray(bg.conditional_probability_alive(x, tx, T), float)
    out["expected_purchases"] = np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(
        horizon_weeks, x, tx, T), float)
    if gg is None:
        out["expected_spend"] = np.nan
        out["potential_value"] = np.nan
        out["clv"] = np.nan
        return out.reset_index()
    out["expected_spend"] = np.asarray(gg.conditional_expected_average_profit(x, summary["monetary_value"]), float)
    out["potential_value"] = margin * out["expected_purchases"] * out["expected_spend"]
    monthly = (1 + annual_discount_rate) ** (1 / 12) - 1
    out["clv"] = margin * np.asarray(gg.customer_lifetime_value(bg, x, tx, T, summary["monetary_value"],
                                                                time=clv_months, discount_rate=monthly,
                                                                freq="W"), float)
    return out.reset_index()


def contract_chains(contracts: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per customer with a contract before ``as_of``: ``first_start`` (its first contract),
    ``years`` (contract years its chain lasted: a contract with renewed = True links to the next
    year) and ``observable`` (contract years that started before ``as_of``)."""
    as_of = pd.Timestamp(as_of)
    k = contracts[contracts["start_date"] < as_of].sort_values(["customer_id", "start_date"])
    rows = []
    for cid, g in k.groupby("customer_id", sort=True):
        first = g["start_date"].iloc[0]
        years = 1
        for renewed in g["renewed"].iloc[:-1]:
            if pd.notna(renewed) and bool(renewed):
                years += 1
            else:
                break
        observable = 0   # contract years that started before as_of
        while first + pd.DateOffset(years=observable) < as_of:
            observable += 1
        rows.append((cid, first, min(years, observable), observable))
    return pd.DataFrame(rows, columns=["customer_id", "first_start", "years", "observable"])


def sbg_active(chains: pd.DataFrame, min_customers: int = 10) -> list[int]:
    """``active[t]`` (t = 0, 1, …) for ``ShiftedBetaGeo.fit``: the cohort of customers whose first
    contract can be followed for the longest span that still holds ``min_customers``, and how many
    of them were still under contract in each contract year. Empty when no span of 3+ years has
    enough customers."""
    for span in range(int(chains["observable"].max()) if len(chains) else 0, 2, -1):
        cohort = chains[chains["observable"] >= span]
        if len(cohort) >= min_customers:
            return [int((cohort["years"] > t).sum()) for t in range(span)]
    return []


def fit_quietly(model, *args, **kwargs):
    """Fit ``model``; return (model, None) or (None, reason) when the data cannot support it.
    Warnings (bound, Hessian) are kept on ``model.fit_warnings_``."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.fit(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - any failure means "not fitted", reported by the chapter
            return None, str(e) or type(e).__name__
    model.fit_warnings_ = [str(w.message) for w in caught]
    if not all(np.isfinite(v) for v in model.params_.values()):
        return None, "non-finite estimate"
    return model, None


def value_table(sales: pd.DataFrame, period: Period, *, horizon_weeks: float = 52.0, clv_months: int = 36,
                annual_discount_rate: float = 0.10, margin: float = 1.0, min_customers: int = 20,
                min_repeaters: int = 10) -> dict:
    """Historical, current and potential value per customer at the period's end.

    Returns ``{"values": DataFrame, "summary", "bg", "gg", "problems": {model: reason}}``; ``values``
    has customer_id, historical_value, current_value, orders_current, frequency, recency, T,
    monetary_value, p_alive, expected_purchases, expected_spend, potential_value, clv. Models that
    cannot be fitted (too few customers or repeat buyers) leave their columns NaN and a reason."""
    from pipeline import clv
    as_of = period.end_exclusive
    cur = customer_value(sales, period)
    summary = purchase_summary(sales, as_of)
    problems: dict[str, str] = {}
    bg = gg = None
    if len(summary) < min_customers:
        problems["BG/NBD"] = problems["Gamma-Gamma"] = f"{len(summary)} customers (< {min_customers})"
    else:
        bg, why = fit_quietly(clv.BetaGeo(), summary)
        if why:
            problems["BG/NBD"] = why
        rep = summary[summary["frequency"] > 0]
        if len(rep) < min_repeaters:
            problems["Gamma-Gamma"] = f"{len(rep)} repeat buyers (< {min_repeaters})"
        else:
            gg, why = fit_quietly(clv.GammaGamma(), rep)
            if why:
                problems["Gamma-Gamma"] = why
    pot = potential_value(summary, bg, gg, horizon_weeks=horizon_weeks, clv_months=clv_months,
                          annual_discount_rate=annual_discount_rate, margin=margin)
    values = cur.merge(summary.reset_index(), on="customer_id", how="outer").merge(pot, on="customer_id", how="left")
    for c in ("historical_value", "current_value"):
        values[c] = values[c].fillna(0.0)
    values["orders_current"] = values["orders_current"].fillna(0).astype("int64")
    return {"values": values.sort_values("customer_id").reset_index(drop=True), "summary": summary, "bg": bg,
            "gg": gg, "problems": problems}
