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
    """Symptom and cause texts not confidently coded (``UNMAPPED``), by frequency: the phrases to
    add next. ``suggested`` is the code the similarity model found nearest and ``similarity`` how
    near (0–1, below the taxonomy's threshold, or the code would have been taken)."""
    symptoms = dispatches.loc[dispatches["symptom_code"] == UNMAPPED, "symptom_text"]
    causes = dispatches.loc[dispatches["cause_codes"].map(lambda c: UNMAPPED in list(c)), "cause_text"]
    parts = [pd.DataFrame({"kind": kind, "text": texts}) for kind, texts in (("symptom", symptoms), ("cause", causes))]
    both = pd.concat(parts, ignore_index=True)
    if both.empty:
        return pd.DataFrame(columns=["kind", "text", "dispatches", "suggested", "similarity"])
    out = both.groupby(["kind", "text"]).size().rename("dispatches").reset_index()
    out = out.sort_values(["dispatches", "kind", "text"], ascending=[False, True, True]).head(top).reset_index(
        drop=True)
    if taxonomy is None:
        from pipeline.clean.taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    coded = [taxonomy.code_symptom(x) if k == "symptom" else taxonomy.code_causes(x)
             for k, x in zip(out["kind"], out["text"])]
    out["suggested"] = [c.suggestion if c is not None else None for c in coded]
    out["similarity"] = [c.confidence if c is not None else None for c in coded]
    return out


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
