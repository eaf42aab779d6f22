"""Lapses and win-back: customers with more than a year without a purchase or a contract in force who
come back, both as planted and as found in the simulated activity (``truth.win_back``)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from pipeline.sample.config import WIN_BACK_SHARE
from pipeline.sample.contracts import contract_chain
from pipeline.sample.sales import trade_in_order


def _lapses(order_dates: list[date], intervals: list[tuple[date, date, str]], end: date) -> list[dict]:
    """Gaps of more than 365 days with no purchase and no contract, followed by a return."""
    events = [(d, d, "purchase") for d in order_dates] + [(s, min(e, end), "renewal") for s, e, _ in intervals]
    events.sort(key=lambda x: (x[0], x[1], x[2]))
    out = []
    covered_to = None
    for s, e, kind in events:
        if covered_to is not None and (s - covered_to).days > 365:
            out.append({"lapsed_from": covered_to, "returned_on": s, "kind": kind})
        covered_to = e if covered_to is None else max(covered_to, e)
    return out


def plant_win_backs(rng: np.random.Generator, sales_rng: np.random.Generator, custs: list[dict],
                    orders: list[dict], contracts: list[dict], tickets: list[dict], start_d: date, end_d: date,
                    sla_breach_effect: float) -> dict[str, dict]:
    """Planted win-back: lapsed customers come back with a trade-in purchase or a renewal.

    About ``WIN_BACK_SHARE`` of the customers, drawn from those with no contract chain running and no
    activity in the last 425 days, return more than a year after their last activity: with a trade-in
    order (drawn from ``sales_rng``) or, for 40% of those who had contracts, a new contract chain.
    Appends to ``orders``, ``contracts`` and ``tickets`` (and the customer's own lists); returns per
    customer id ``{"lapsed_from", "returned_on", "via"}``."""
    n = len(custs)
    candidates = []
    for c in custs:
        last = max([o["date"] for o in c["orders"]] + [min(k["end"], end_d) for k in c["contracts"]])
        chain_open = bool(c["contracts"]) and c["contracts"][-1]["renewed"] is not False
        if not chain_open and last <= end_d - timedelta(days=365 + 60):
            candidates.append((c, last))
    n_win = min(len(candidates), int(round(WIN_BACK_SHARE * n)))
    planted = {}
    for j in sorted(int(x) for x in rng.choice(len(candidates), size=n_win, replace=False)):
        c, last = candidates[j]
        room = min(300, (end_d - last).days - 366 - 30)
        ret = last + timedelta(days=366 + int(rng.integers(14, max(15, room))))
        via = "renewal" if (c["contracts"] and rng.random() < 0.4) else "trade-in"
        if via == "trade-in":
            o = trade_in_order(sales_rng, c, ret, start_d)
            c["orders"].append(o)
            orders.append(o)
        else:
            before = len(contracts)
            contract_chain(rng, c, c["machines"], ret, c["level"], end_d, sla_breach_effect, contracts, tickets)
            c["contracts"] = c["contracts"] + contracts[before:]
        planted[c["customer_id"]] = {"lapsed_from": last, "returned_on": ret, "via": via}
    return planted


def win_back_truth(custs: list[dict], planted: dict[str, dict], end_d: date) -> list[dict]:
    """Every lapse followed by a return, per customer, with how it returned and whether it was planted."""
    win_back = []
    for c in custs:
        dates = [o["date"] for o in c["orders"]]
        intervals = [(k["start"], k["end"], k["contract_id"]) for k in c["contracts"]]
        channel_on = {o["date"]: o["channel"] for o in c["orders"]}
        for lp in _lapses(dates, intervals, end_d):
            via = lp["kind"]
            if via == "purchase":
                via = "trade-in" if channel_on.get(lp["returned_on"]) == "trade-in" else "purchase"
            win_back.append({"customer_id": c["customer_id"], "lapsed_from": lp["lapsed_from"].isoformat(),
                             "returned_on": lp["returned_on"].isoformat(), "via": via,
                             "planted": c["customer_id"] in planted
                             and planted[c["customer_id"]]["returned_on"] == lp["returned_on"]})
    return win_back
