"""Maintenance-contract renewals: renewal rates, each contract's age in its chain, and a cohort's
survival through its renewals."""

from __future__ import annotations

import pandas as pd


def renewal_rates(contracts: pd.DataFrame, by: str | list[str] = "service_level") -> pd.DataFrame:
    """Renewal rate of decided contracts (``renewed`` not null) per group: renewed / decided."""
    decided = contracts[contracts["renewed"].notna()]
    g = decided.groupby(by, dropna=False)["renewed"]
    out = pd.DataFrame({"decided": g.size(), "renewed": g.sum().astype("int64")})
    out["rate"] = out["renewed"] / out["decided"]
    return out.reset_index()


def contract_ages(contracts: pd.DataFrame) -> pd.DataFrame:
    """Contracts with ``contract_age``: 1 for a customer's first contract of a chain, +1 per renewal
    (a new chain starts when a contract follows a non-renewed one)."""
    k = contracts.sort_values(["customer_id", "start_date", "contract_id"]).copy()
    prev_renewed = k.groupby("customer_id")["renewed"].shift()
    new_chain = prev_renewed.isna() | (prev_renewed == False)  # noqa: E712  (nullable boolean)
    chain = new_chain.astype(int).groupby(k["customer_id"]).cumsum()
    k["contract_age"] = k.groupby([k["customer_id"], chain]).cumcount() + 1
    return k


def contract_survival(contracts: pd.DataFrame, cohort_start, cohort_end) -> pd.Series:
    """Customers still under contract at each renewal t = 0, 1, … for the chains that began in
    [``cohort_start``, ``cohort_end``]; counts stop at the last renewal decided for all of them
    (input to :class:`pipeline.clv.ShiftedBetaGeo`)."""
    k = contract_ages(contracts)
    k["chain_start"] = k["start_date"].where(k["contract_age"] == 1)
    k["chain_start"] = k.groupby("customer_id")["chain_start"].ffill()
    k = k[(k["chain_start"] >= pd.Timestamp(cohort_start)) & (k["chain_start"] <= pd.Timestamp(cohort_end))]
    n0 = k.loc[k["contract_age"] == 1].shape[0]
    counts = [n0]
    t = 1
    while True:
        at = k[k["contract_age"] == t]
        if at.empty or at["renewed"].isna().any():
            break
        counts.append(int(at["renewed"].astype(bool).sum()))
        t += 1
    return pd.Series(counts, index=pd.Index(range(len(counts)), name="t"), name="active")
