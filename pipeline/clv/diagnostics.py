"""Diagnostics and report tables of the fitted models.

* :func:`frequency_spend_correlation` -- the Gamma-Gamma model's independence assumption checked;
* :func:`model_parameters_table` -- estimates and 95% intervals of several models in one table;
* :func:`calibration_holdout_comparison` -- predicted vs actual holdout purchases (FHL 2005, fig. 4).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError
from .arrays import as_array, get_column
from .models.base import BaseModel, RFModel


def frequency_spend_correlation(summary: pd.DataFrame) -> dict:
    """Pearson correlation of frequency and monetary value among repeat buyers.

    The Gamma-Gamma model assumes spend is independent of purchase frequency; a small |r| supports
    it (FHL 2005 report r = 0.11 on CDNOW).  Returns {"r", "p_value", "n"}.
    """
    x = as_array(get_column(summary, ("frequency", "frequency_cal")))
    m = as_array(get_column(summary, ("monetary_value", "monetary_value_cal")))
    keep = (x > 0) & np.isfinite(m)
    if keep.sum() < 3:
        return {"r": float("nan"), "p_value": float("nan"), "n": int(keep.sum())}
    res = stats.pearsonr(x[keep], m[keep])
    return {"r": float(res.statistic), "p_value": float(res.pvalue), "n": int(keep.sum())}


def model_parameters_table(models: Mapping[str, BaseModel]) -> pd.DataFrame:
    """Contract table: one row per (model, parameter) with estimate, ci_low, ci_high."""
    rows = []
    for name, m in models.items():
        if m.params_ is None:
            raise InputError(f"model {name!r} is not fitted")
        s = m.summary_
        for par in s.index:
            rows.append({"model": name, "parameter": par, "estimate": float(s.at[par, "estimate"]),
                         "ci_low": float(s.at[par, "ci_low"]), "ci_high": float(s.at[par, "ci_high"])})
    return pd.DataFrame(rows, columns=["model", "parameter", "estimate", "ci_low", "ci_high"])


def calibration_holdout_comparison(model: RFModel, cal_holdout_summary: pd.DataFrame,
                                   max_frequency: int = 7) -> pd.DataFrame:
    """Actual vs predicted mean holdout purchases by calibration frequency (FHL 2005, fig. 4).

    Returns one row per frequency_cal bucket (``0 .. max_frequency-1`` and ``"{max}+"``) plus a final
    ``"all"`` row, columns ``customers, actual_mean, predicted_mean, error`` (predicted - actual) and
    ``actual_total, predicted_total``.  ``result.attrs["overall"]`` holds ``mae_customer`` (mean absolute
    error per customer), ``mae_bucket`` (mean absolute error of the bucket means, unweighted),
    ``total_actual``, ``total_predicted`` and ``ratio`` (predicted / actual).
    """
    s = cal_holdout_summary
    x = get_column(s, ("frequency_cal",))
    pred = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        as_array(get_column(s, ("duration_holdout",))), as_array(x), as_array(get_column(s, ("recency_cal",))),
        as_array(get_column(s, ("T_cal",)))), dtype=float)
    actual = as_array(get_column(s, ("frequency_holdout",)))
    xi = np.minimum(as_array(x).astype(int), max_frequency)
    labels = [str(i) for i in range(max_frequency)] + [f"{max_frequency}+"]
    df = pd.DataFrame({"bucket": pd.Categorical.from_codes(xi, labels), "actual": actual, "pred": pred})
    g = df.groupby("bucket", observed=False)
    out = pd.DataFrame({
        "customers": g.size(),
        "actual_mean": g["actual"].mean(),
        "predicted_mean": g["pred"].mean(),
        "actual_total": g["actual"].sum(),
        "predicted_total": g["pred"].sum(),
    })
    out.index = out.index.astype(str)
    out.index.name = "frequency_cal"
    out.loc["all"] = [len(df), actual.mean(), pred.mean(), actual.sum(), pred.sum()]
    out["customers"] = out["customers"].astype(int)
    out["error"] = out["predicted_mean"] - out["actual_mean"]
    out = out[["customers", "actual_mean", "predicted_mean", "error", "actual_total", "predicted_total"]]
    b = out.drop(index="all")
    b = b.loc[b["customers"] > 0]
    out.attrs["overall"] = {
        "mae_customer": float(np.mean(np.abs(pred - actual))),
        "mae_bucket": float(np.mean(np.abs(b["error"]))),
        "total_actual": float(actual.sum()),
        "total_predicted": float(pred.sum()),
        "ratio": float(pred.sum() / actual.sum()) if actual.sum() > 0 else float("nan"),
    }
    return out
