"""``write_sample``: the driver that simulates the branch one table at a time and writes the exports.

The order of the calls is the order of the random draws: changing it changes every file after it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from pipeline.sample.config import DEFAULT_SEED, FILE_CONTRACTS, FILE_CUSTOMERS, FILE_SALES, FILE_THESIS
from pipeline.sample.contracts import number_contracts, simulate_service, write_contracts_file
from pipeline.sample.customers import make_customers, write_customers_file
from pipeline.sample.dispatches import has_repeat_dispatches, number_dispatches, write_dispatch_files
from pipeline.sample.names import TraditionalToSimplified, assign_aliases
from pipeline.sample.sales import (
    number_orders,
    plant_orientation,
    plant_returns,
    plant_service_purchase_effect,
    simulate_customer_base,
    simulate_purchases,
    write_sales_workbook,
)
from pipeline.sample.thesis import write_thesis_table
from pipeline.sample.truth import build_truth, write_truth
from pipeline.sample.winback import plant_win_backs


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def write_sample(out_dir, *, seed: int = DEFAULT_SEED, customers: int = 300,
                 sla_breach_effect: float = -0.9, service_purchase_effect: float = 0.0, start="2007-01-01",
                 end="2009-12-31") -> dict:
    """Write raw exports + truth.json into out_dir; return the truth dict.

    ``customers``: how many (at least 1); ``sla_breach_effect``: the planted change in the log-odds of
    renewing a contract per breached dispatch in its term; ``service_purchase_effect``: the planted change
    in the log of a customer's purchase rate per breached dispatch it had (0, the default: none, and the
    purchases are those of a sample without the option); ``start``, ``end``: the first and last day
    simulated (dates or ISO strings, at least half a year apart).
    """
    n = int(customers)
    if n < 1:
        raise ValueError("customers must be at least 1")
    start_d, end_d = _as_date(start), _as_date(end)
    if end_d <= start_d + timedelta(days=180):
        raise ValueError("end must be at least half a year after start")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(seed))
    # the purchases (BG/NBD times, order values and lines) have their own stream, so the service side
    # (machines, contracts, dispatches) does not move when the purchase process changes
    sales_rng = np.random.default_rng([int(seed), 1])
    t2s = TraditionalToSimplified()
    n_weeks = ((end_d - start_d).days + 1) / 7.0

    custs = make_customers(rng, n, t2s)
    simulate_customer_base(rng, custs, n_weeks)

    # the two streams are independent: the service side is drawn first so that a planted service effect
    # can scale the purchase rates; without one the purchases are the same in either order
    machines_all, contracts, tickets = simulate_service(rng, custs, start_d, end_d, sla_breach_effect)
    plant_service_purchase_effect(custs, tickets, service_purchase_effect)
    orders = simulate_purchases(sales_rng, custs, start_d, end_d, n_weeks)

    plant_orientation(custs, n_weeks)
    assign_aliases(rng, custs, t2s, has_repeat_dispatches(custs, tickets))
    planted = plant_win_backs(rng, sales_rng, custs, orders, contracts, tickets, start_d, end_d, sla_breach_effect)
    plant_returns(rng, orders, end_d)
    number_orders(orders)
    number_contracts(contracts)
    number_dispatches(tickets)

    # names as written, per customer
    written: dict[str, set[str]] = {c["customer_id"]: set() for c in custs}

    dispatch_truth, files_quirks = write_dispatch_files(rng, out, custs, tickets, t2s, written, end_d.year)
    files_quirks[FILE_SALES] = write_sales_workbook(rng, out, orders, written, start_d, end_d)
    files_quirks[FILE_CUSTOMERS] = write_customers_file(out, custs, written)
    files_quirks[FILE_CONTRACTS] = write_contracts_file(rng, out, contracts, t2s, written)
    thesis_quirks, thesis_truth = write_thesis_table(out, custs, written)
    files_quirks[FILE_THESIS] = thesis_quirks

    truth = build_truth(seed=seed, n=n, start_d=start_d, end_d=end_d, sla_breach_effect=sla_breach_effect,
                        service_purchase_effect=service_purchase_effect,
                        files_quirks=files_quirks, custs=custs, written=written, machines_all=machines_all,
                        contracts=contracts, tickets=tickets, orders=orders, dispatch_truth=dispatch_truth,
                        planted=planted, thesis_truth=thesis_truth, t2s=t2s)
    write_truth(out, truth)
    return truth
