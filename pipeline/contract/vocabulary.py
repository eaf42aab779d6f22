"""The closed vocabularies of the contract: values a processed column may hold, and reject reasons."""

from __future__ import annotations

TABLES = ("dispatches", "sales", "customers", "contracts")

# The three hardware service levels (weekdays 9 business hours with next-business-day response;
# 24x7 with an 8-hour or a 4-hour response), as the processed tables write them.
SERVICE_LEVELS = ("5x9", "7x24x8", "7x24x4")
TIERS = ("VIP", "large", "SMB")
# What decided a free-text code (pipeline/clean/taxonomy.py): a taxonomy rule, the similarity
# model, nothing confident enough (the code is UNMAPPED), or the export itself (options.coded_columns).
CODING_METHODS = ("rule", "similarity", "none", "source")

# Why a raw row is rejected: reason code -> what it means (the rejects' ``reason`` names the column).
REJECT_REASONS = {
    "malformed_row": "the record's field count does not match the header",
    "missing_id": "the row's identifier is empty",
    "missing_customer": "neither customer name nor customer id is given",
    "bad_date": "a date that no known format reads",
    "ambiguous_date": "a day/month order the file does not settle (08/01/2009); declare options.date_order",
    "future_date": "a date after the run date",
    "implausible_date": "a date before 1990",
    "missing_date": "a required date is empty",
    "closed_before_reported": "the ticket is closed before it was reported",
    "arrived_before_reported": "the engineer arrived before the ticket was reported",
    "end_before_start": "the contract ends before it starts",
    "bad_number": "a number that cannot be read",
    "missing_amount": "neither amount nor quantity and unit price are given",
    "total_row": "a total row of the export, not data",
    "bad_boolean": "a yes/no value that cannot be read",
    "conflicting_duplicate": "the same id with different content, and no later version to prefer",
    "superseded": "an earlier version of a record that appears again with later updates",
}
