"""Customer lifecycle measurements: acquisition cohorts, retention and contract renewal."""

from __future__ import annotations

import pandas as pd


def cohort_retention(sales: pd.DataFrame, freq: str = "M", customer_col: str = "customer_id",
                     date_col: str = "order_date") -> pd.DataFrame:
    """Acquisition-cohort retention.

    A customer's cohort is the period (``freq``: ``M`` months, ``Q`` quarters) of their first
    purchase; ``period_index`` counts periods since then (0 = the cohort's own period);
    ``customers`` is the cohort's size, ``retained`` the cohort's customers who bought in that
    period, and ``rate`` = retained / customers. Returns are not purchases.
    """
    s = sales.loc[~sales.get("is_return", pd.Series(False, index=sales.index)), [customer_col, date_col]]
    per = s[date_col].dt.to_period(freq)
    first = per.groupby(s[customer_col]).transform("min")
    frame = pd.DataFrame({"customer": s[customer_col].values, "cohort": first.values, "period": per.values})
    frame = frame.drop_duplicates()
    frame["period_index"] = (frame["period"] - frame["cohort"]).map(lambda d: d.n).astype("int64")
    sizes = frame[frame["period_index"] == 0].groupby("cohort")["customer"].nunique().rename("customers")
    retained = frame.groupby(["cohort", "period_index"])["customer"].nunique().rename("retained").reset_index()
    out = retained.merge(sizes.reset_index(), on="cohort")
    out["rate"] = out["retained"] / out["customers"]
    out["cohort"] = out["cohort"].astype(str)
    return out[["cohort", "period_index", "customers", "retained", "rate"]].sort_values(
        ["cohort", "period_index"]).reset_index(drop=True)


def renewal_rates(contracts: pd.DataFrame, by: str | list[str] = "service_level") -> pd.DataFrame:
    """Renewal rate of decided contracts (``renewed`` not null) per group: renewed / decided."""
    decided = contracts[contracts["renewed"].notna()]
    g = decided.groupby(by, dropna=False)["renewed"]
    out = pd.DataFrame({"decided": g.size(), "renewed": g.sum().astype("int64")})
    out["rate"] = out["renewed"] / out["decided"]
    return out.reset_index()


def new_customers_per_period(sales: pd.DataFrame, freq: str = "Q") -> pd.DataFrame:
    """Customers whose first purchase falls in each period."""
    s = sales[~sales["is_return"]]
    first = s.groupby("customer_id")["order_date"].min().dt.to_period(freq)
    out = first.value_counts().sort_index().rename("new_customers").reset_index()
    out.columns = ["period", "new_customers"]
    out["period"] = out["period"].astype(str)
    return out
