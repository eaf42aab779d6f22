"""Customer lifecycle measurements: acquisition cohorts, retention and contract renewal."""

from __future__ import annotations

import numpy as np
import pandas as pd

# below this many possible keys a dense array beats hashing or sorting them: at most 50 MB of flags
# for distinct keys, 40 MB of counts (counting keys are cohort × period cells: thousands in practice)
_DENSE_KEYS = 50_000_000
_DENSE_COUNTS = 5_000_000


def _distinct(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """The distinct non-negative integer keys (< ``n_keys``), ascending."""
    if n_keys <= _DENSE_KEYS:
        seen = np.zeros(n_keys, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen)
    return np.unique(keys)


def _counts(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct key, how often) for non-negative integer keys (< ``n_keys``), ascending by key."""
    if n_keys <= _DENSE_COUNTS:
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


# --------------------------------------------------------------------------- acquisition
def _purchases(sales: pd.DataFrame) -> pd.DataFrame:
    s = sales
    keep = ~s["is_return"].astype(bool) if "is_return" in s else pd.Series(True, index=s.index)
    return s[keep & (s["amount"].fillna(0) > 0)]


def opening_products(sales: pd.DataFrame, column: str = "product_category", top: int | None = None) -> pd.DataFrame:
    """What opens a relationship: ``column`` values in each customer's first order(s) (all lines
    on the first purchase date): ``value``, ``customers``, ``share`` of new customers."""
    s = _purchases(sales)
    first = s.groupby("customer_id")["order_date"].transform("min")
    f = s[s["order_date"] == first][["customer_id", column]].drop_duplicates()
    out = f[column].fillna("unknown").value_counts().rename("customers").rename_axis("value").reset_index()
    out["share"] = out["customers"] / s["customer_id"].nunique()
    return out.head(top) if top else out


def time_to_second_purchase(sales: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per customer: days from the first purchase date to the next purchase on a later date
    (``event`` True) or to ``as_of`` (censored): ``customer_id``, ``first``, ``days``, ``event``.
    Feed to :func:`pipeline.service.kaplan_meier`."""
    as_of = pd.Timestamp(as_of)
    s = _purchases(sales)
    s = s[s["order_date"] <= as_of]
    dates = s[["customer_id", "order_date"]].drop_duplicates().sort_values(["customer_id", "order_date"])
    rank = dates.groupby("customer_id").cumcount()
    first = dates[rank == 0].set_index("customer_id")["order_date"]
    second = dates[rank == 1].set_index("customer_id")["order_date"]
    out = pd.DataFrame({"first": first})
    out["second"] = second
    out["event"] = out["second"].notna()
    out["days"] = ((out["second"].fillna(as_of) - out["first"]).dt.days).astype(float)
    return out.reset_index()[["customer_id", "first", "days", "event"]]


# --------------------------------------------------------------------------- win-back
def _activity(sales: pd.DataFrame, contracts: pd.DataFrame | None, as_of) -> pd.DataFrame:
    """Per-customer activity spells: purchases (one day) and contracts in force (start → min(end, as_of))."""
    s = _purchases(sales)
    s = s[s["order_date"] <= as_of]
    ch = s["channel"] if "channel" in s else pd.Series(None, index=s.index, dtype=object)
    p = pd.DataFrame({"customer_id": s["customer_id"], "start": s["order_date"].dt.normalize(),
                      "end": s["order_date"].dt.normalize(), "kind": "purchase",
                      "trade_in": ch.astype(str).str.lower().eq("trade-in")})
    p = p.groupby(["customer_id", "start", "end", "kind"], as_index=False)["trade_in"].max()
    frames = [p]
    if contracts is not None and len(contracts):
        k = contracts[contracts["start_date"] <= as_of]
        frames.append(pd.DataFrame({"customer_id": k["customer_id"], "start": k["start_date"],
                                    "end": k["end_date"].clip(upper=as_of), "kind": "contract", "trade_in": False}))
    ev = pd.concat(frames, ignore_index=True)
    return ev.sort_values(["customer_id", "start", "end", "kind"]).reset_index(drop=True)


