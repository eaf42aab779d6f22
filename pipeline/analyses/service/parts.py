"""The spare parts each dispatch needed, and the best two-part kit to ship per symptom."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.analyses.service.common import (
    UNMAPPED,
    covered_rows,
    default_cause_parts,
    long_items,
    row_flag,
)


def needed_parts_long(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """The parts each dispatch needed, as long (``row``, ``part``) pairs, and a per-row ``known`` flag.

    ``row`` is the dispatch's position (0..n-1). Need = ``parts_used`` when non-empty, else the
    union of ``cause_parts[c]`` over the dispatch's causes (``cause_parts=None``: the mapping in
    ``taxonomy.yml``). Unknown (``known`` False) when ``parts_used`` is empty and there is no cause
    or a cause the mapping lacks. A known need may be empty (no part needed).
    """
    d = dispatches
    n = len(d)
    cause_parts = default_cause_parts() if cause_parts is None else cause_parts
    used = long_items(d, "parts_used", "part") if "parts_used" in d else pd.DataFrame({"row": [], "part": []})
    has_used = row_flag(n, used["row"].unique())

    causes = long_items(d, "cause_codes", "cause")
    causes = causes[~has_used[causes["row"].to_numpy()]]
    mapping = pd.DataFrame([(c, p) for c, parts in cause_parts.items() for p in (list(parts) or [None])],
                           columns=["cause", "part"])
    joined = causes.merge(mapping, on="cause", how="left", indicator=True)
    unknown_cause_rows = joined.loc[joined["_merge"] == "left_only", "row"].unique()
    derived_known = row_flag(n, causes["row"].unique()) & ~row_flag(n, unknown_cause_rows)
    derived = joined.loc[derived_known[joined["row"].to_numpy()] & joined["part"].notna(), ["row", "part"]]
    need = pd.concat([used, derived], ignore_index=True).drop_duplicates(ignore_index=True)
    need["row"] = need["row"].astype("int64")
    return need, has_used | derived_known


def needed_parts(dispatches: pd.DataFrame, *, cause_parts: Mapping[str, Sequence[str]] | None = None
                 ) -> pd.Series:
    """Per dispatch, the sorted list of parts needed (see :func:`needed_parts_long`); None when unknown."""
    need, known = needed_parts_long(dispatches, cause_parts=cause_parts)
    lists = need.sort_values(["row", "part"]).groupby("row")["part"].agg(list)
    out = pd.Series([[] for _ in range(len(dispatches))], dtype=object)
    out.loc[lists.index] = lists
    out[~known] = None
    out.index = dispatches.index
    return out


def parts_kit(dispatches: pd.DataFrame, *, max_parts: int = 2,
              cause_parts: Mapping[str, Sequence[str]] | None = None,
              include_unmapped: bool = False) -> pd.DataFrame:
    """The best kit of at most ``max_parts`` spare parts to ship per symptom (``parts_kit.csv``).

    For each ``symptom_code``, the set of ≤ ``max_parts`` parts maximising ``kit_coverage`` =
    P(all needed parts are in the kit), estimated as the share of the symptom's dispatches (with a
    known need, see :func:`needed_parts_long`) whose need is a subset of the kit. A dispatch needing
    no part is always covered. Search is exhaustive over the parts needed by some dispatch of the
    symptom. Ties go to the smaller kit, then to the kit whose parts are needed most often, then
    alphabetically.

    Columns: ``symptom_code``, ``part_1`` … ``part_<max_parts>`` (None where the kit is smaller),
    ``kit_coverage``, ``dispatches`` (with known need), ``unknown_need`` (dispatches left out),
    ``sent_coverage`` (share whose ``parts_sent`` covered the need: the kits support actually
    sent), ``expected_second_visits_saved`` = ``dispatches × (kit_coverage − sent_coverage)``, the
    number of the period's dispatches that would have avoided a parts-caused second visit had this
    kit been sent (negative when the shipped parts did better), assuming one extra visit per
    uncovered need. ``UNMAPPED`` and missing symptoms are left out unless ``include_unmapped``;
    ``attrs["left_out"]`` counts the dispatches whose symptom is ``UNMAPPED`` that were so left out
    (those of a coded symptom whose need is unknown, an ``UNMAPPED`` cause among them, are each
    symptom's ``unknown_need``).
    """
    d = dispatches.reset_index(drop=True)
    n = len(d)
    need, known = needed_parts_long(d, cause_parts=cause_parts)
    sent_cov = covered_rows(need, long_items(d, "parts_sent", "part"), n)
    sym = d["symptom_code"]
    keep = sym.notna().to_numpy() & (include_unmapped | (sym != UNMAPPED).to_numpy())
    rows_out = []
    part_cols = [f"part_{i + 1}" for i in range(max_parts)]
    for symptom in sorted(sym[keep].unique()):
        in_sym = (sym == symptom).to_numpy() & keep
        rows = np.flatnonzero(in_sym & known)
        unknown = int((in_sym & ~known).sum())
        rec = {"symptom_code": symptom, **dict.fromkeys(part_cols)}
        if len(rows) == 0:
            rows_out.append({**rec, "kit_coverage": np.nan, "dispatches": 0, "unknown_need": unknown,
                             "sent_coverage": np.nan, "expected_second_visits_saved": np.nan})
            continue
        sub = need[np.isin(need["row"].to_numpy(), rows)]
        incidence = (pd.crosstab(sub["row"], sub["part"]).reindex(rows, fill_value=0) > 0)
        parts = list(incidence.columns)
        m = incidence.to_numpy()
        freq = m.sum(axis=0)
        best_key, best_kit, best_cov = None, (), float((m.sum(axis=1) == 0).mean())
        for size in range(1, min(max_parts, len(parts)) + 1):
            for kit in itertools.combinations(range(len(parts)), size):
                outside = np.ones(len(parts), dtype=bool)
                outside[list(kit)] = False
                cov = float((m[:, outside].sum(axis=1) == 0).mean())
                key = (-cov, size, -int(freq[list(kit)].sum()), tuple(sorted(parts[i] for i in kit)))
                if best_key is None or key < best_key:
                    best_key, best_kit, best_cov = key, kit, cov
        names = sorted((parts[i] for i in best_kit), key=lambda p: (-int(freq[parts.index(p)]), p))
        for c, p in zip(part_cols, names):
            rec[c] = p
        sent = float(sent_cov[rows].mean())
        rows_out.append({**rec, "kit_coverage": best_cov, "dispatches": len(rows), "unknown_need": unknown,
                         "sent_coverage": sent, "expected_second_visits_saved": len(rows) * (best_cov - sent)})
    cols = ["symptom_code", *part_cols, "kit_coverage", "dispatches", "unknown_need", "sent_coverage",
            "expected_second_visits_saved"]
    out = pd.DataFrame(rows_out, columns=cols)
    out["dispatches"] = out["dispatches"].astype("int64")
    out["unknown_need"] = out["unknown_need"].astype("int64")
    out.attrs["left_out"] = 0 if include_unmapped else int((sym == UNMAPPED).sum())
    return out
