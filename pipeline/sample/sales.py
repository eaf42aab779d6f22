"""Sales: the purchase process (BG/NBD + Gamma-Gamma), its orders and lines, the customers' time
orientation read from it, returns, and the sales workbook (``sales_2007_2009.xlsx``).

Times are in weeks from the start date; order values and prices in CNY; discounts are fractions.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from pipeline.sample.config import (
    BGNBD,
    CATEGORIES,
    CROSS_SELL,
    FILE_SALES,
    GAMMA_GAMMA,
    ORIENT_FUTURE,
    ORIENT_FUTURE_WEEKS,
    ORIENT_PAST,
    PRODUCTS,
    SALES_HEADERS,
    VALUE_TYPES,
)
from pipeline.sample.draws import pick
from pipeline.sample.files import write_xlsx
from pipeline.sample.quirks import plant_quirks


def _assign_sorted(rng: np.random.Generator, values: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Give the sorted ``values`` to customers in the order of ``score``: keeps the exact sample."""
    out = np.empty_like(values)
    out[np.argsort(score, kind="stable")] = np.sort(values)
    return out


def simulate_customer_base(rng, customers, n_weeks: float):
    """The purchase process is BG/NBD: each customer's rate λ ~ Gamma(r, α) and drop-out
    probability p ~ Beta(a, b) are independent draws, independent of birth and value type (the
    time orientation is read afterwards from the simulated behaviour: ``plant_orientation``).
    Birth (first purchase): half in the first quarter, half spread over the rest of the span."""
    n = len(customers)
    births = np.where(rng.random(n) < 0.5, rng.uniform(0.0, 13.0, n), rng.uniform(13.0, max(14.0, n_weeks - 4.0), n))
    psych = np.array([c["driver"] == "psychological" for c in customers], dtype=float)
    lam = rng.gamma(BGNBD["r"], 1.0 / BGNBD["alpha"], n)
    pdrop = rng.beta(BGNBD["a"], BGNBD["b"], n)
    nu = rng.gamma(GAMMA_GAMMA["q"], 1.0 / GAMMA_GAMMA["gamma"], n)
    nu = _assign_sorted(rng, nu, rng.normal(size=n) - 0.6 * psych)  # psychological: larger orders
    for i, c in enumerate(customers):
        c["birth_week"] = float(births[i])
        c["lambda"] = float(lam[i])
        c["p_dropout"] = float(pdrop[i])
        c["nu"] = float(nu[i])
        if c["driver"] == "economic":
            c["discount_base"] = float(rng.uniform(0.18, 0.32))
        else:
            c["discount_base"] = float(rng.uniform(0.0, 0.12))
        if c["driver"] == "functional":
            c["category_weights"] = [0.2] * len(CATEGORIES)
        else:
            c["category_weights"] = [float(x) for x in rng.dirichlet([0.4] * len(CATEGORIES))]
        c["channel_partner_p"] = 0.55 if c["tier"] == "SMB" else 0.2


def _purchase_times(rng, c, n_weeks: float) -> tuple[list[float], bool, float | None]:
    t = c["birth_week"]
    times = [t]
    alive, dropout = True, None
    while True:
        t = t + rng.exponential(1.0 / c["lambda"])
        if t >= n_weeks:
            break
        times.append(float(t))
        if rng.random() < c["p_dropout"]:
            alive, dropout = False, float(t)
            break
    return times, alive, dropout


_PRODUCT_BY_ID = {p[0]: p for p in PRODUCTS}


def _order_lines(rng, c, z: float, discount: float, anchor_category: str | None = None) -> list[dict]:
    """1-4 lines whose amounts sum to the transaction value ``z`` (to the cent)."""
    weights = []
    for _pid, _name, cat, price in PRODUCTS:
        net = price * (1.0 - discount)
        if net > 1.3 * z and not (anchor_category and cat == anchor_category and price == min(
                p[3] for p in PRODUCTS if p[2] == anchor_category)):
            weights.append(0.0)
            continue
        cat_w = c["category_weights"][CATEGORIES.index(cat)] if anchor_category is None else (
            1.0 if cat == anchor_category else 0.0)
        n_cat = sum(1 for p in PRODUCTS if p[2] == cat)
        fit = math.exp(-0.5 * (math.log(z / net) / 1.2) ** 2) + 0.02
        weights.append(cat_w / n_cat * fit)
    w = np.asarray(weights)
    if w.sum() <= 0:
        w = np.asarray([1.0 if p[2] == "part" else 0.0 for p in PRODUCTS])
    anchor = PRODUCTS[int(rng.choice(len(PRODUCTS), p=w / w.sum()))]
    lines = [[anchor[0], 1]]
    for comp, prob, (lo, hi) in CROSS_SELL.get(anchor[0], []):
        if rng.random() < prob:
            lines.append([comp, int(rng.integers(lo, hi + 1))])
    if len(lines) < 4 and rng.random() < 0.25:
        extra = [p for p in PRODUCTS if p[2] in ("part", "software", "upgrade") and p[0] not in {x[0] for x in lines}]
        e = pick(rng, extra)
        lines.append([e[0], int(rng.integers(1, 3))])
    lines = lines[:4]
    net = {pid: _PRODUCT_BY_ID[pid][3] * (1.0 - discount) for pid, _ in lines}
    comp_value = sum(q * net[pid] for pid, q in lines[1:])
    if comp_value > 0.7 * z:  # companions would crowd out the anchor: keep one unit of each
        for ln in lines[1:]:
            ln[1] = 1
        comp_value = sum(q * net[pid] for pid, q in lines[1:])
        if comp_value > 0.7 * z:
            lines = lines[:1]
            comp_value = 0.0
    lines[0][1] = max(1, int(round((z - comp_value) / net[lines[0][0]])))
    total_list = sum(q * net[pid] for pid, q in lines)
    factor = z / total_list
    out = []
    for pid, q in lines:
        unit = round(_PRODUCT_BY_ID[pid][3] * factor, 2)
        amount = round(q * unit * (1.0 - discount), 2)
        out.append({"product_id": pid, "qty": q, "unit_price": unit, "discount": discount, "amount": amount})
    return out


