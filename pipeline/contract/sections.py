"""What each report section needs from the data, declared beside the tables it reads.

Before a chapter computes a section, the report checks the section's needs against the data in hand
(:mod:`pipeline.analyses.coverage`). A section whose needs are not met is replaced by one short
paragraph saying what is missing and how to supply it; a chapter whose own needs are not met
becomes a short page saying so. Chapter 1 lists every section, shown or not, and why.

A need names a processed table and, where it matters, a column and a span of time:

- ``when="period"``: rows in the report's period; ``"history"``: rows before the period's end;
  ``"previous"``: rows in the period before; ``"any"``: rows at all.
- :func:`rows` — at least ``at_least`` rows;
- :func:`values` — at least ``at_least`` rows whose column holds a value (for a code column: a code
  the taxonomy mapped, not ``UNMAPPED``), so that a column the export lacks, or whose values were
  all unreadable, counts as missing;
- :func:`largest_group` — at least ``at_least`` rows sharing one usable value of the column;
- :func:`customers` — at least ``at_least`` distinct customers with a purchase;
- :func:`decided_contracts` — contracts whose renewal was decided (ended, with ``renewed`` known);
- :func:`months` — months of the table's history before the period's end;
- :func:`from_file` — rows read from a given raw file;
- :func:`targets` — dispatches whose service level has a response (or resolution) target, built in or
  declared in sources.yml (``options.sla_targets``);
- :func:`outside_vocabulary` — rows of any table whose service level or tier is outside the built-in
  vocabulary (kept as written, or declared).
"""

from __future__ import annotations

from dataclasses import dataclass, field

WHEN = ("period", "history", "previous", "any")


@dataclass(frozen=True)
class Need:
    kind: str      # rows | values | largest_group | customers | decided_contracts | months | from_file | targets
    #               | outside_vocabulary
    table: str
    column: str | None = None
    at_least: int = 1
    when: str = "period"

    def __post_init__(self):
        if self.when not in WHEN:
            raise ValueError(f"need: unknown span {self.when!r}")


def rows(table: str, at_least: int = 1, when: str = "period") -> Need:
    return Need("rows", table, None, at_least, when)


def values(table: str, column: str, at_least: int = 1, when: str = "period") -> Need:
    return Need("values", table, column, at_least, when)


def largest_group(table: str, column: str, at_least: int, when: str = "history") -> Need:
    """At least ``at_least`` rows share one usable value of ``column`` (a per-symptom estimate needs
    that many dispatches of one symptom)."""
    return Need("largest_group", table, column, at_least, when)


def customers(at_least: int = 1, when: str = "history") -> Need:
    return Need("customers", "sales", "customer_id", at_least, when)


def decided_contracts(at_least: int = 1) -> Need:
    return Need("decided_contracts", "contracts", "renewed", at_least, "history")


def months(table: str, at_least: int) -> Need:
    return Need("months", table, None, at_least, "history")


def from_file(table: str, name: str) -> Need:
    """Rows of ``table`` read from the raw file ``name`` (``column`` holds the file's name)."""
    return Need("from_file", table, name, 1, "any")


def targets(kind: str = "response", at_least: int = 1, when: str = "period") -> Need:
    """At least ``at_least`` dispatches whose service level has a ``kind`` target (``response`` or
    ``resolution``): the built-in ones for 5x9 / 7x24x8 / 7x24x4, or those sources.yml declares."""
    return Need("targets", "dispatches", kind, at_least, when)


def outside_vocabulary(at_least: int = 1) -> Need:
    """At least ``at_least`` rows (of any table) holding a service level or tier outside the built-in
    vocabulary."""
    return Need("outside_vocabulary", "dispatches", None, at_least, "any")


# The thesis's own table 4-1, as the sample (or a user who keeps the thesis's rows) ships it.
THESIS_TABLE_FILE = "dispatches_thesis_table_4_1.csv"


@dataclass(frozen=True)
class Section:
    """One section of the report. ``title``: the message key of its heading (None for a part of a
    section that has no heading of its own); ``silent``: when its needs are not met it is left out
    without a word (material that only some data holds, such as the thesis's own table)."""

    key: str
    chapter: str
    title: str | None
    needs: tuple[Need, ...] = ()
    silent: bool = False


@dataclass(frozen=True)
class ChapterNeeds:
    """A chapter and what it needs as a whole; ``title`` is the message key of its heading."""

    key: str
    title: str
    needs: tuple[Need, ...] = field(default_factory=tuple)


CHAPTERS: dict[str, ChapterNeeds] = {c.key: c for c in (
    ChapterNeeds("quality", "quality.title"),
    ChapterNeeds("service", "service.title", (rows("dispatches", when="period"),)),
    ChapterNeeds("value", "value.title", (rows("sales", when="period"),)),
    ChapterNeeds("lifecycle", "lifecycle.title", (rows("sales", when="history"),)),
    ChapterNeeds("conclusions", "conclusions.title"),
)}

