"""How often technical support's (CAG's) predicted cause, made before the visit, was right."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.service.common import (
    UNMAPPED,
    by_list,
    first_cause,
    group_label,
    predicted_hit,
    with_month,
    with_total,
)
from pipeline.analyses.stats import rate_table, wilson_interval


def cag_accuracy(dispatches: pd.DataFrame, by: str | Sequence[str] | None = None,
                 confidence: float = 0.95, *, first_only: bool = False) -> pd.DataFrame:
    """Accuracy of CAG's predicted cause: correct when ``predicted_cause_code`` ∈ ``cause_codes``
    (``first_only=True``: when it is the first, primary cause named).

    Counts dispatches with both a prediction and at least one known cause. Columns: ``group``
    (``"all"`` last; ``by`` columns kept), ``predictions``, ``correct``, ``accuracy`` (0–1),
    ``ci_low``, ``ci_high`` (Wilson).
    """
    by = by_list(by)
    d = with_month(dispatches, by)
    eligible, correct = predicted_hit(d, first_only)
    f = pd.DataFrame({"flag": pd.array(np.where(eligible, correct, False), dtype="boolean")}, index=d.index)
    f.loc[~eligible, "flag"] = pd.NA
    f["group"] = group_label(d, by) if by else "all"
    for c in by:
        f[c] = d[c]

    cols = ["group", *by]
    out = rate_table(f, cols, "flag", count="predictions", hits="correct", rate="accuracy",
                      confidence=confidence)
    return with_total(out, f, count="predictions", hits="correct", rate="accuracy", confidence=confidence,
                       always=bool(by))


def cag_confusion(dispatches: pd.DataFrame, top: int = 8) -> pd.DataFrame:
    """Crosstab of CAG's predicted cause (rows) against the actual cause (columns), counts.

    Actual cause: the predicted cause when the cell names it (so the diagonal agrees with
    :func:`cag_accuracy` for two-cause cells), else the first cause named. Only dispatches with a
    prediction and a known cause. The ``top`` most frequent actual causes are kept; every other code
    on either axis is pooled as ``OTHER``. Row and column order: the top causes by frequency, then
    ``OTHER``.
    """
    d = dispatches.reset_index(drop=True)
    eligible, correct = predicted_hit(d)
    pred = d["predicted_cause_code"].astype(object)
    actual = pd.Series(np.where(correct, pred, first_cause(d)), dtype=object)
    pred, actual = pred[eligible], actual[eligible]
    main = list(actual.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[:top])
    lab = lambda s: s.where(s.isin(main), "OTHER")  # noqa: E731
    tab = pd.crosstab(lab(pred).rename("predicted"), lab(actual).rename("actual"))
    order = main + ["OTHER"]
    return tab.reindex(index=[o for o in order if o in tab.index or o != "OTHER"],
                       columns=[o for o in order if o in tab.columns or o != "OTHER"], fill_value=0)


def cag_misses_by_symptom(dispatches: pd.DataFrame, confidence: float = 0.95,
                          include_unmapped: bool = True) -> pd.DataFrame:
    """Per symptom: how often CAG's prediction missed, and what it missed.

    Columns: ``symptom_code``, ``predictions``, ``misses``, ``miss_rate`` (0–1), ``ci_low``,
    ``ci_high`` (Wilson), ``top_wrong_prediction`` (the most frequent predicted code among misses),
    ``top_missed_cause`` (the most frequent first actual cause among misses); sorted by misses.
    """
    d = dispatches.reset_index(drop=True)
    eligible, correct = predicted_hit(d)
    f = pd.DataFrame({"symptom_code": d["symptom_code"], "eligible": eligible, "miss": eligible & ~correct,
                      "pred": d["predicted_cause_code"], "first": first_cause(d)})
    f = f[f["eligible"] & f["symptom_code"].notna()]
    if not include_unmapped:
        f = f[f["symptom_code"] != UNMAPPED]
    g = f.groupby("symptom_code")
    out = pd.DataFrame({"predictions": g.size(), "misses": g["miss"].sum()}).reset_index()
    out["predictions"] = out["predictions"].astype("int64")
    out["misses"] = out["misses"].astype("int64")
    out["miss_rate"] = out["misses"] / out["predictions"]
    out["ci_low"], out["ci_high"] = wilson_interval(out["misses"], out["predictions"], confidence)
    misses = f[f["miss"]]

    def mode(col):
        c = misses.groupby(["symptom_code", col]).size().rename("n").reset_index()
        c = c.sort_values(["symptom_code", "n", col], ascending=[True, False, True])
        return c.drop_duplicates("symptom_code").set_index("symptom_code")[col]

    out["top_wrong_prediction"] = out["symptom_code"].map(mode("pred"))
    out["top_missed_cause"] = out["symptom_code"].map(mode("first"))
    return out.sort_values(["misses", "symptom_code"], ascending=[False, True]).reset_index(drop=True)
