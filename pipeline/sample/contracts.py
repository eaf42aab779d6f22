"""The service side: machines, service levels and maintenance contracts, whose terms draw the
dispatches (see :mod:`pipeline.sample.dispatches`) and are renewed or not by them (``contracts.csv``).

Contract terms are one year; annual fees in CNY.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from pipeline.sample.config import (
    CONTRACT_HEADERS,
    ENGINEERS,
    FAULTS_PER_MACHINE_YEAR,
    FILE_CONTRACTS,
    MODEL_CHARS,
    P_SERIES_ENGINEERS,
    P_SERIES_SHARE,
    P_TYPES,
    RENEWAL_INTERCEPT,
    RENEWAL_TIER_EFFECTS,
    SECOND_VISIT_EFFECT,
    SERVICE_LEVEL_WRITTEN,
    SERVICE_LEVELS,
    X_TYPES,
)
from pipeline.sample.dispatches import make_ticket, report_time
from pipeline.sample.draws import pick, pick_weighted
from pipeline.sample.files import write_csv
from pipeline.sample.names import TraditionalToSimplified
from pipeline.sample.quirks import plant_quirks


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def _make_machines(rng, c, serials: set) -> list[dict]:
    lo, hi = {"VIP": (3, 8), "Large": (2, 6), "SMB": (1, 4)}[c["tier"]]
    k = int(rng.integers(lo, hi + 1))
    p_share = P_SERIES_SHARE.get(c["industry"], 0.05)
    machines = []
    for _ in range(k):
        series = "p" if rng.random() < p_share else "x"
        mtype = pick(rng, P_TYPES if series == "p" else X_TYPES)
        model = "".join(MODEL_CHARS[int(j)] for j in rng.integers(0, len(MODEL_CHARS), 3))
        while True:
            serial = f"{int(rng.integers(10, 100))}{'ABCDEFGHJKLMNPRSTUVWXYZ'[int(rng.integers(23))]}" \
                     f"{int(rng.integers(0, 10000)):04d}"
            if serial not in serials:
                serials.add(serial)
                break
        machines.append({"customer_id": c["customer_id"], "series": series, "type": mtype, "model": model,
                         "type_model": mtype + model, "serial": serial})
    return machines


def _service_level(rng, c) -> str:
    probs = {"VIP": (0.1, 0.3, 0.6), "Large": (0.3, 0.45, 0.25), "SMB": (0.7, 0.25, 0.05)}[c["tier"]]
    probs = list(probs)
    if c["driver"] == "psychological":
        probs[2] += 0.25
    return pick_weighted(rng, SERVICE_LEVELS, probs)


def contract_chain(rng, c, machines, first_start: date, level: str, end: date, renewal_effect: float,
                   contracts: list, tickets: list) -> None:
    """1-year terms from ``first_start``; each term's dispatches decide whether it is renewed."""
    end_dt = datetime.combine(end, time(23, 59))
    last_report_day = end - timedelta(days=3)
    fee = 0.0
    for m in machines:
        fee += {"5x9": 3000.0, "7x24x8": 5500.0, "7x24x4": 8000.0}[level] * (3.0 if m["series"] == "p" else 1.0)
    fee = round(fee * float(rng.uniform(0.9, 1.1)) / 100.0) * 100.0
    s = first_start
    while s <= end:
        e = _add_year(s) - timedelta(days=1)
        term_tickets = []
        window_end = min(e, last_report_day)
        days = (window_end - s).days + 1
        if days > 0:
            for m in machines:
                k = int(rng.poisson(FAULTS_PER_MACHINE_YEAR[m["series"]] * c["fault_frailty"] * days / 365.0))
                for _ in range(k):
                    day = s + timedelta(days=int(rng.integers(days)))
                    reported, off = report_time(rng, day, level)
                    if reported.date() > window_end:
                        reported -= timedelta(days=3)
                    engineer = c["p_engineer"] if m["series"] == "p" else pick(rng, ENGINEERS[P_SERIES_ENGINEERS:])
                    term_tickets.append(make_ticket(rng, c, m, level, reported, off, engineer, end_dt))
        term_tickets.sort(key=lambda t: (t["reported"], t["machine"]["serial"]))
        breaches = sum(1 for t in term_tickets if t["breached"])
        second = sum(1 for t in term_tickets if t["true_visits"] >= 2)
        contract = {"customer": c, "start": s, "end": e, "level": level, "fee": fee, "breaches": breaches,
                    "second_visits": second, "dispatches": len(term_tickets), "renewed": None, "p_renew": None}
        for t in term_tickets:
            t["contract"] = contract
        tickets.extend(term_tickets)
        contracts.append(contract)
        if e > end:
            break
        logit = (RENEWAL_INTERCEPT + RENEWAL_TIER_EFFECTS[c["tier"]] + renewal_effect * breaches
                 + SECOND_VISIT_EFFECT * second)
        p = 1.0 / (1.0 + math.exp(-logit))
        contract["p_renew"] = p
        contract["renewed"] = bool(rng.random() < p)
        if not contract["renewed"]:
            break
        s = e + timedelta(days=1)