def _simulate_sales(rng, c, start: date, end: date, n_weeks: float) -> list[dict]:
    times, alive, dropout = _purchase_times(rng, c, n_weeks)
    c["alive_at_end"] = alive
    c["dropout_week"] = dropout
    orders = []
    for t in times:
        d = start + timedelta(days=int(math.floor(t * 7.0)))
        if d > end:
            continue
        z = float(rng.gamma(GAMMA_GAMMA["p"], 1.0 / c["nu"]))
        z = max(z, 500.0)
        disc = float(np.clip(round(c["discount_base"] + rng.normal(0, 0.04), 2), 0.0, 0.4))
        channel = "partner" if rng.random() < c["channel_partner_p"] else "direct"
        lines = _order_lines(rng, c, z, disc)
        orders.append({"customer": c, "date": d, "week": t, "channel": channel, "lines": lines,
                       "value": round(sum(ln["amount"] for ln in lines), 2), "bgnbd": True})
    return orders


def plant_orientation(customers, n_weeks: float) -> None:
    """Time orientation from the simulated purchase process (not an input to it).

    Each customer's true expected value of the next year at the data end: 52·λ·E[z] = 52·λ·p/ν if
    its process is still alive, else nothing; the dead are ordered by how long ago they dropped out
    (longer ago = further in the past). Ranked among all customers: the lowest ``ORIENT_PAST``
    share is *past* (the process died early: its value lies behind it); above ``ORIENT_FUTURE``,
    those born within the last ``ORIENT_FUTURE_WEEKS`` before the final quarter are *future*
    (young with a high rate: value ahead); the rest *present*."""
    n = len(customers)
    if n == 0:
        return
    score = np.array([52.0 * c["lambda"] * GAMMA_GAMMA["p"] / c["nu"] if c["alive_at_end"]
                      else -(n_weeks - c["dropout_week"]) for c in customers])
    rank = (np.argsort(np.argsort(score, kind="stable"), kind="stable") + 1) / n
    young_from = n_weeks - 13.0 - ORIENT_FUTURE_WEEKS
    for i, c in enumerate(customers):
        if rank[i] <= ORIENT_PAST:
            o = "past"
        elif rank[i] > ORIENT_FUTURE and c["birth_week"] >= young_from:
            o = "future"
        else:
            o = "present"
        c["orientation"] = o
        c["value_type"] = VALUE_TYPES[(o, c["driver"])]


def plant_service_purchase_effect(customers: list[dict], tickets: list[dict], effect: float) -> None:
    """Scale each customer's purchase rate by exp(effect x its breached dispatches): the effect that
    :class:`pipeline.clv.BetaGeoCovariates` estimates as the purchase coefficient of SLA breaches
    (alpha_i = alpha exp(-gamma z) is the same as lambda_i = lambda exp(gamma z) for a gamma rate).
    The drop-out probabilities are left alone: nothing is planted on drop-out."""
    if effect == 0:
        return
    breaches: dict[str, int] = {}
    for t in tickets:
        if t["breached"]:
            cid = t["customer"]["customer_id"]
            breaches[cid] = breaches.get(cid, 0) + 1
    for c in customers:
        c["service_breaches"] = breaches.get(c["customer_id"], 0)
        c["lambda"] = float(c["lambda"] * np.exp(effect * c["service_breaches"]))


