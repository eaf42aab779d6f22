"""First-time fix and why second visits happen (thesis ch. 4 §3: a second visit because the diagnosis
was wrong or no spare part was at hand)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.service.common import (
    by_list,
    covered_rows,
    group_label,
    long_items,
    predicted_hit,
    with_month,
    with_total,
)
from pipeline.analyses.service.parts import needed_parts_long
from pipeline.analyses.stats import rate_table


def first_time_fix(dispatches: pd.DataFrame, by: str | Sequence[str] | None = None,
                   confidence: float = 0.95) -> pd.DataFrame:
    """First-time-fix rate: the share of dispatches fixed in one visit (``first_time_fix.csv``).

    A dispatch counts when its ``first_time_fix`` flag is known (``visits`` recorded); a fix is
    ``visits == 1``. Columns: ``group`` (the value of ``by``; several ``by`` columns are joined with
    " / " and also kept as columns; ``"all"`` for the whole table, always the last row),
    ``dispatches``, ``first_time_fixes``, ``rate`` (0–1), ``ci_low``, ``ci_high`` (Wilson).
    ``by="month"`` uses the report month.
    """
    by = by_list(by)
    d = with_month(dispatches, by)
    flag = d["first_time_fix"] if "first_time_fix" in d else (d["visits"] == 1)
    f = pd.DataFrame({"flag": flag.astype("boolean")}, index=d.index)
    f["group"] = group_label(d, by) if by else "all"
    for c in by:
        f[c] = d[c]
    cols = ["group", *by] if by else ["group"]

    out = rate_table(f, cols, "flag", count="dispatches", hits="first_time_fixes", rate="rate",
                      confidence=confidence)
    return with_total(out, f, count="dispatches", hits="first_time_fixes", rate="rate", confidence=confidence,
                       always=bool(by))


def second_visit_reasons(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                         ) -> pd.DataFrame:
    """Why a repeat-visit dispatch (``visits`` ≥ 2) needed more than one visit.

    ``reason`` is, in this order of precedence:

    - ``wrong_diagnosis``: CAG's ``predicted_cause_code`` is known and is not among the actual
      ``cause_codes`` (which must be known);
    - ``part_not_available``: the diagnosis was right but the needed parts (see
      :func:`needed_parts_long`) were not all in ``parts_sent``;
    - ``other``: everything else, including no prediction, unknown causes, or a right diagnosis
      with the right parts (engineer experience, customer availability, …).

    One row per repeat-visit dispatch: ``ticket_id``, ``symptom_code``, ``engineer``, ``visits``,
    ``predicted_cause_code``, ``reason``; index of the input kept.
    """
    d = dispatches
    n = len(d)
    repeat = (pd.to_numeric(d["visits"], errors="coerce") >= 2).fillna(False).to_numpy(dtype=bool)
    eligible, correct = predicted_hit(d)
    need, known = needed_parts_long(d, cause_parts=cause_parts)
    sent = long_items(d, "parts_sent", "part")
    covered = covered_rows(need, sent, n)
    reason = np.where(eligible & ~correct, "wrong_diagnosis",
                      np.where(correct & known & ~covered, "part_not_available", "other"))
    cols = [c for c in ("ticket_id", "symptom_code", "engineer", "visits", "predicted_cause_code") if c in d]
    out = d.loc[repeat, cols].copy()
    out["reason"] = reason[repeat]
    return out
