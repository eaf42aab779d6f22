"""Event-log exports (one row per ticket event) folded into one dispatch per ticket.

Configured in ``sources.yml``::

    options:
      event_log:
        case: Case ID                 # the ticket id column
        activity: Activity
        timestamp: Complete Timestamp
        resource: Resource            # optional: who handled the event (counts reassignments)
        reported: [Insert ticket, Assign seriousness]   # optional: default the case's first event
        arrived: [Take in charge ticket]
        closed: [Resolve ticket, Closed]

Each ticket's events are ordered by time (then by row); ``reported_at``, ``arrived_at`` and
``closed_at`` are the first event of each kind. The other columns take the ticket's last non-empty
value (its latest state). Two columns are added: ``events`` (events of the ticket) and
``reassignments`` (changes of ``resource`` between consecutive events). An event whose timestamp
cannot be read is rejected (``bad_date``) and counted, so the accounting holds: for such a file,
rows read = tickets + rejected events, and the manifest records ``events_read``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.clean.parse import DateOptions, parse_dates
from pipeline.errors import InputError
from pipeline.ingest.headers import HEADER_SCAN_ROWS, declared_headers, dedupe_headers, header_key, map_columns
from pipeline.ingest.layout import joined, numbered_headers
from pipeline.ingest.read import RawTable, raw_frame, read_csv_records

DEFAULT_DATE_OPTIONS = DateOptions()      # frozen: safe to share as a default
FOLDED = ["ticket_id", "reported_at", "arrived_at", "closed_at", "events", "reassignments"]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]


def _find(headers: list[str], wanted: str, what: str, path: Path) -> str:
    for h in headers:
        if header_key(h) == header_key(wanted):
            return h
    raise InputError(f"options.event_log.{what} is column {wanted!r}, which the file does not have; it has: "
                     f"{', '.join(headers)}", file=path)


def fold_events(events: pd.DataFrame, config: dict, *, path: Path,
                date_options: DateOptions = DEFAULT_DATE_OPTIONS):
    """One row per case from an all-text event frame (index = source row).

    Returns ``(folded, rejects)``: ``folded`` has the :data:`FOLDED` columns (dates as ISO text) and
    every other column's last non-empty value per case, indexed by the source row of the case's
    first event; ``rejects`` lists the events that could not be used.
    """
    headers = list(events.columns)
    case = _find(headers, config.get("case", ""), "case", path)
    activity = _find(headers, config.get("activity", ""), "activity", path)
    stamp = _find(headers, config.get("timestamp", ""), "timestamp", path)
    resource = _find(headers, config["resource"], "resource", path) if config.get("resource") else None
    when, why = parse_dates(events[stamp], date_options)
    why = why.where(events[stamp].str.strip() != "", "missing_date")
    bad = why != ""
    no_case = events[case].str.strip() == ""
    rejects = [{"source_row": int(r), "reason_code": "missing_id" if nc else str(w),
                "reason": f"event log: column {case!r} is empty" if nc else
                f"event log: column {stamp!r}: unreadable timestamp {t!r}",
                "raw": ",".join(events.loc[r].tolist())}
               for r, w, t, nc in zip(events.index[bad | no_case], why[bad | no_case],
                                      events[stamp][bad | no_case], no_case[bad | no_case])]
    ev = events[~bad & ~no_case].assign(_when=when[~bad & ~no_case], _row=events.index[~bad & ~no_case])
    ev = ev.sort_values([case, "_when", "_row"], kind="stable")
    groups = ev.groupby(case, sort=False)
    first_row = groups["_row"].min()
    out = pd.DataFrame({"ticket_id": first_row.index.astype(str)}, index=first_row.index)
    for kind in ("reported", "arrived", "closed"):
        names = set(_as_list(config.get(kind)))
        if kind == "reported" and not names:
            chosen = groups["_when"].min()
        else:
            hit = ev[ev[activity].isin(names)]
            chosen = hit.groupby(case, sort=False)["_when"].min()
        out[f"{kind}_at"] = chosen.reindex(out.index).map(
            lambda t: t.strftime("%Y-%m-%d %H:%M:%S") if pd.notna(t) else "")
    out["events"] = groups.size().astype(str)
    if resource:
        r = ev[resource].str.strip()
        prev = r.groupby(ev[case], sort=False).shift()
        # the first resource of a ticket is its assignment, not a re-assignment
        changed = prev.notna() & (prev != "") & (r != "") & (r != prev)
        out["reassignments"] = changed.groupby(ev[case]).sum().reindex(out.index).fillna(0).astype(int).astype(str)
    else:
        out["reassignments"] = ""
    attrs = [h for h in headers if h not in {case, activity, stamp} and header_key(h) not in
             {header_key(f) for f in FOLDED}]
    if attrs:
        last = ev[attrs].replace("", np.nan).groupby(ev[case], sort=False).last().reindex(out.index).fillna("")
        out = out.join(last)
    out.index = pd.Index(first_row.reindex(out.index).astype("int64").values, name="source_row")
    return out.sort_index(), rejects


def event_log_header_row(records: list[list[str]], config: dict, declared: dict | None, path: Path) -> int:
    """The header row of an event log: among the first rows, the one naming the case column and the most
    of the other columns the event_log config and sources.yml's ``columns:`` name (a data row cannot be
    taken for it); an error naming the case column when no row does."""
    names = [config["case"], *(config.get(k) for k in ("activity", "timestamp", "resource")),
             *declared_headers(declared)]
    wanted = {header_key(str(n)) for n in names if n}
    case = header_key(config["case"])
    best, best_hits = None, 0
    for i, rec in enumerate(records[:HEADER_SCAN_ROWS]):
        keys = {header_key(c) for c in rec if c}
        if case in keys and len(wanted & keys) > best_hits:
            best, best_hits = i, len(wanted & keys)
    if best is None:
        first = ", ".join(repr(c) for c in (records[0] if records else []) if c) or "nothing"
        raise InputError(f"no header row in the first {min(len(records), HEADER_SCAN_ROWS)} rows names the "
                         f"event-log case column {config['case']!r} (options.event_log.case); the first row "
                         f"reads {first}. Write the case column's header exactly as the file has it", file=path)
    return best


def read_event_log(path: Path, name: str, table: str, options: dict, declared: dict | None) -> RawTable:
    """Read a delimited event-log export and fold it into one dispatch per ticket."""
    if table != "dispatches":
        raise InputError("options.event_log applies to dispatches only", file=path)
    config = options["event_log"]
    if not isinstance(config, dict) or not all(config.get(k) for k in ("case", "activity", "timestamp")):
        raise InputError("options.event_log needs 'case', 'activity' and 'timestamp' columns", file=path)
    numbered, used, delim = read_csv_records(path, encoding=options.get("encoding"),
                                             delimiter=options.get("delimiter"), member=options.get("zip_member"))
    if options.get("header", True) is False:
        h = -1
        headers = numbered_headers([rec for _, rec in numbered[:1000]])
    else:
        h = event_log_header_row([rec for _, rec in numbered], config, declared, path)
        headers = dedupe_headers(numbered[h][1])
    width = len(headers)
    records, rows, physical = [], [], []
    for rowno, rec in numbered[h + 1:]:
        if len(rec) == width or (len(rec) > width and not any(c.strip() for c in rec[width:])):
            records.append(rec[:width])
            rows.append(rowno)
        else:
            physical.append({"source_row": rowno, "reason_code": "malformed_row",
                             "reason": f"{len(rec)} fields where the header has {width}",
                             "raw": joined(delim, rec)})
    events = pd.DataFrame(records, columns=headers, dtype=object, index=pd.Index(rows, dtype="int64"))
    date_options = DateOptions(date_format=options.get("date_format"), date_order=options.get("date_order"),
                               roc_years=bool(options.get("roc_years", False)), time_zone=options.get("time_zone"))
    folded, rejects = fold_events(events, config, path=path, date_options=date_options)
    if not len(folded):
        stamp = _find(headers, config["timestamp"], "timestamp", path)
        sample = next((v for v in events[stamp] if str(v).strip()), "")
        raise InputError(f"the event log holds no usable events: no timestamp in column {stamp!r} could be read "
                         f"(the first reads {sample!r}); give its format in sources.yml, e.g. options: "
                         f"{{date_format: \"%Y-%m-%d %H:%M:%S\"}}", file=path,
                         row=int(events.index[0]) if len(events) else None, column=stamp)
    declared = {k: v for k, v in (declared or {}).items() if k not in FOLDED[:4]}
    fheaders = list(folded.columns)
    mapping = map_columns(fheaders, table, path=path, declared=declared)
    frame = raw_frame(folded.values.tolist(), folded.index.tolist(), fheaders, mapping)
    raw = RawTable(path=path, name=name, table=table, frame=frame,
                   rows_read=len(frame) + len(rejects) + len(physical),
                   physical_rejects=physical + rejects, header_map=mapping, encoding=used,
                   events_read=len(records) + len(physical), iso_dates=True)
    return raw
