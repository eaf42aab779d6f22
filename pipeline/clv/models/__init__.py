"""The customer-base models of :mod:`pipeline.clv`."""
