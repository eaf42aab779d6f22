"""Does bad service lower the purchase rate or raise drop-out? One customer-base model links chapter 2's
service experience to chapter 3's purchases.

Per customer, service experience is measured over the same window as the purchases (every dispatch
reported before ``as_of``): SLA breaches, second visits (dispatches that needed two or more visits) and
the median repair time in hours. BG/NBD is then fitted with these as static covariates on both
processes (:class:`pipeline.clv.BetaGeoCovariates`). A purchase coefficient below 0 means more of it goes
with fewer purchases; a drop-out coefficient above 0 means customers leave sooner.

The estimate is observational, like chapter 4's renewal test. Customers with more dispatches own
more machines, and machines that break down are bought by customers with more to do. So a breach count
partly measures size. The number of dispatches is therefore a covariate too, and the effect of a
breach is read for a given number of dispatches.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pipeline.analyses.service.repair import repair_durations
from pipeline.analyses.service.sla import sla_flags

COVARIATES = ("sla_breaches", "second_visits", "median_repair_hours", "dispatches")
MIN_CUSTOMERS = 100         # customers in the purchase summary: about ten per parameter of the model (12)
MIN_WITH_BREACHES = 10      # customers with at least one SLA breach: fewer and the breach effect is noise


def customer_service_experience(dispatches: pd.DataFrame, customer_ids, as_of) -> pd.DataFrame:
    """Per customer of `customer_ids` (in that order): ``dispatches`` reported before `as_of`,
    ``sla_breaches`` among them (response target missed, :func:`~pipeline.analyses.service.sla.sla_flags`),
    ``second_visits`` (dispatches with two or more visits) and ``median_repair_hours`` (closed dispatches,
    report to close). A customer without a closed dispatch gets the median over all customers who have
    one, so that the covariate says "slower or faster than usual" and not "had no dispatch"."""
    as_of = pd.Timestamp(as_of)
    index = pd.Index(customer_ids, name="customer_id")
    d = dispatches[pd.to_datetime(dispatches["reported_at"]) < as_of]
    out = pd.DataFrame(index=index)
    if d.empty:
        for c in COVARIATES:
            out[c] = 0.0
        return out.reset_index()
    flags = sla_flags(d, as_of=as_of)
    hours = repair_durations(d, as_of)
    per = pd.DataFrame({"customer_id": d["customer_id"].to_numpy(),
                        "breached": flags["breached"].fillna(False).astype(bool).to_numpy(),
                        "second": (pd.to_numeric(d.get("visits"), errors="coerce").fillna(1) >= 2).to_numpy()
                        if "visits" in d else np.zeros(len(d), bool),
                        "hours": hours["hours"].where(hours["event"] & hours["usable"]).to_numpy()})
    g = per.groupby("customer_id")
    out["dispatches"] = g.size().reindex(index).fillna(0).astype(float)
    out["sla_breaches"] = g["breached"].sum().reindex(index).fillna(0).astype(float)
    out["second_visits"] = g["second"].sum().reindex(index).fillna(0).astype(float)
    median = g["hours"].median().reindex(index)
    out["median_repair_hours"] = median.fillna(median.median() if median.notna().any() else 0.0)
    return out[list(COVARIATES)].reset_index()


def service_purchase_effect(summary: pd.DataFrame, dispatches: pd.DataFrame | None, as_of) -> dict:
    """The covariate model on the purchase `summary` (frequency, recency, T per customer, indexed by
    customer_id). Returns ``{"effects": DataFrame | None, "experience": DataFrame, "model": fitted | None,
    "reason": str | None}``: ``effects`` has process (purchase, dropout), covariate, estimate, se, ci_low,
    ci_high, p_value and rate_ratio (exp of the estimate, per unit of the covariate); ``reason`` says why
    there is no estimate (no dispatches, too few customers, too few with a breach, a failed fit)."""
    from pipeline import clv
    empty = pd.DataFrame(columns=["customer_id", *COVARIATES])
    if dispatches is None or dispatches.empty:
        return {"effects": None, "experience": empty, "model": None, "reason": "no_dispatches"}
    if len(summary) < MIN_CUSTOMERS:
        return {"effects": None, "experience": empty, "model": None, "reason": "few_customers"}
    experience = customer_service_experience(dispatches, summary.index, as_of)
    if int((experience["sla_breaches"] > 0).sum()) < MIN_WITH_BREACHES:
        return {"effects": None, "experience": experience, "model": None, "reason": "few_breaches"}
    z = experience.set_index("customer_id")[list(COVARIATES)]
    z = z.loc[:, z.std() > 0]                   # a covariate that never varies says nothing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model = clv.BetaGeoCovariates().fit(summary["frequency"], summary["recency"], summary["T"], z, z)
        except (ValueError, np.linalg.LinAlgError):
            return {"effects": None, "experience": experience, "model": None, "reason": "fit_failed"}
    effects = model.coefficients_
    if not np.all(np.isfinite(effects["se"])):
        return {"effects": None, "experience": experience, "model": None, "reason": "fit_failed"}
    return {"effects": effects, "experience": experience, "model": model, "reason": None}