def win_backs(sales: pd.DataFrame, contracts: pd.DataFrame | None = None, dispatches: pd.DataFrame | None = None,
              *, lapse_days: int = 365, as_of=None, service_window_days: int = 90) -> pd.DataFrame:
    """Customers who lapsed — no purchase and no contract in force for more than ``lapse_days`` —
    and came back with a purchase or a contract.

    One row per return: ``customer_id``, ``lapsed_from`` (end of the last activity), ``returned_on``,
    ``gap_days``, ``via`` (``contract``, ``trade-in`` or ``purchase``; a contract wins when both
    start on the same day), ``service_before`` (a dispatch in the ``service_window_days`` before the
    return), ``value_after`` (purchases from the return on plus annual fees of contracts starting
    from it).
    """
    as_of = pd.Timestamp(as_of) if as_of is not None else sales["order_date"].max()
    ev = _activity(sales, contracts, as_of)
    prev_cover = ev.groupby("customer_id")["end"].cummax().groupby(ev["customer_id"]).shift()
    gap = (ev["start"] - prev_cover).dt.days
    ev = ev.assign(lapsed_from=prev_cover, gap_days=gap)
    # all events starting on the return day tell how the customer came back
    ret = ev[ev["gap_days"] > lapse_days]
    same_day = ev.merge(ret[["customer_id", "start"]], on=["customer_id", "start"])
    how = same_day.groupby(["customer_id", "start"]).agg(contract=("kind", lambda k: (k == "contract").any()),
                                                          trade_in=("trade_in", "max"))
    ret = ret.drop_duplicates(["customer_id", "start"]).merge(how.reset_index(), on=["customer_id", "start"],
                                                              suffixes=("_ev", ""))
    out = pd.DataFrame({"customer_id": ret["customer_id"], "lapsed_from": ret["lapsed_from"],
                        "returned_on": ret["start"], "gap_days": ret["gap_days"].astype("int64"),
                        "via": np.select([ret["contract"].astype(bool), ret["trade_in"].astype(bool)],
                                         ["contract", "trade-in"], "purchase")})
    out["service_before"] = False
    if dispatches is not None and len(dispatches) and len(out):
        d = dispatches[["customer_id", "reported_at"]].merge(out[["customer_id", "returned_on"]], on="customer_id")
        hit = (d["reported_at"] < d["returned_on"]) & (
            d["reported_at"] >= d["returned_on"] - pd.Timedelta(days=service_window_days))
        hits = d[hit].drop_duplicates(["customer_id", "returned_on"]).assign(_hit=True)
        out = out.drop(columns="service_before").merge(hits[["customer_id", "returned_on", "_hit"]],
                                                       on=["customer_id", "returned_on"], how="left")
        out["service_before"] = out["_hit"].notna()
        out = out.drop(columns="_hit")
    s = _purchases(sales)
    pv = s[["customer_id", "order_date", "amount"]].merge(out[["customer_id", "returned_on"]], on="customer_id")
    pv = pv[pv["order_date"] >= pv["returned_on"]].groupby(["customer_id", "returned_on"])["amount"].sum()
    val = pv
    if contracts is not None and len(contracts):
        kv = contracts[["customer_id", "start_date", "annual_fee"]].merge(out[["customer_id", "returned_on"]],
                                                                         on="customer_id")
        kv = kv[kv["start_date"] >= kv["returned_on"]].groupby(["customer_id", "returned_on"])["annual_fee"].sum()
        val = pv.add(kv, fill_value=0)
    out = out.merge(val.rename("value_after").reset_index(), on=["customer_id", "returned_on"], how="left")
    out["value_after"] = out["value_after"].fillna(0.0)
    return out.sort_values(["returned_on", "customer_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------- lifecycle stages
STAGES = ("prospect", "new", "active", "at_risk", "lapsed", "won_back")


def stages_at(customers: pd.DataFrame, sales: pd.DataFrame, contracts: pd.DataFrame | None, date, *,
              new_days: int = 365, at_risk_days: int = 180, lapse_days: int = 365) -> pd.Series:
    """Each customer's lifecycle stage on ``date`` (index ``customer_id``), from what was known then:

    ``prospect`` no purchase or contract yet; ``won_back`` returned from a lapse within the last
    ``new_days``; ``new`` first activity within the last ``new_days``; ``active`` a contract in
    force or a purchase within ``at_risk_days``; ``at_risk`` last activity ``at_risk_days`` to
    ``lapse_days`` ago; ``lapsed`` longer ago.
    """
    date = pd.Timestamp(date)
    ids = pd.Index(customers["customer_id"].unique(), name="customer_id")
    ev = _activity(sales, contracts, date)
    stage = pd.Series("prospect", index=ids)
    if ev.empty:
        return stage
    first = ev.groupby("customer_id")["start"].min().reindex(ids)
    last = ev.groupby("customer_id")["end"].max().reindex(ids)
    since = (date - last).dt.days
    in_force = pd.Series(False, index=ids)
    if contracts is not None and len(contracts):
        k = contracts[(contracts["start_date"] <= date) & (contracts["end_date"] >= date)]
        in_force = pd.Series(ids.isin(k["customer_id"]), index=ids)
    wb = win_backs(sales, contracts, lapse_days=lapse_days, as_of=date)
    recent_wb = wb[wb["returned_on"] > date - pd.Timedelta(days=new_days)]["customer_id"]
    stage = pd.Series(np.select(
        [first.isna(), ids.isin(recent_wb), (date - first).dt.days < new_days, in_force | (since <= at_risk_days),
         since <= lapse_days], ["prospect", "won_back", "new", "active", "at_risk"], "lapsed"), index=ids)
    return stage


def stage_transitions(customers: pd.DataFrame, sales: pd.DataFrame, contracts: pd.DataFrame | None,
                      previous, current, **kw) -> pd.DataFrame:
    """Customers moving between stages from ``previous`` to ``current``: a table ``from_stage``,
    ``to_stage``, ``customers`` (all pairs, zeros left out)."""
    a = stages_at(customers, sales, contracts, previous, **kw)
    b = stages_at(customers, sales, contracts, current, **kw)
    t = pd.DataFrame({"from_stage": a, "to_stage": b.reindex(a.index)})
    out = t.groupby(["from_stage", "to_stage"]).size().rename("customers").reset_index()
    order = {s: i for i, s in enumerate(STAGES)}
    return out.sort_values(["from_stage", "to_stage"], key=lambda c: c.map(order)).reset_index(drop=True)


# --------------------------------------------------------------------------- selection
def selection_ranking(sales: pd.DataFrame, as_of, *, horizon_weeks: float = 52, draws: int = 200,
                      seed: int = 0, rising_quantile: float = 0.75) -> tuple[pd.DataFrame, dict]:
    """Rank customers by potential value with its uncertainty (BG/NBD × Gamma-Gamma, :mod:`pipeline.clv`).

    Per customer: ``historical_value`` (purchases to ``as_of``), ``p_alive``, ``expected_purchases``
    in the next ``horizon_weeks``, ``expected_spend`` per purchase, ``potential_value`` = their
    product, ``potential_low``/``potential_high`` (5th/95th percentile over ``draws`` draws of the
    BG/NBD parameters from their estimated sampling distribution: parameter uncertainty only, not the
    customer's own purchase randomness), ``rank`` (1 = highest potential), ``rising`` (potential in the
    top ``1 - rising_quantile`` while history is below the median). Returns ``(table, models)``.
    """
    import copy
    import warnings

    from pipeline import clv
    as_of = pd.Timestamp(as_of)
    s = _purchases(sales)
    s = s[s["order_date"] <= as_of]
    summary = clv.rfm_summary(s, "customer_id", "order_date", "amount", freq="W", observation_end=as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bg = clv.BetaGeo().fit(summary)
        rep = summary[summary["frequency"] > 0]
        gg = clv.GammaGamma().fit(rep) if len(rep) >= 10 else None
    f, r, T = summary["frequency"], summary["recency"], summary["T"]
    exp_n = np.asarray(bg.conditional_expected_number_of_purchases_up_to_time(horizon_weeks, f, r, T), dtype=float)
    if gg is not None:
        spend = np.asarray(gg.conditional_expected_average_profit(f, summary["monetary_value"]), dtype=float)
    else:
        spend = np.full(len(summary), s.groupby(["customer_id", "order_date"])["amount"].sum().mean())
    rng = np.random.default_rng(seed)
    cov = bg.log_variance_matrix_.to_numpy()
    sims = np.empty((draws, len(summary)))
    if np.all(np.isfinite(cov)):
        logs = rng.multivariate_normal(np.log([bg.params_[k] for k in bg._names]), cov, size=draws)
        b2 = copy.copy(bg)
        for i, lp in enumerate(logs):
            b2.params_ = dict(zip(bg._names, np.exp(lp)))
            with np.errstate(all="ignore"):
                sims[i] = np.asarray(b2.conditional_expected_number_of_purchases_up_to_time(horizon_weeks, f, r, T))
    else:
        sims[:] = exp_n
    sims = sims * spend
    out = pd.DataFrame({"customer_id": summary.index,
                        "historical_value": s.groupby("customer_id")["amount"].sum().reindex(summary.index).to_numpy(),
                        "p_alive": np.asarray(bg.conditional_probability_alive(f, r, T), dtype=float),
                        "expected_purchases": exp_n, "expected_spend": spend, "potential_value": exp_n * spend,
                        "potential_low": np.nanpercentile(sims, 5, axis=0),
                        "potential_high": np.nanpercentile(sims, 95, axis=0)})
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


# --------------------------------------------------------------------------- contracts
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
