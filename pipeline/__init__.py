"""Aftercare: after-sales service and customer-lifecycle analysis for a hardware service branch.

The package turns raw dispatch, sales, customer and contract exports into clean tables
(:mod:`pipeline.clean`), analyses them (:mod:`pipeline.service`, :mod:`pipeline.value`,
:mod:`pipeline.clv`, :mod:`pipeline.lifecycle`) and renders reports (:mod:`pipeline.report`).
"""

__version__ = "0.1.0"
