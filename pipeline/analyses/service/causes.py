"""Fault diagnosis (thesis ch. 4 §5, figs. 4-4 and 4-5): the causes behind each symptom, and the
engineers' checklist ordered by them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from pipeline.analyses.service.common import (
    UNMAPPED,
    by_list,
    group_codes,
    long_codes,
    with_month,
)


def cause_given_symptom(dispatches: pd.DataFrame, *, prior: float = 0.5, min_dispatches: int = 5,
                        by: str | Sequence[str] | None = None, confidence: float = 0.95,
                        include_unmapped: bool = False, keep_unseen: bool = True,
                        first_only: bool = False) -> pd.DataFrame:
    """Distribution of actual causes per symptom, Dirichlet-smoothed (``cause_given_symptom.csv``).

    ``first_only=True`` counts only the first (primary) cause of each dispatch, so mentions equal
    dispatches and ``probability`` estimates P(primary cause | symptom).

    **Unit: a (dispatch, cause) mention.** A dispatch whose cell names two causes contributes one
    mention to each (repeats within a cell count once); ``probability`` is the posterior mean share
    of mentions for that cause, i.e. "when this symptom is reported, how often is X among the
    causes, relative to all causes named". Dispatches with no cause code are left out.

    Model: for a symptom with mention counts n_c over the K causes seen for *any* symptom in the
    input (N = Σ n_c), a symmetric Dirichlet(``prior``) prior gives the posterior mean
    (n_c + prior) / (N + K·prior) and the Beta(n_c + prior, N − n_c + (K − 1)·prior) marginal, whose
    equal-tailed quantiles give ``ci_low``/``ci_high`` (``confidence``, default 95%).

    Columns: ``symptom_code``, the ``by`` columns (e.g. ``machine_type``), ``cause_code``,
    ``dispatches`` (dispatches of the symptom naming the cause, = n_c), ``probability``, ``ci_low``,
    ``ci_high``, ``symptom_dispatches`` (dispatches of the symptom with a known cause),
    ``mentions`` (N). Only confidently coded dispatches count: one whose symptom or any of whose
    causes is ``UNMAPPED`` is left out, and ``attrs["left_out"]`` says how many dispatches with a
    cause were. A symptom (or symptom × group) with fewer than ``min_dispatches`` such
    dispatches is left out. ``keep_unseen=False`` drops rows with n_c = 0. ``UNMAPPED`` and missing
    symptoms are left out unless ``include_unmapped``. Rows ordered by key, then probability.
    """
    by = by_list(by)
    d = with_month(dispatches, by).reset_index(drop=True)
    keys = ["symptom_code", *by]
    cols = [*keys, "cause_code", "dispatches", "probability", "ci_low", "ci_high", "symptom_dispatches",
            "mentions"]
    sym = d["symptom_code"]
    keep = (sym.notna() & (include_unmapped | (sym != UNMAPPED))).to_numpy()
    rows, codes, items = long_codes(d, "cause_codes")
    if not include_unmapped:
        # a dispatch with a cause text not confidently coded is left out whole: counting only its
        # other causes, or UNMAPPED as a cause, would bias the shares of the causes that were coded
        unsure = np.zeros(len(d), dtype=bool)
        unsure[rows[np.isin(codes, np.flatnonzero(np.asarray(items, dtype=object) == UNMAPPED))]] = True
        keep = keep & ~unsure
        with_cause = np.zeros(len(d), dtype=bool)
        with_cause[rows] = True
        left_out = int((with_cause & ~keep).sum())
    else:
        left_out = 0
    # counted on integer codes: group × cause cells by bincount, not by grouping a million strings
    rank = np.argsort(np.argsort(items, kind="stable"), kind="stable")
    all_causes, codes = np.sort(items, kind="stable"), rank[codes]      # causes in sorted order
    K = len(all_causes)
    if first_only:
        first = np.r_[True, rows[1:] != rows[:-1]]
        rows, codes = rows[first], codes[first]
    chosen = keep[rows]
    rows, codes = rows[chosen], codes[chosen]
    group, labels = group_codes(d, keys)
    G = len(labels)
    if K == 0 or G == 0 or len(rows) == 0:
        return _with_left_out(pd.DataFrame(columns=cols), left_out)
    cells = np.bincount(group[rows] * K + codes, minlength=G * K).reshape(G, K)
    mentions = cells.sum(axis=1)
    distinct_rows = rows[np.r_[True, rows[1:] != rows[:-1]]]          # rows ascend: no sort needed
    symptom_dispatches = np.bincount(group[distinct_rows], minlength=G)
    kept = np.flatnonzero((symptom_dispatches > 0) & (symptom_dispatches >= min_dispatches))
    if len(kept) == 0:
        return _with_left_out(pd.DataFrame(columns=cols), left_out)
    out = labels.iloc[np.repeat(kept, K)].reset_index(drop=True)
    out["cause_code"] = np.tile(all_causes, len(kept))
    out["dispatches"] = cells[kept].ravel().astype("int64")
    out["symptom_dispatches"] = np.repeat(symptom_dispatches[kept], K).astype("int64")
    out["mentions"] = np.repeat(mentions[kept], K).astype("int64")
    a = out["dispatches"] + prior
    b = out["mentions"] - out["dispatches"] + (K - 1) * prior
    out["probability"] = a / (a + b)
    tail = (1 - confidence) / 2
    out["ci_low"] = stats.beta.ppf(tail, a, b)
    out["ci_high"] = stats.beta.ppf(1 - tail, a, b)
    if not keep_unseen:
        out = out[out["dispatches"] > 0]
    out = out.sort_values([*keys, "probability", "cause_code"], ascending=[True] * len(keys) + [False, True])
    return _with_left_out(out[cols].reset_index(drop=True), left_out)


def _with_left_out(table: pd.DataFrame, left_out: int) -> pd.DataFrame:
    table.attrs["left_out"] = left_out
    return table


def diagnosis_checklist(cause_table: pd.DataFrame, *, include_unseen: bool = False) -> pd.DataFrame:
    """Per symptom (and group), the causes to rule out in order: most probable first.

    Input: :func:`cause_given_symptom`. Columns added: ``rank`` (1 = check first),
    ``cumulative_probability`` (posterior share covered by checking causes 1..rank; does not reach
    1 when unseen causes are dropped), ``observed_share`` (the raw share of mentions, n_c / N) and
    ``cumulative_observed_share``. Rows with no observed dispatch are dropped unless
    ``include_unseen``. ``attrs["left_out"]`` is the cause table's: the dispatches with a recorded
    cause that were not counted because their symptom or a cause was not confidently coded.
    """
    t = cause_table
    if not include_unseen:
        t = t[t["dispatches"] > 0]
    extra = {"cause_code", "dispatches", "probability", "ci_low", "ci_high", "symptom_dispatches",
             "mentions"}
    keys = [c for c in t.columns if c not in extra]
    t = t.sort_values([*keys, "probability", "cause_code"],
                      ascending=[True] * len(keys) + [False, True]).reset_index(drop=True)
    g = t.groupby(keys, dropna=False, sort=False)
    t = t.assign(rank=g.cumcount() + 1, probability=t["probability"].astype(float),
                 dispatches=t["dispatches"].astype("int64"), mentions=t["mentions"].astype(float))
    g = t.groupby(keys, dropna=False, sort=False)
    t["cumulative_probability"] = g["probability"].cumsum()
    t["observed_share"] = t["dispatches"] / t["mentions"]
    t["cumulative_observed_share"] = t.groupby(keys, dropna=False, sort=False)["observed_share"].cumsum()
    out = t[[*keys, "rank", "cause_code", "dispatches", "probability", "ci_low", "ci_high",
             "cumulative_probability", "observed_share", "cumulative_observed_share"]].copy()
    return _with_left_out(out, int(cause_table.attrs.get("left_out", 0)))
