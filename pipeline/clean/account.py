"""Row accounting: per raw file, rows read = kept + rejected + duplicates (+ folded states); then the schemas
are checked."""

from __future__ import annotations

import pandas as pd

from pipeline.contract import REJECT_COLUMNS
from pipeline.errors import PipelineError


def account_rows(tables, rejects, files, duplicates, folded=None):
    """Per raw file: rows read = kept + rejected + duplicates + earlier states folded into a record
    (``states_folded``, state logs only); raises when it does not add up. Returns all the rejects."""
    folded = folded or {}
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
        if folded.get(entry["path"]):
            entry["states_folded"] = int(folded[entry["path"]])
        if entry["rows_read"] != entry["rows_kept"] + entry["rows_rejected"] + entry["duplicates"] + \
                entry.get("states_folded", 0):
            raise PipelineError(f"{entry['path']}: row accounting does not add up ({entry}); this is a bug")
    from pipeline.clean.validate import validate_tables
    validate_tables({**tables, "rejects": all_rejects})
    return all_rejects


# A file that loses more than this share of its rows to rejects ends the run with a warning (options.max_loss).
DEFAULT_MAX_LOSS = 0.05


def note_state_logs(files: list[dict], state_records: dict[str, int], sources: dict) -> None:
    """A file whose records appear in several rows with changing content was read as a state log; when
    sources.yml did not say so (``options.state_log``), the file's warnings say how it was read."""
    for entry in files:
        records = state_records.get(entry["path"], 0)
        source = sources.get(entry["path"])
        if not records or source is None or source.options.get("state_log"):
            continue
        entry.setdefault("warnings", []).append({
            "code": "state_log_detected", "records": records, "rows": entry.get("states_folded", 0),
            "message": f"{records:,} records appear in several rows with changing content: read as successive "
                       f"states (the latest kept, the first report time taken, {entry.get('states_folded', 0):,} "
                       f"earlier states folded), ordered by their dates and then their row order; declare "
                       f"options.state_log: {{updated: <update-time column>}} to order them by update time, or "
                       f"options.repeated_keys: reject if the ids are unique"})


def note_large_losses(files: list[dict], sources: dict) -> None:
    """A file that lost more than ``options.max_loss`` of its rows (default 5%) to rejects gets a
    ``large_loss`` warning naming its top reasons; the CLI ends the run with it and chapter 1 shows it."""
    for entry in files:
        source = sources.get(entry["path"])
        limit = float(source.options.get("max_loss", DEFAULT_MAX_LOSS)) if source is not None else DEFAULT_MAX_LOSS
        read, rejected = entry["rows_read"], entry["rows_rejected"]
        if not read or rejected / read <= limit:
            continue
        top = sorted(entry["rejected_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        reasons = ", ".join(f"{code} {n:,}" for code, n in top)
        entry.setdefault("warnings", []).append({
            "code": "large_loss", "share": f"{rejected / read:.1%}", "rejected": rejected, "reasons": reasons,
            "message": f"{rejected:,} of {read:,} rows ({rejected / read:.1%}) rejected, more than "
                       f"{limit:.0%} (options.max_loss): {reasons}; see rejects.parquet"})
