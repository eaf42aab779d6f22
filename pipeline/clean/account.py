"""Row accounting: per raw file, rows read = kept + rejected + duplicates; then the schemas are checked."""

from __future__ import annotations

import pandas as pd

from pipeline.contract import REJECT_COLUMNS
from pipeline.errors import PipelineError


def account_rows(tables, rejects, files, duplicates):
    all_rejects = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    all_rejects = all_rejects.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)
    all_rejects["source_row"] = all_rejects["source_row"].astype("int64")
    kept_per_file = {}
    for t in tables.values():
        if "source_file" in t and len(t):
            for path, n in t["source_file"].value_counts(sort=False).items():
                kept_per_file[path] = kept_per_file.get(path, 0) + int(n)
    rejects_by_file = dict(list(all_rejects.groupby("source_file", sort=False))) if len(all_rejects) else {}
    no_rejects = all_rejects.iloc[:0]
    for entry in files:
        mine = rejects_by_file.get(entry["path"], no_rejects)
        kept = kept_per_file.get(entry["path"], 0)
        if entry["table"] == "customers":
            kept = entry["rows_read"] - len(mine) - duplicates.get(entry["path"], 0)
        entry.update(rows_kept=kept, rows_rejected=len(mine), duplicates=int(duplicates.get(entry["path"], 0)),
                     rejected_by_reason={k: int(v) for k, v in mine["reason_code"].value_counts().sort_index().items()})
        if entry["rows_read"] != entry["rows_kept"] + entry["rows_rejected"] + entry["duplicates"]:
            raise PipelineError(f"{entry['path']}: row accounting does not add up ({entry}); this is a bug")
    from pipeline.clean.validate import validate_tables
    validate_tables({**tables, "rejects": all_rejects})
    return all_rejects