# cause given symptom is estimated per symptom, from at least 5 dispatches of it
# (pipeline.analyses.service.causes.cause_given_symptom's min_dispatches)
_CODED_SYMPTOMS = largest_group("dispatches", "symptom_code", 5, "history")
_CODED_CAUSES = values("dispatches", "cause_codes", 5, "history")

SECTIONS: dict[str, Section] = {s.key: s for s in (
    # chapter 1: the data and its quality
    Section("quality.accounting", "quality", "quality.accounting_section"),
    Section("quality.coverage", "quality", "quality.coverage_section"),
    Section("quality.rejects", "quality", "quality.rejects_section"),
    Section("quality.mapping", "quality", "quality.mapping_section",
            (rows("dispatches", when="any"),)),
    Section("quality.customers", "quality", "quality.customers_section"),
    Section("quality.vocabulary", "quality", "quality.vocabulary_section", (outside_vocabulary(),), silent=True),
    # chapter 2: after-sales service
    Section("service.intro", "service", None),
    Section("service.sla", "service", "service.sla_section",
            (values("dispatches", "service_level"), values("dispatches", "arrived_at"), targets("response"))),
    # tiers are the customers'; a ticket export without customers has none to join
    Section("service.sla_tier", "service", None, (values("customers", "tier", when="any"),
                                                  values("dispatches", "customer_id"))),
    Section("service.sla_resolution", "service", "service.resolution_section",
            (values("dispatches", "service_level"), values("dispatches", "closed_at"), targets("resolution")),
            silent=True),
    Section("service.sla_agreement", "service", "service.agreement_section",
            (values("dispatches", "made_sla"),), silent=True),
    Section("service.repair", "service", "service.repair_section", (values("dispatches", "closed_at"),)),
    Section("service.first_time_fix", "service", "service.ftf_section", (values("dispatches", "visits"),)),
    Section("service.diagnosis", "service", "service.diagnosis_section", (_CODED_SYMPTOMS, _CODED_CAUSES)),
    Section("service.kit", "service", "service.kit_section", (_CODED_SYMPTOMS, _CODED_CAUSES)),
    Section("service.cag", "service", "service.cag_section",
            (values("dispatches", "predicted_cause_code", 5, "history"), _CODED_SYMPTOMS, _CODED_CAUSES)),
    Section("service.workload", "service", "service.workload_section", (values("dispatches", "engineer"),)),
    Section("service.thesis_table", "service", "service.thesis_section", (from_file("dispatches", THESIS_TABLE_FILE),),
            silent=True),
    # chapter 3: customer value
    Section("value.intro", "value", None),
    Section("value.value", "value", "value.value_section"),
    Section("value.concentration", "value", "value.concentration_section"),
    Section("value.models", "value", "value.models_section"),
    Section("value.holdout", "value", "value.holdout_section", (months("sales", 18),)),
    Section("value.service_effect", "value", "value.service_effect_section", (rows("dispatches", when="history"),)),
    Section("value.sbg", "value", "value.sbg_section", (rows("contracts", when="history"),)),
    Section("value.rfm", "value", "value.rfm_section"),
    Section("value.migration", "value", "value.migration_section", (rows("sales", when="previous"),)),
    Section("value.clusters", "value", "value.cluster_section"),
    Section("value.grid", "value", "value.grid_section"),
    Section("value.customer_table", "value", None),
    # chapter 4: the customer lifecycle
    Section("lifecycle.intro", "lifecycle", None),
    Section("lifecycle.selection", "lifecycle", "lifecycle.selection_section", (customers(2),)),
    Section("lifecycle.acquisition", "lifecycle", "lifecycle.acquisition_section"),
    Section("lifecycle.opening", "lifecycle", None, (values("sales", "product_category", when="history"),)),
    Section("lifecycle.second", "lifecycle", None),
    Section("lifecycle.retention", "lifecycle", "lifecycle.retention_section"),
    Section("lifecycle.alive", "lifecycle", None),
    Section("lifecycle.renewal", "lifecycle", "lifecycle.renewal_section", (decided_contracts(1),)),
    Section("lifecycle.service", "lifecycle", "lifecycle.service_section",
            (decided_contracts(20), rows("dispatches", when="history"),
             values("dispatches", "service_level", when="history"),
             values("dispatches", "arrived_at", when="history"))),
    Section("lifecycle.extension", "lifecycle", "lifecycle.extension_section",
            (values("sales", "product_id", when="history"),)),
    Section("lifecycle.breadth", "lifecycle", None, (values("sales", "product_category", when="history"),)),
    Section("lifecycle.more", "lifecycle", None),
    Section("lifecycle.upgrades", "lifecycle", None, (rows("contracts", when="history"),)),
    Section("lifecycle.summary", "lifecycle", "lifecycle.summary_section"),
    # chapter 5: conclusions
    Section("conclusions.findings", "conclusions", None),
)}


def section(key: str) -> Section:
    try:
        return SECTIONS[key]
    except KeyError:
        raise KeyError(f"no report section {key!r}; sections: {', '.join(SECTIONS)}") from None