def simulate_service(rng: np.random.Generator, custs: list[dict], start_d: date, end_d: date,
                     sla_breach_effect: float) -> tuple[list[dict], list[dict], list[dict]]:
    """Customer by customer: machines, fault frailty, p-series engineer, service level and (for most) a
    contract chain with its dispatches. Returns ``(machines, contracts, tickets)``; each customer also
    keeps its own as ``c["machines"]`` and ``c["contracts"]``."""
    serials: set[str] = set()
    contracts: list[dict] = []
    tickets: list[dict] = []
    machines_all: list[dict] = []
    for c in custs:
        ms = _make_machines(rng, c, serials)
        c["machines"] = ms
        machines_all.extend(ms)
        c["fault_frailty"] = float(rng.gamma(4.0, 0.25))
        c["p_engineer"] = pick(rng, ENGINEERS[:P_SERIES_ENGINEERS])
        c["level"] = _service_level(rng, c)
        p_contract = {"VIP": 0.92, "Large": 0.85, "SMB": 0.65}[c["tier"]]
        if c["industry"] == "internet_cafe":
            p_contract -= 0.25
        c["contracts"] = []
        if rng.random() < p_contract:
            birth_day = start_d + timedelta(days=int(c["birth_week"] * 7))
            if c["birth_week"] < 13.0:
                first = start_d + timedelta(days=int(rng.integers(0, 365)))
            else:
                first = birth_day + timedelta(days=int(rng.integers(0, 61)))
            if first <= end_d - timedelta(days=30):
                before = len(contracts)
                contract_chain(rng, c, ms, first, c["level"], end_d, sla_breach_effect, contracts, tickets)
                c["contracts"] = contracts[before:]
    return machines_all, contracts, tickets


def number_contracts(contracts: list[dict]) -> None:
    """Sort ``contracts`` by start and customer and give them ids ``HT<year>-<nnnn>``, numbered per year."""
    contracts.sort(key=lambda k: (k["start"], k["customer"]["customer_id"]))
    seq: dict[int, int] = {}
    for k in contracts:
        y = k["start"].year
        seq[y] = seq.get(y, 0) + 1
        k["contract_id"] = f"HT{y}-{seq[y]:04d}"


def write_contracts_file(rng: np.random.Generator, out: Path, contracts: list[dict], t2s: TraditionalToSimplified,
                         written: dict[str, set[str]]) -> dict:
    """Write contracts.csv (GB18030, Simplified) into ``out``: dates in two styles, the service level as
    written, one duplicated row; returns the file's quirk record.

    Adds each name written to ``written`` (customer id -> the names it is written as)."""
    krows = []
    for k in contracts:
        c = k["customer"]
        style = int(rng.integers(2))

        def fd(d, style=style):
            return f"{d.year}/{d.month}/{d.day}" if style == 0 else d.isoformat()

        renewed = "" if k["renewed"] is None else ("是" if k["renewed"] else "否")
        krows.append([k["contract_id"], t2s(c["name"]), fd(k["start"]), fd(k["end"]),
                      pick(rng, SERVICE_LEVEL_WRITTEN[k["level"]]), f"{k['fee']:,.2f}", renewed])
        written[c["customer_id"]].add(t2s(c["name"]))
    final, record, _ = plant_quirks(rng, krows, 1, [], first_row=2)
    write_csv(out / FILE_CONTRACTS, CONTRACT_HEADERS, final, "gb18030")
    return record
