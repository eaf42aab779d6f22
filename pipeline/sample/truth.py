"""``truth.json``: every planted parameter, each customer's, contract's and dispatch's true values, the
planted quirks per file and a summary, so the cleaning and analyses can be checked against them.

Floats are rounded (``_num``: 6 decimals unless named); dates are ISO strings.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pipeline.sample.config import (
    BGNBD,
    BRANCH,
    BREACH_PROB,
    BREACH_PROB_OFF_HOURS_EXTRA,
    CAG_ACCURACY,
    CAUSE_GIVEN_SYMPTOM,
    CAUSE_PARTS,
    CAUSES,
    CROSS_SELL,
    ENGINEERS,
    FAULTS_PER_MACHINE_YEAR,
    FILE_TRUTH,
    GAMMA_GAMMA,
    P_SERIES_ENGINEERS,
    PART_NAMES,
    RENEWAL_INTERCEPT,
    RENEWAL_TIER_EFFECTS,
    SECOND_CAUSE_RATE,
    SECOND_VISIT_EFFECT,
    SERVICE_LEVELS,
    SLA_RULES,
    SYMPTOM_PRIOR,
    SYMPTOMS,
    TIERS,
)
from pipeline.sample.names import TraditionalToSimplified
from pipeline.sample.winback import win_back_truth


def _num(x, nd=6):
    """``x`` as a float rounded to ``nd`` decimals; None stays None."""
    return None if x is None else round(float(x), nd)


def _cross_sell_truth(orders: list[dict]) -> list[dict]:
    """Per planted cross-sell pair: its planted P(b | a) and the lift realised over orders and over customers."""
    cross = []
    order_sets = [{ln["product_id"] for ln in o["lines"]} for o in orders]
    cust_sets: dict[str, set] = {}
    for o in orders:
        cust_sets.setdefault(o["customer"]["customer_id"], set()).update(ln["product_id"] for ln in o["lines"])
    for a in sorted(CROSS_SELL):
        for b, prob, _q in CROSS_SELL[a]:
            def lift(sets, a=a, b=b):
                n_all = len(sets)
                n_a = sum(1 for s in sets if a in s)
                n_b = sum(1 for s in sets if b in s)
                n_ab = sum(1 for s in sets if a in s and b in s)
                if not n_a or not n_b:
                    return None
                return round((n_ab / n_a) / (n_b / n_all), 4)
            cross.append({"product_a": a, "product_b": b, "p_b_given_a_planted": prob,
                          "lift_planted": lift(order_sets), "lift_customer_level": lift(list(cust_sets.values())),
                          "orders_with_a": sum(1 for s in order_sets if a in s)})
    return cross


def _customers_truth(custs: list[dict], written: dict[str, set[str]]) -> dict[str, dict]:
    customers_truth = {}
    for c in custs:
        customers_truth[c["customer_id"]] = {
            "name": c["name"], "variants": sorted(written[c["customer_id"]]), "alias": c.get("alias"),
            "alias_listed": bool(c.get("alias_listed", False)), "industry": c["industry"], "tier": c["tier"],
            "region": c["region"], "value_type": c["value_type"], "orientation": c["orientation"],
            "driver": c["driver"], "lambda": _num(c["lambda"], 8), "p_dropout": _num(c["p_dropout"]),
            "nu": _num(c["nu"], 10), "birth_week": _num(c["birth_week"], 4),
            "alive_at_end": c["alive_at_end"], "dropout_week": _num(c["dropout_week"], 4),
            "transactions": sum(1 for o in c["orders"] if o["bgnbd"]),
            "service_level": c["level"] if c["contracts"] else None,
            "machines": len(c["machines"]), "fault_frailty": _num(c["fault_frailty"]),
            "discount_base": _num(c["discount_base"]),
        }
    return customers_truth


def _contracts_truth(contracts: list[dict]) -> dict[str, dict]:
    contracts_truth = {}
    for k in contracts:
        contracts_truth[k["contract_id"]] = {
            "customer_id": k["customer"]["customer_id"], "start": k["start"].isoformat(),
            "end": k["end"].isoformat(), "service_level": k["level"], "annual_fee": k["fee"],
            "breaches": k["breaches"], "second_visits": k["second_visits"], "dispatches": k["dispatches"],
            "p_renew": _num(k["p_renew"]), "renewed": k["renewed"]}
    return contracts_truth


def _summary(n: int, custs: list[dict], machines_all: list[dict], tickets: list[dict], orders: list[dict],
             contracts: list[dict], win_back: list[dict], planted: dict[str, dict]) -> dict:
    n_t = len(tickets)
    by_level = {}
    for lv in SERVICE_LEVELS:
        ts = [t for t in tickets if t["level"] == lv]
        by_level[lv] = {"dispatches": len(ts), "breaches": sum(t["breached"] for t in ts),
                        "breach_rate": _num(sum(t["breached"] for t in ts) / len(ts)) if ts else None}
    decided = [k for k in contracts if k["renewed"] is not None]
    summary = {
        "customers": n, "machines": len(machines_all), "dispatches": n_t,
        "breaches": sum(t["breached"] for t in tickets),
        "breach_rate": _num(sum(t["breached"] for t in tickets) / n_t) if n_t else None,
        "breach_by_level": by_level,
        "first_time_fix_rate": _num(sum(t["true_visits"] == 1 for t in tickets) / n_t) if n_t else None,
        "cag_accuracy_realised": _num(sum(t["predicted"] == t["causes"][0] for t in tickets) / n_t) if n_t else None,
        "open_dispatches": sum(t["open"] for t in tickets),
        "orders": len(orders), "sales_lines": sum(len(o["lines"]) for o in orders),
        "return_lines": sum(len(o["returns"]) for o in orders),
        "contracts": len(contracts), "contracts_decided": len(decided),
        "renewal_rate": _num(sum(k["renewed"] for k in decided) / len(decided)) if decided else None,
        "win_backs": len(win_back), "win_backs_planted": len(planted),
        "tiers": {tr: sum(c["tier"] == tr for c in custs) for tr in TIERS},
    }
    return summary


def build_truth(*, seed: int, n: int, start_d: date, end_d: date, sla_breach_effect: float,
                service_purchase_effect: float,
                files_quirks: dict[str, dict], custs: list[dict], written: dict[str, set[str]],
                machines_all: list[dict], contracts: list[dict], tickets: list[dict], orders: list[dict],
                dispatch_truth: dict[str, dict], planted: dict[str, dict], thesis_truth: list[dict],
                t2s: TraditionalToSimplified) -> dict:
    """The truth dict of one sample (what ``truth.json`` holds and ``write_sample`` returns)."""
    win_back = win_back_truth(custs, planted, end_d)
    cross = _cross_sell_truth(orders)
    symptom_variants = {k: sorted(set(v) | {t2s(x) for x in v}) for k, v in SYMPTOMS.items()}
    cause_variants = {k: sorted(set(v) | {t2s(x) for x in v}) for k, v in CAUSES.items()}
    customers_truth = _customers_truth(custs, written)
    contracts_truth = _contracts_truth(contracts)
    summary = _summary(n, custs, machines_all, tickets, orders, contracts, win_back, planted)

    truth = {
        "params": {"seed": int(seed), "customers": n, "start": start_d.isoformat(), "end": end_d.isoformat(),
                   "sla_breach_effect": float(sla_breach_effect),
                   "service_purchase_effect": float(service_purchase_effect), "bgnbd": dict(BGNBD),
                   "gamma_gamma": dict(GAMMA_GAMMA), "time_unit": "week",
                   "faults_per_machine_year": dict(FAULTS_PER_MACHINE_YEAR),
                   "breach_probability": dict(BREACH_PROB),
                   "breach_probability_off_hours_extra_7x24": BREACH_PROB_OFF_HOURS_EXTRA},
        "quirks": files_quirks,
        "customers": customers_truth,
        "engineers": list(ENGINEERS),
        "p_series_engineers": list(ENGINEERS[:P_SERIES_ENGINEERS]),
        "branch": BRANCH,
        "machines": [{k: m[k] for k in ("customer_id", "series", "type_model", "serial")} for m in machines_all],
        "contracts": contracts_truth,
        "renewal": {"intercept": RENEWAL_INTERCEPT, "tier_effects": dict(RENEWAL_TIER_EFFECTS),
                    "sla_breach_effect": float(sla_breach_effect),
                    "second_visit_effect": SECOND_VISIT_EFFECT,
                    "per": "breached dispatch during the contract term",
                    "second_visit_per": "dispatch needing two or more visits during the contract term",
                    "model": "logit P(renew) = intercept + tier_effects[tier] + sla_breach_effect * breaches "
                             "+ second_visit_effect * second_visits; terms ending after params.end are undecided"},
        "service_purchase": {"effect": float(service_purchase_effect),
                             "model": "lambda_i = lambda_i0 * exp(effect * breached dispatches of the customer, "
                                      "whole span); nothing on drop-out"},
        "dispatch_truth": dispatch_truth,
        "cause_given_symptom": {s: dict(d) for s, d in CAUSE_GIVEN_SYMPTOM.items()},
        "cause_given_symptom_note": "distribution of the first (primary) cause; a second cause, when present, "
                                    "is drawn from the same distribution without the first",
        "second_cause_rate": SECOND_CAUSE_RATE,
        "symptom_prior": dict(SYMPTOM_PRIOR),
        "cause_parts": {k: list(v) for k, v in CAUSE_PARTS.items()},
        "part_names": dict(PART_NAMES),
        "parts_kit_rule": "parts of CAG's predicted cause, then parts of the other causes of the symptom in "
                          "descending P(cause|symptom), at most 2",
        "symptom_variants": symptom_variants,
        "cause_variants": cause_variants,
        "cag_accuracy": CAG_ACCURACY,
        "sla_rules": dict(SLA_RULES),
        "cross_sell": cross,
        "win_back": win_back,
        "win_back_definition": "no purchase (positive order) and no contract in force for more than 365 days, "
                               "then a purchase or a contract; planted=true for the planted ~4%",
        "thesis_table_4_1": thesis_truth,
        "summary": summary,
    }
    return truth


def write_truth(out: Path, truth: dict) -> None:
    """Write ``truth`` as truth.json into ``out`` (UTF-8, keys sorted, indented, no timestamp)."""
    (out / FILE_TRUTH).write_bytes(
        (json.dumps(truth, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8"))
