"""The seeded sample raw exports and their ``truth.json`` (see :mod:`pipeline.sample.write`)."""

from pipeline.sample.write import DEFAULT_SEED, SALES_HEADERS, sla_deadline, write_sample

__all__ = ["DEFAULT_SEED", "SALES_HEADERS", "sla_deadline", "write_sample"]