def simulate_purchases(rng: np.random.Generator, custs: list[dict], start_d: date, end_d: date,
                       n_weeks: float) -> list[dict]:
    """Every customer's BG/NBD orders, customer by customer (also kept as ``c["orders"]``)."""
    orders: list[dict] = []
    for c in custs:
        c["orders"] = _simulate_sales(rng, c, start_d, end_d, n_weeks)
        orders.extend(c["orders"])
    return orders


def trade_in_order(rng: np.random.Generator, c: dict, ret: date, start_d: date) -> dict:
    """A planted win-back purchase on ``ret``: a server-led order of channel ``trade-in``, outside the
    BG/NBD process (``bgnbd`` False); its value is a Gamma-Gamma draw like any other order's."""
    z = max(500.0, float(rng.gamma(GAMMA_GAMMA["p"], 1.0 / c["nu"])))
    disc = float(np.clip(round(c["discount_base"] + rng.normal(0, 0.04), 2), 0.0, 0.4))
    lines = _order_lines(rng, c, z, disc, anchor_category="server")
    o = {"customer": c, "date": ret, "week": ((ret - start_d).days) / 7.0, "channel": "trade-in",
         "lines": lines, "value": round(sum(ln["amount"] for ln in lines), 2), "bgnbd": False}
    return o


def plant_returns(rng: np.random.Generator, orders: list[dict], end_d: date) -> None:
    """Returns: ~2% of lines come back later as negative lines in an order "R" + original.

    Sets each order's ``returns`` (those 7-60 days after the order, if not after ``end_d``)."""
    for o in orders:
        o["returns"] = []
        for ln in o["lines"]:
            if rng.random() < 0.02:
                rd = o["date"] + timedelta(days=int(rng.integers(7, 61)))
                q = -int(rng.integers(1, ln["qty"] + 1))
                if rd <= end_d:
                    o["returns"].append({"date": rd, "line": ln, "qty": q,
                                         "amount": round(q * ln["unit_price"] * (1.0 - ln["discount"]), 2)})


def number_orders(orders: list[dict]) -> None:
    """Sort ``orders`` by date and customer and give them ids ``SO<year>-<nnnnn>``, numbered per year."""
    orders.sort(key=lambda o: (o["date"], o["customer"]["customer_id"], o["week"]))
    seq: dict[int, int] = {}
    for o in orders:
        y = o["date"].year
        seq[y] = seq.get(y, 0) + 1
        o["order_id"] = f"SO{y}-{seq[y]:05d}"


def write_sales_workbook(rng: np.random.Generator, out: Path, orders: list[dict], written: dict[str, set[str]],
                         start_d: date, end_d: date) -> dict:
    """Write the sales workbook into ``out``: order and return lines by date, one quantity spelled out, two
    duplicated lines and a total row at the end; returns the file's quirk record.

    Adds each name written to ``written`` (customer id -> the names it is written as)."""
    sales_rows = []
    for o in orders:
        c = o["customer"]
        for k, ln in enumerate(o["lines"], start=1):
            p = _PRODUCT_BY_ID[ln["product_id"]]
            sales_rows.append(((o["date"], o["order_id"], k), [
                o["order_id"], k, datetime.combine(o["date"], time(0, 0)), c["customer_id"], c["name"], p[0], p[1],
                p[2], ln["qty"], ln["unit_price"], ln["discount"], ln["amount"], "CNY", o["channel"]]))
        for k, r in enumerate(o["returns"], start=1):
            ln = r["line"]
            p = _PRODUCT_BY_ID[ln["product_id"]]
            sales_rows.append(((r["date"], "R" + o["order_id"], k), [
                "R" + o["order_id"], k, datetime.combine(r["date"], time(0, 0)), c["customer_id"], c["name"], p[0],
                p[1], p[2], r["qty"], ln["unit_price"], ln["discount"], r["amount"], "CNY", o["channel"]]))
        if o["lines"]:
            written[c["customer_id"]].add(c["name"])
    sales_rows.sort(key=lambda x: x[0])
    srows = [r for _k, r in sales_rows]

    def bad_qty(row):
        row = list(row)
        row[8] = "two"
        return row

    # "two" goes where the quantity is 2, so the cell still reads true; without a 2, any positive quantity
    has_two = any(r[8] == 2 for r in srows)

    def eligible_qty(i):
        return srows[i][8] == 2 if has_two else srows[i][8] > 0

    final, record, _row_of = plant_quirks(rng, srows, 2, [("bad_number", eligible_qty, bad_qty)], first_row=4)
    total = round(sum(r[11] for r in final if isinstance(r[11], (int, float))), 2)
    final.append(["合計", None, None, None, None, None, None, None, None, None, None, total, None, None])
    record["rows_read"] = len(final)
    record["rejects"].append({"row": len(final) + 3, "reason": "total_row"})
    title = f"Sales export {start_d.year}-{end_d.year}"
    write_xlsx(out / FILE_SALES, title, SALES_HEADERS, final)
    return record
