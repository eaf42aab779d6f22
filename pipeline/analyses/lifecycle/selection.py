"""Selection: which customers to target, by the potential value the purchase models give them and its
uncertainty, and what the most valuable customers have in common."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.lifecycle.cohorts import buying_lines


def selection_ranking(sales: pd.DataFrame, as_of, *, horizon_weeks: float = 52, draws: int = 200,
                      seed: int = 0, rising_quantile: float = 0.75) -> tuple[pd.DataFrame, dict]:
    """Rank customers by potential value with its uncertainty (BG/NBD × Gamma-Gamma, :mod:`pipeline.clv`).

    Per customer: ``historical_value`` (purchases to ``as_of``), ``p_alive`` with ``p_alive_low`` /
    ``p_alive_high`` (90% delta-method interval), ``expected_purchases`` in the next ``horizon_weeks``,
    ``expected_spend`` per purchase, ``potential_value`` = their product, ``potential_low`` /
    ``potential_high`` (5th/95th percentile over ``draws`` seeded draws of both models' parameters from
    their estimated sampling distributions: parameter uncertainty only, not the customer's own purchase
    randomness), ``rank`` (1 = highest potential), ``rising`` (potential in the top ``1 - rising_quantile``
    while history is below the median). Returns ``(table, models)``.
    """
    import warnings

    from pipeline import clv
    as_of = pd.Timestamp(as_of)
    s = buying_lines(sales)
    s = s[s["order_date"] <= as_of]
    summary = clv.rfm_summary(s, "customer_id", "order_date", "amount", freq="W", observation_end=as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bg = clv.BetaGeo().fit(summary)
        rep = summary[summary["frequency"] > 0]
        gg = clv.GammaGamma().fit(rep) if len(rep) >= 10 else None
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    # without a spend model, every customer's spend is the mean order value: certain, so only BG/NBD varies
    mean_order = s.groupby(["customer_id", "order_date"])["amount"].sum().mean()

    def spend(models):
        return (np.asarray(models[1].conditional_expected_average_profit(f, summary["monetary_value"]), dtype=float)
                if len(models) > 1 else np.full(len(summary), mean_order))

    def potential(models):
        return np.asarray(models[0].conditional_expected_number_of_purchases_up_to_time(horizon_weeks, f, r, T)) \
            * spend(models)

    models = [bg] if gg is None else [bg, gg]
    value = clv.joint_interval(models, potential, level=0.90, method="bootstrap", draws=draws, seed=seed)
    alive = clv.prediction_interval(bg, "conditional_probability_alive", f, r, T, level=0.90)
    exp_n = np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(horizon_weeks, f, r, T), dtype=float)
    out = pd.DataFrame({"customer_id": summary.index,
                        "historical_value": s.groupby("customer_id")["amount"].sum().reindex(summary.index).to_numpy(),
                        "p_alive": alive["estimate"].to_numpy(), "p_alive_low": alive["low"].to_numpy(),
                        "p_alive_high": alive["high"].to_numpy(),
                        "expected_purchases": exp_n, "expected_spend": spend(models),
                        "potential_value": value["estimate"].to_numpy(),
                        "potential_low": value["low"].to_numpy(), "potential_high": value["high"].to_numpy()})
    out = out.sort_values("potential_value", ascending=False).reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    out["rising"] = (out["potential_value"] >= out["potential_value"].quantile(rising_quantile)) & (
        out["historical_value"] < out["historical_value"].median())
    return out, {"bgnbd": bg, "gamma_gamma": gg}


def value_profile(ranking: pd.DataFrame, customers: pd.DataFrame, contracts: pd.DataFrame | None = None,
                  dispatches: pd.DataFrame | None = None, top: float = 0.2) -> pd.DataFrame:
    """The most valuable customers (top ``top`` share by potential value) against the rest:
    ``dimension`` (industry, tier, service_level, machine_series), ``value``, ``top_share``,
    ``rest_share`` (shares of customers within each group; machine mix as shares of dispatched machines)."""
    r = ranking[["customer_id", "potential_value"]].copy()
    r["group"] = np.where(r["potential_value"].rank(ascending=False, method="first") <= max(1, round(top * len(r))),
                          "top", "rest")
    attrs = r.merge(customers[["customer_id", "industry", "tier"]], on="customer_id", how="left")
    if contracts is not None and len(contracts):
        last = contracts.sort_values("start_date").groupby("customer_id")["service_level"].last()
        attrs["service_level"] = attrs["customer_id"].map(last).fillna("none")
    frames = []
    for dim in ("industry", "tier", "service_level"):
        if dim in attrs:
            ct = pd.crosstab(attrs[dim].fillna("unknown"), attrs["group"], normalize="columns")
            frames.append(ct.rename_axis("value").reset_index().assign(dimension=dim))
    if dispatches is not None and len(dispatches) and "product_series" in dispatches:
        m = dispatches[["customer_id", "serial", "product_series"]].drop_duplicates(["customer_id", "serial"])
        m = m.merge(r[["customer_id", "group"]], on="customer_id")
        ct = pd.crosstab(m["product_series"].fillna("unknown"), m["group"], normalize="columns")
        frames.append(ct.rename_axis("value").reset_index().assign(dimension="machine_series"))
    out = pd.concat(frames, ignore_index=True)
    for g in ("top", "rest"):
        if g not in out:
            out[g] = 0.0
    out = out.rename(columns={"top": "top_share", "rest": "rest_share"})
    return out[["dimension", "value", "top_share", "rest_share"]].fillna(0.0)


def p_alive_bands(ranking: pd.DataFrame, edges=(0, 0.25, 0.5, 0.75, 1.0)) -> pd.DataFrame:
    """Customers by band of P(alive): ``band``, ``customers``, ``share``, ``historical_value``."""
    band = pd.cut(ranking["p_alive"], list(edges), include_lowest=True)
    g = ranking.groupby(band, observed=False)
    out = pd.DataFrame({"customers": g.size(), "historical_value": g["historical_value"].sum()})
    out["share"] = out["customers"] / max(len(ranking), 1)
    out.index = [f"{lo:.0%}–{hi:.0%}" for lo, hi in zip(edges[:-1], edges[1:])]
    return out.rename_axis("band").reset_index()[["band", "customers", "share", "historical_value"]]
