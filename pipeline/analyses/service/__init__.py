"""Chapter 2, after-sales service: SLA clocks and compliance, repair time, first-time fix and second
visits, the causes behind each symptom, the spare-parts kit, CAG's accuracy and the workload.

Every function takes the processed ``dispatches`` table (or a period's slice of it) and returns a
DataFrame; rates are fractions 0–1, durations hours, intervals 95% unless ``confidence`` says
otherwise (Wilson score intervals for proportions, :func:`pipeline.analyses.stats.wilson_interval`). The
modules: :mod:`.sla`, :mod:`.repair`, :mod:`.fixes`, :mod:`.parts`, :mod:`.causes`, :mod:`.cag`,
:mod:`.workload`, :mod:`.thesis_table`.

Conventions used throughout:

- A dispatch's **actual causes** are its ``cause_codes`` (a cell may name two causes); a dispatch
  with no cause code has an unknown cause and is left out of cause statistics.
- A dispatch's **needed parts** (:func:`needed_parts_long`) are its ``parts_used`` when that list
  is non-empty; otherwise they are derived from its causes through ``cause_parts`` (default: the
  ``cause_parts`` table of ``taxonomy.yml``), e.g. ``DISK_LOGICAL`` needs no part. When neither
  gives an answer (no parts used recorded and no cause, or a cause the mapping does not know) the
  need is unknown and the dispatch is left out of parts statistics. (After cleaning, a missing
  ``parts_used`` and an empty one both arrive as ``[]``, so the two cannot be told apart.)
"""

from pipeline.analyses.service.cag import (
                                          cag_accuracy,
                                          cag_confusion,
                                          cag_misses_by_symptom,
)
from pipeline.analyses.service.causes import cause_given_symptom, diagnosis_checklist
from pipeline.analyses.service.fixes import first_time_fix, second_visit_reasons
from pipeline.analyses.service.parts import needed_parts, needed_parts_long, parts_kit
from pipeline.analyses.service.repair import (
                                          kaplan_meier,
                                          repair_durations,
                                          repair_time_km,
                                          repair_time_summary,
)
from pipeline.analyses.service.sla import (
                                          business_hours_between,
                                          received_at,
                                          response_deadline,
                                          sla_compliance,
                                          sla_flags,
)
from pipeline.analyses.service.thesis_table import thesis_table_4_1
from pipeline.analyses.service.workload import engineer_league, workload

__all__ = [
    "business_hours_between", "cag_accuracy", "cag_confusion", "cag_misses_by_symptom", "cause_given_symptom",
    "diagnosis_checklist", "engineer_league", "first_time_fix", "kaplan_meier", "needed_parts", "needed_parts_long",
    "parts_kit", "received_at", "repair_durations", "repair_time_km", "repair_time_summary", "response_deadline",
    "second_visit_reasons", "sla_compliance", "sla_flags", "thesis_table_4_1", "workload",
]
