"""Data-quality summaries: what was read, kept, rejected and merged, and what no rule mapped."""

from __future__ import annotations

import pandas as pd

from pipeline.clean.taxonomy import UNMAPPED


def accounting_table(manifest: dict) -> pd.DataFrame:
    """One row per raw file: rows read = kept + rejected + duplicates + states folded (the manifest's
    promise; ``states_folded``: earlier states of records in a state log, 0 elsewhere)."""
    counts = ["rows_read", "rows_kept", "rows_rejected", "duplicates", "states_folded"]
    rows = [{"file": f["path"], "table": f["table"], "sha256": f["sha256"],
             **{c: int(f.get(c, 0)) for c in counts}} for f in manifest["files"]]
    table = pd.DataFrame(rows, columns=["file", "table", "sha256", *counts])
    table["balanced"] = table["rows_read"] == table[counts[1:]].sum(axis=1)
    return table


def reject_reasons(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows per table and reason code, most frequent first."""
    if rejects.empty:
        return pd.DataFrame(columns=["table", "reason_code", "rows"])
    out = rejects.groupby(["table", "reason_code"]).size().rename("rows").reset_index()
    return out.sort_values(["rows", "table", "reason_code"], ascending=[False, True, True]).reset_index(drop=True)


def unmapped_texts(dispatches: pd.DataFrame, top: int = 20, taxonomy=None) -> pd.DataFrame:
    """The symptom and cause texts left ``UNMAPPED`` or coded only by a weak similarity, most
    dispatches first: the phrases to add next (:func:`pipeline.analyses.taxonomy_suggest.coding_suggestions`,
    which ``python -m pipeline taxonomy suggest`` writes out in full). ``suggested`` is the code the
    similarity model found nearest (for a weakly coded text, the code it was given) and
    ``similarity`` how near (cosine, 0–1)."""
    from pipeline.analyses.taxonomy_suggest import coding_suggestions

    if taxonomy is None:
        from pipeline.clean.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    found = coding_suggestions(dispatches, taxonomy).head(top).rename(columns={"confidence": "similarity"})
    return found[["kind", "text", "dispatches", "suggested", "similarity"]].reset_index(drop=True)


def customer_merges(customer_names: pd.DataFrame) -> pd.DataFrame:
    """Names merged into another customer by fuzzy matching, as an abbreviation or by an override, with the score."""
    merged = customer_names[customer_names["method"].isin(["fuzzy", "contained", "abbreviation", "override"])]
    return merged[["name", "canonical_name", "customer_id", "method", "score"]].sort_values(
        ["score", "name"], ascending=[True, True]).reset_index(drop=True)


def mapping_coverage(dispatches: pd.DataFrame) -> dict:
    """Shares of dispatches whose symptom / cause text a rule mapped (of those with any text)."""
    sym = dispatches["symptom_code"].dropna()
    causes = dispatches["cause_codes"][dispatches["cause_codes"].map(len) > 0]
    return {"symptom_mapped": float((sym != UNMAPPED).mean()) if len(sym) else float("nan"),
            "cause_mapped": float(causes.map(lambda c: UNMAPPED not in list(c)).mean()) if len(causes)
            else float("nan")}


def file_warnings(manifest: dict) -> pd.DataFrame:
    """Warnings about whole files (a probably truncated export, formula cells without a value), one row each."""
    rows = [{"file": f["path"], "code": w.get("code", ""), **{k: v for k, v in w.items() if k not in ("code",)}}
            for f in manifest["files"] for w in f.get("warnings", []) if isinstance(w, dict)]
    return pd.DataFrame(rows, columns=sorted({"file", "code", "message"} | {k for r in rows for k in r}))
