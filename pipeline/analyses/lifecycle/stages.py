"""A customer's purchase history and its lifecycle stage: the opening purchase, the second one, lapses
and win-backs, and the stage on any day (prospect, new, active, at risk, lapsed, won back)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.lifecycle.cohorts import buying_lines


def opening_products(sales: pd.DataFrame, column: str = "product_category", top: int | None = None) -> pd.DataFrame:
    """What opens a relationship: ``column`` values in each customer's first order(s) (all lines
    on the first purchase date): ``value``, ``customers``, ``share`` of new customers."""
    s = buying_lines(sales)
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
    s = buying_lines(sales)
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
    s = buying_lines(sales)
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
    s = buying_lines(sales)
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
