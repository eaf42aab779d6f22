"""Chapter 4, the customer lifecycle, in the thesis's four stages: selection (:mod:`.selection`),
acquisition (:mod:`.cohorts`, :mod:`.stages`), retention (:mod:`.renewals` and the service test in
:mod:`.retention`) and extension (:mod:`.crosssell`).

The package offers every public function of the modules above; ``from pipeline.analyses import
lifecycle`` then ``lifecycle.cohort_retention(...)``.
"""

from pipeline.analyses.lifecycle.cohorts import buying_lines, cohort_matrix, cohort_retention, new_customers_per_period
from pipeline.analyses.lifecycle.renewals import contract_ages, contract_survival, renewal_rates
from pipeline.analyses.lifecycle.selection import p_alive_bands, selection_ranking, value_profile
from pipeline.analyses.lifecycle.stages import (
                                               STAGES,
                                               opening_products,
                                               stage_transitions,
                                               stages_at,
                                               time_to_second_purchase,
                                               win_backs,
)

__all__ = [
    "STAGES", "buying_lines", "cohort_matrix", "cohort_retention", "contract_ages", "contract_survival",
    "new_customers_per_period", "opening_products", "p_alive_bands", "renewal_rates", "selection_ranking",
    "stage_transitions", "stages_at", "time_to_second_purchase", "value_profile", "win_backs",
]
