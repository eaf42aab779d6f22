"""Who carried the dispatches: workload by engineer, customer and month, and the engineers' league."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.service.common import (
    UNKNOWN_GROUP,
    with_month,
)
from pipeline.analyses.stats import wilson_interval


def workload(dispatches: pd.DataFrame, dimensions: Sequence[str] = ("engineer", "customer_id", "month")
             ) -> pd.DataFrame:
    """Dispatch counts per engineer, per customer and per report month, in one long table.

    Columns: ``dimension`` (``engineer`` | ``customer_id`` | ``month``), ``key`` (the engineer,
    customer id, or ``YYYY-MM``; ``(unknown)`` for missing), ``label`` (the customer name for
    customers, else the key), ``dispatches``, ``share`` (of all dispatches, 0–1). Months with no
    dispatch between the first and last month are listed with 0. Sorted by dimension, then by
    dispatches (months: chronologically).
    """
    d = with_month(dispatches, ["month"])
    total = len(d)
    frames = []
    for dim in dimensions:
        key = d[dim].astype("string").fillna(UNKNOWN_GROUP)
        counts = key.value_counts().rename("dispatches")
        if dim == "month" and len(counts):
            known = counts.drop(UNKNOWN_GROUP, errors="ignore")
            span = pd.period_range(min(known.index), max(known.index), freq="M").strftime("%Y-%m")
            counts = counts.reindex(list(span) + ([UNKNOWN_GROUP] if UNKNOWN_GROUP in counts else []),
                                    fill_value=0)
            counts = counts.rename_axis("key").reset_index()
        else:
            counts = counts.rename_axis("key").reset_index()
            counts = counts.sort_values(["dispatches", "key"], ascending=[False, True])
        if dim == "customer_id" and "customer_name" in d:
            names = (pd.DataFrame({"key": key, "name": d["customer_name"]}).dropna()
                     .drop_duplicates("key").set_index("key")["name"])
            counts["label"] = counts["key"].map(names).fillna(counts["key"])
        else:
            counts["label"] = counts["key"]
        counts.insert(0, "dimension", dim)
        frames.append(counts)
    out = pd.concat(frames, ignore_index=True)
    out["dispatches"] = out["dispatches"].astype("int64")
    out["share"] = out["dispatches"] / total if total else np.nan
    return out[["dimension", "key", "label", "dispatches", "share"]]


def engineer_league(dispatches: pd.DataFrame, flags: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Per engineer: volume, first-time-fix rate and breach rate, with their denominators.

    ``flags`` is :func:`pipeline.sla.sla_flags` output, joined on ``ticket_id``. Columns:
    ``engineer`` (``(unknown)`` for missing), ``dispatches``, ``ftf_dispatches`` (visits known),
    ``first_time_fixes``, ``ftf_rate``, ``ftf_ci_low``, ``ftf_ci_high``, ``sla_dispatches``
    (breach decided), ``breaches``, ``breach_rate``, ``breach_ci_low``, ``breach_ci_high``. Sorted
    by dispatches. Small denominators make rates noisy: read the intervals.
    """
    d = dispatches
    eng = d["engineer"].astype("string").fillna(UNKNOWN_GROUP)
    ftf = d["first_time_fix"] if "first_time_fix" in d else (d["visits"] == 1)
    base = pd.DataFrame({"engineer": eng.to_numpy(), "ticket_id": d["ticket_id"].to_numpy(),
                         "ftf": pd.array(ftf, dtype="boolean")})
    fl = flags[["ticket_id", "breached"]].drop_duplicates("ticket_id")
    base = base.merge(fl, on="ticket_id", how="left")
    g = base.groupby("engineer")
    out = pd.DataFrame({
        "dispatches": g.size(),
        "ftf_dispatches": g["ftf"].count(),
        "first_time_fixes": g["ftf"].sum(),
        "sla_dispatches": g["breached"].count(),
        "breaches": g["breached"].sum(),
    }).reset_index()
    for c in ("dispatches", "ftf_dispatches", "first_time_fixes", "sla_dispatches", "breaches"):
        out[c] = out[c].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["ftf_rate"] = out["first_time_fixes"] / out["ftf_dispatches"].replace(0, np.nan)
        out["breach_rate"] = out["breaches"] / out["sla_dispatches"].replace(0, np.nan)
    out["ftf_ci_low"], out["ftf_ci_high"] = wilson_interval(out["first_time_fixes"], out["ftf_dispatches"],
                                                            confidence)
    out["breach_ci_low"], out["breach_ci_high"] = wilson_interval(out["breaches"], out["sla_dispatches"],
                                                                  confidence)
    out = out.sort_values(["dispatches", "engineer"], ascending=[False, True]).reset_index(drop=True)
    return out[["engineer", "dispatches", "ftf_dispatches", "first_time_fixes", "ftf_rate", "ftf_ci_low",
                "ftf_ci_high", "sla_dispatches", "breaches", "breach_rate", "breach_ci_low", "breach_ci_high"]]
