"""The ``options:`` a sources.yml entry may give, each with its meaning and an example.

A new option is declared here (the docs and the check for unknown options follow from it) and read
where it takes effect: the readers in :mod:`pipeline.ingest` or the row cleaners in
:mod:`pipeline.clean.rows`.
"""

from __future__ import annotations

from pipeline.contract.model import Option

# Cells whose trimmed text is one of these are empty unless a source says otherwise. Matched exactly:
# ``NA`` is a name, not a null.
DEFAULT_NULL_TOKENS = ("NULL", "null", "N/A", "n/a", "#N/A")
# Order ids starting with these mark a return line (besides a negative quantity or amount): none unless a
# source declares them, since an id's first letter means nothing in general (Superstore's orders are "CA-…").
DEFAULT_RETURN_PREFIXES = ()

OPTIONS = (
    Option("encoding", "The text encoding of a CSV export, when it is neither UTF-8 (with or without BOM) nor "
                       "UTF-16 nor detected as GB18030 / Big5.", "encoding: gb18030"),
    Option("delimiter", "The field separator of a CSV export (default: sniffed among , tab ; |).",
           'delimiter: ";"'),
    Option("sheet", "Which sheet of an .xlsx workbook to read: its name or its position from 0 (default: the "
                    "first).", "sheet: Orders"),
    Option("date_format", "An explicit strptime format for the file's dates, which wins over inference.",
           'date_format: "%d/%m/%Y %H:%M"'),
    Option("date_order", "DMY or MDY: how to read a/b/YYYY dates when the file does not settle it (08/01/2009). "
                         "By default the order is inferred per file, and a file where both readings are possible "
                         "is rejected row by row as ambiguous_date.", "date_order: DMY"),
    Option("roc_years", "Read 98/01/08 as year 98 of the Republic of China calendar (2009).", "roc_years: true",
           default="false"),
    Option("null_tokens", "Cell texts that mean empty: a list for every column, or per canonical column (the key "
                          "'*' for the rest).", 'null_tokens: {"*": [NULL, "-"], serial: ["N/A"]}',
           default=", ".join(DEFAULT_NULL_TOKENS)),
    Option("currency", "The currency of a sales export that has no currency column.", "currency: CNY",
           tables=("sales",)),
    Option("return_prefixes", "Order-id prefixes that mark a return line, as well as a negative quantity or "
                              "amount (which always does).", "return_prefixes: [C]", default="none",
           tables=("sales",)),
    Option("service_levels", "How this export writes its service levels, mapped onto 5x9, 7x24x8 and 7x24x4.",
           'service_levels: {"Value 2": 7x24x4, "Value 3": 7x24x8}', tables=("dispatches",)),
    Option("event_log", "The file is an event log (one row per ticket event), folded into one dispatch per "
                        "ticket: case, activity and timestamp columns, optionally resource, and the activities "
                        "that mean reported, arrived and closed.",
           "event_log: {case: Case ID, activity: Activity, timestamp: Complete Timestamp, resource: Resource, "
           "closed: [Closed]}", tables=("dispatches",)),
    Option("state_log", "The file has one row per update of a record (a ServiceNow or Jira export): the rows that "
                        "share a key are its successive states, ordered by the column `updated` names. The latest "
                        "state is kept, the first report time taken, and the states are counted (`updates`). Without "
                        "this option such files are detected, ordered by their dates and then their row order, and "
                        "the run says so.",
           "state_log: {updated: sys_updated_at}", tables=("dispatches", "sales")),
    Option("repeated_keys", "What rows sharing a key with other content are: `states` (successive states of one "
                            "record, see state_log) or `reject` (the key is unique in this export: a second version "
                            "is rejected as conflicting_duplicate unless its dates make it the later one, "
                            "superseded).", "repeated_keys: reject", default="states",
           tables=("dispatches", "sales", "contracts")),
    Option("max_loss", "The share of a file's rows that may be rejected before the run ends with a warning naming "
                       "the file and its top reasons (chapter 1 shows it too).", "max_loss: 0.10", default="0.05"),
    Option("max_file_gib", "Files above this size are refused rather than read whole into memory.",
           "max_file_gib: 4", default="1"),
)

KNOWN_OPTIONS = frozenset(o.name for o in OPTIONS)
