"""Sample raw exports of a simulated service branch, with the truth they were drawn from.

``write_sample(out_dir)`` simulates one city's after-sales branch of a server vendor for three
years (customers, machines, maintenance contracts, dispatches, hardware sales), writes the raw
exports the way real systems produce them (mixed encodings, scripts, date formats, duplicated
and broken rows) and ``truth.json``: every planted parameter and quirk, so the cleaning and the
analyses can be tested against what is known to be true.

Everything is drawn from ``numpy.random.default_rng(seed)`` (the purchases from their own stream,
``default_rng([seed, 1])``) in a fixed order, no timestamp is written, and the ``.xlsx`` is rewritten
with fixed zip dates, so the same seed gives byte-identical files.

The purchase process is BG/NBD + Gamma-Gamma as planted (``truth.params``): each customer's rate and
drop-out probability are independent draws, and its time orientation (``truth.customers``) is read
from the simulated process afterwards; planted win-back purchases (channel ``trade-in``) are outside it.
"""

from pipeline.sample.config import DEFAULT_SEED, SALES_HEADERS
from pipeline.sample.dispatches import sla_deadline
from pipeline.sample.write import write_sample

__all__ = ["DEFAULT_SEED", "SALES_HEADERS", "sla_deadline", "write_sample"]
