"""The thesis's own table 4-1 of dispatches, as cleaned.

The sample (and a user who keeps the thesis's rows) ships table 4-1 of the thesis as the raw
export ``dispatches_thesis_table_4_1.csv``; after cleaning, its rows are ordinary dispatches
whose ``source_file`` is that file. :func:`thesis_table_4_1` lists them with the codes the
cleaning gave them, in the thesis's order.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["THESIS_TABLE_FILE", "thesis_table_4_1"]

from pipeline.contract.sections import THESIS_TABLE_FILE


def thesis_table_4_1(dispatches: pd.DataFrame, source_file: str = THESIS_TABLE_FILE) -> pd.DataFrame:
    """The cleaned rows of the thesis's table 4-1 (dispatches whose ``source_file`` is ``source_file``).

    Columns: ``ticket_id``, ``reported_on`` (date), ``symptom_text``, ``symptom_code``,
    ``machine_type_model`` (type + model, e.g. ``7979Q7C``), ``customer_id``, ``customer_name``,
    ``cause_text``, ``cause_codes`` (list). In the order of the source file (``source_row``); empty
    (same columns) when the data has no such file.
    """
    cols = ["ticket_id", "reported_on", "symptom_text", "symptom_code", "machine_type_model", "customer_id",
            "customer_name", "cause_text", "cause_codes"]
    d = dispatches
    if "source_file" not in d:
        return pd.DataFrame(columns=cols)
    rows = d[d["source_file"].astype("string") == source_file]
    if "source_row" in rows:
        rows = rows.sort_values("source_row", kind="stable")
    out = pd.DataFrame(index=rows.index)
    out["ticket_id"] = rows["ticket_id"]
    out["reported_on"] = pd.to_datetime(rows["reported_at"]).dt.date
    for c in ("symptom_text", "symptom_code", "customer_id", "customer_name", "cause_text", "cause_codes"):
        out[c] = rows[c] if c in rows else None
    mtype = rows.get("machine_type", pd.Series(None, index=rows.index)).astype("string").fillna("")
    model = rows.get("machine_model", pd.Series(None, index=rows.index)).astype("string").fillna("")
    tm = mtype + model
    out["machine_type_model"] = tm.where(tm != "", None).astype(object)
    return out[cols].reset_index(drop=True)
