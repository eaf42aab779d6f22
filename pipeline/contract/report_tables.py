"""The report's contract tables: CSVs under ``reports/<period>/tables/`` with English column names and
every row, which scripts may rely on (rates are fractions 0–1). The other CSVs there are the tables
shown in the report, named after their label, with headers in the report's language."""

from __future__ import annotations

from pipeline.contract.model import Document, Field

REPORT_TABLES = (
    Document("sla_compliance.csv", "SLA compliance per service level in the period (response within the level's "
             "deadline).", (
                 Field("service_level", "5x9, 7x24x8, 7x24x4 or a level sources.yml gives a response target "
                                        "(options.sla_targets); levels without one are named in the text"),
                 Field("dispatches", "dispatches whose outcome is decided"),
                 Field("breaches", "of them, answered after the deadline (or still unanswered past it)"),
                 Field("breach_rate", "breaches / dispatches"),
                 Field("ci_low", "lower end of the 95% Wilson interval of breach_rate"),
                 Field("ci_high", "upper end of it"),
                 Field("undecided", "dispatches still within their deadline at the period's end"))),
    Document("sla_resolution_compliance.csv", "Resolution against the targets sources.yml declares "
             "(options.sla_targets), per service level that has one; written only then.", (
                 Field("service_level", "a level with a resolution target"),
                 Field("dispatches", "tickets whose outcome is decided"),
                 Field("breaches", "of them, closed after the deadline (or still open past it)"),
                 Field("breach_rate", "breaches / dispatches"),
                 Field("ci_low", "lower end of the 95% Wilson interval of breach_rate"),
                 Field("ci_high", "upper end of it"),
                 Field("undecided", "tickets still within their deadline at the period's end"))),
    Document("sla_agreement.csv", "The export's own SLA flag (made_sla) against Aftercare's verdict (breached when "
             "the response or the resolution is late), for the period's tickets; written only when the export has "
             "the flag.", (
                 Field("outcome", "both_met, both_breached, export_only_breach, aftercare_only_breach, undecided "
                                  "(either side without a verdict)"),
                 Field("dispatches", "tickets"), Field("share", "dispatches / all the period's tickets"))),
    Document("first_time_fix.csv", "First-time fix: dispatches fixed in one visit, per service level; the row "
             "group=all is the whole period.", (
                 Field("group", "the service level, or all"),
                 Field("dispatches", "dispatches whose number of visits is known"),
                 Field("first_time_fixes", "of them, fixed in one visit"),
                 Field("rate", "first_time_fixes / dispatches"),
                 Field("ci_low", "95% Wilson interval"), Field("ci_high", "95% Wilson interval"))),
    Document("cause_given_symptom.csv", "The causes behind each symptom (thesis figs. 4-4 and 4-5), on all "
             "history up to the period's end.", (
                 Field("symptom_code", "the symptom"), Field("cause_code", "a cause"),
                 Field("dispatches", "dispatches of the symptom with this cause"),
                 Field("probability", "the posterior mean share of the symptom's cause mentions naming this cause "
                                         "(symmetric Dirichlet prior 0.5)"),
                 Field("ci_low", "95% interval"), Field("ci_high", "95% interval"),
                 Field("symptom_dispatches", "dispatches of the symptom with a known cause"),
                 Field("mentions", "cause mentions of the symptom (a cell may name two causes)"))),
    Document("parts_kit.csv", "The best kit of at most two spare parts to ship per symptom.", (
                 Field("symptom_code", "the symptom"), Field("part_1", "first part"), Field("part_2", "second part"),
                 Field("kit_coverage", "P(all needed parts are in the kit)"),
                 Field("dispatches", "dispatches with a known need"),
                 Field("unknown_need", "dispatches left out: their need is unknown"),
                 Field("sent_coverage", "share of dispatches whose shipped parts covered the need"),
                 Field("expected_second_visits_saved", "dispatches × (kit_coverage − sent_coverage)"))),
    Document("customer_value.csv", "Per customer: value, prediction and segment.", (
                 Field("customer_id", "the customer"),
                 Field("historical_value", "spend before the period"), Field("current_value", "spend in the period"),
                 Field("potential_value", "expected spend over the next year (BG/NBD × Gamma-Gamma)"),
                 Field("clv", "expected discounted spend over 36 months"),
                 Field("p_alive", "P(the customer is still active), BG/NBD"),
                 Field("rfm_segment", "recency-frequency-monetary segment"), Field("cluster", "k-means cluster"),
                 Field("value_type", "one of the nine value types: laggard, calculating, nostalgic, practical, "
                                     "value_seeking, status, avant_garde, far_sighted, perfectionist"))),
    Document("model_parameters.csv", "The customer-base models' estimates.", (
                 Field("model", "BG/NBD, Gamma-Gamma, sBG …"), Field("parameter", "its name, as in lifetimes"),
                 Field("estimate", "maximum-likelihood estimate"),
                 Field("ci_low", "95% interval"), Field("ci_high", "95% interval"))),
    Document("service_purchase_effect.csv", "Service experience and purchasing in one model: BG/NBD with each "
             "customer's SLA breaches, second visits, median repair hours and dispatches as covariates on the "
             "purchase and the drop-out process (empty when it could not be estimated).", (
                 Field("process", "purchase or dropout"), Field("covariate", "the service measure"),
                 Field("estimate", "coefficient per unit: > 0 more purchases (purchase) or sooner drop-out (dropout)"),
                 Field("se", "standard error"), Field("ci_low", "95% interval"), Field("ci_high", "95% interval"),
                 Field("p_value", "Wald test"), Field("rate_ratio", "exp(estimate): the factor per unit"))),
    Document("cohort_retention.csv", "Customers of each first-purchase cohort who bought again in later periods.", (
                 Field("cohort", "the month of the first purchase"), Field("period_index", "months since"),
                 Field("customers", "the cohort's size"), Field("retained", "of them, buying in that month"),
                 Field("rate", "retained / customers"))),
    Document("service_retention_effect.csv", "The service-to-retention test: how SLA breaches and second visits "
             "relate to contract renewal (logit) and repurchase (Cox).", (
                 Field("term", "the service measure"),
                 Field("ratio", "odds ratio (renewal) or hazard ratio (repurchase) per unit"),
                 Field("ci_low", "95% interval"), Field("ci_high", "95% interval"), Field("p_value", "Wald test"),
                 Field("model", "logit or cox"))),
    Document("cross_sell_pairs.csv", "Products bought by the same customers (at least 5): the 10,000 pairs of "
             "highest lift, all of them when fewer; `cross_sell_pairs_orders.csv` the same for products in one "
             "order.", (
                 Field("product_a", "a product"), Field("product_b", "another"),
                 Field("customers", "customers who bought both"), Field("support", "customers / all customers"),
                 Field("confidence", "P(b | a)"), Field("lift", "confidence / P(b)"))),
)
