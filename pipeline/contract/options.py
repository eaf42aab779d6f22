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
    Option("delimiter", "The field separator of a CSV export (default: sniffed among , tab ; |, and runs of "
                        "spaces when none of those explains the file). `whitespace`: columns separated by runs of "
                        "spaces or tabs, leading spaces ignored, no quoting (CDNOW's .txt).",
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
    Option("service_levels", "How this export writes its service levels, mapped onto 5x9, 7x24x8 and 7x24x4; a "
                             "mapping to another name declares a new level (give it sla_targets). A level neither "
                             "recognised nor mapped is kept as written.",
           'service_levels: {"Value 2": 7x24x4, "Value 3": 7x24x8}', tables=("dispatches", "contracts")),
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
           tables=("dispatches", "sales", "contracts"), choices=("states", "reject")),
    Option("exact_copies", "Sales lines without a line number that are identical in every column: `drop` them as "
                           "duplicates of the first, or `keep` each, where the export writes one line per "
                           "purchase and two equal purchases are two (CDNOW's master file).", "exact_copies: keep",
           default="drop", choices=("drop", "keep")),
    Option("missing_customer", "A ticket whose customer cell is empty: `reject` it (missing_customer) or `keep` it "
                               "with no customer, as an IT service desk's ticket without a caller is still work "
                               "done; the service chapter counts it, the customer-level sections leave it out. A "
                               "file with no customer column at all is always read so.", "missing_customer: keep",
           default="reject", tables=("dispatches",), choices=("reject", "keep")),
    Option("coded_columns", "Free-text columns that already hold codes, taken as they are instead of being coded "
                            "by the taxonomy: symptom_text, cause_text (ServiceNow's u_symptom or category, BPIC's "
                            "product codes). Their method is `source` and confidence 1; a cause cell may list "
                            "several codes. The report labels such a code as written, or by a local taxonomy's "
                            "label for it.", "coded_columns: [symptom_text]", default="none",
           tables=("dispatches",)),
    Option("max_loss", "The share of a file's rows that may be rejected before the run ends with a warning naming "
                       "the file and its top reasons (chapter 1 shows it too).", "max_loss: 0.10", default="0.05"),
    Option("max_file_gib", "Files above this size are refused rather than read whole into memory.",
           "max_file_gib: 4", default="1"),
    Option("tiers", "How this export writes its customer tiers, mapped onto VIP, large and SMB; a mapping to another "
                    "name declares a new tier. A tier neither recognised nor mapped is kept as written.",
           "tiers: {Corporate: large, Consumer: SMB, Home Office: SMB}", tables=("customers",)),
    Option("sla_targets", "Response and resolution targets per service level, each in its own clock: `wall` (hours "
                          "around the clock after the report) or `business` (business hours, see business_hours: "
                          "`hours` of business time after the call is received, or `days`: the end of the n-th "
                          "business day after). Any level name; a declared level replaces the built-in targets of "
                          "the same name. A level with no target is left out of the SLA rates and named.",
           'sla_targets: {"1 - Critical": {response: {clock: wall, hours: 1}, resolution: {clock: wall, hours: 4}}, '
           '"3 - Moderate": {resolution: {clock: business, days: 3}}}',
           default="5x9: response by the end of the next business day; 7x24x8 / 7x24x4: response within 8 / 4 hours",
           tables=("dispatches",)),
    Option("business_hours", "The business clock of the `business` SLA targets: opening and closing hour (Mon–Fri) "
                             "and the holidays (dates) it skips.",
           "business_hours: {start: 8, end: 17, holidays: [2016-03-25, 2016-03-28]}",
           default="start 9, end 18, no holidays", tables=("dispatches",)),
    Option("time_zone", "The IANA time zone (Europe/Brussels, Asia/Shanghai, UTC) that timestamps written with an "
                        "offset (ISO 8601: 2010-03-31T16:59:42+01:00, or Z) are converted to; mixed offsets (summer "
                        "time) are each converted. Timestamps without an offset are taken as written. The processed "
                        "tables hold the naive local time.", "time_zone: Europe/Brussels",
           default="the wall time as written, its offset dropped"),
    Option("header", "false: the file has no header row (CSV or .xlsx). Its columns are then named by position, "
                     "counted from 1 (\"1\", \"2\", …), and mapped under columns: by those names, e.g. "
                     "columns: {customer_id: \"1\", order_date: \"3\"}; every row is data.",
           'header: false', default="true"),
    Option("zip_member", "Which file inside a .zip to read, when it holds more than one data file (__MACOSX/ "
                         "copies and dot-files are never counted). Its path inside the .zip, or its file name.",
           'zip_member: "VolvoIT-Challenge/VINST-new.csv"'),
)

KNOWN_OPTIONS = frozenset(o.name for o in OPTIONS)
OPTION_CHOICES = {o.name: o.choices for o in OPTIONS if o.choices}
