"""Chapter 3 of the report, customer value and segmentation: each section computed, then shown.

``scope(ch)`` gathers the tables the chapter reads; each ``<section>_section(scope, …)`` computes the
section from the analyses in :mod:`pipeline.analyses.value` and :mod:`pipeline.clv` and returns it as
data; each ``show_<section>(ch, …, result)`` writes the section into the report (paragraphs, tables,
figures, and the CSVs behind them). The notebook ``03_customer_value.ipynb`` is one call of each.

Money is net revenue in the sales table's currency: the exports carry no cost, so margin = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import clv
from pipeline.analyses.period import Period
from pipeline.analyses.value import customer_value as value
from pipeline.analyses.value import segmentation
from pipeline.errors import InputError
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.charts import base as charts
from pipeline.report.charts import value as charts_value
from pipeline.report.present import interval_texts, translated_headers
from pipeline.report.sections import computes, shows

# Potential value: expected purchases over the next HORIZON_WEEKS (52 weeks, the "12 months" of the
# report's labels), undiscounted. CLV: expected revenue over CLV_MONTHS, discounted monthly at the
# equivalent of ANNUAL_DISCOUNT_RATE. MARGIN: the share of revenue that is profit (1: revenue).
HORIZON_WEEKS, CLV_MONTHS, ANNUAL_DISCOUNT_RATE, MARGIN = 52.0, 36, 0.10, 1.0
# Validation: BG/NBD refitted without the last HOLDOUT_WEEKS weeks of data predicts them; it needs
# MIN_CALIBRATION_CUSTOMERS customers in the weeks before.
HOLDOUT_WEEKS = 52
# Pareto/NBD is fitted only to compare with BG/NBD, and shown only when it converged: its slow fallback
# search is given this many log-likelihood evaluations (a count, so that reruns agree)
PARETO_FALLBACK_EVALUATIONS = 200
MIN_CALIBRATION_CUSTOMERS = 20
# The sBG renewal model is fitted on a cohort of first contracts holding at least this many customers.
SBG_MIN_CUSTOMERS = 10
# The thresholds of the nine-type grid (stated in the report, table of grid parameters).
GRID = segmentation.GridParameters()
# k-means is seeded so that a rerun gives the same clusters; the skewed features are clustered on log1p.
CLUSTER_SEED = 0
LOG_SCALED_FEATURES = ("clv", "frequency", "recency_days")
# The value components in the order the report lists them: message ``value.<key>`` → column of values.
VALUE_COMPONENTS = {"historical": "historical_value", "current": "current_value", "potential": "potential_value",
                    "clv": "clv"}
# The migration table's row of customers who had not bought by the previous period's end.
NEW_CUSTOMERS = "(new)"


@dataclass
class Scope:
    """The tables chapter 3 reads. ``as_of``: the period's exclusive end, the point in time every
    value, score and model is read at; ``contracts`` and ``customers`` may be absent (None)."""

    chapter: Chapter
    sales: pd.DataFrame
    contracts: pd.DataFrame | None
    customers: pd.DataFrame | None
    period: Period
    as_of: pd.Timestamp


def scope(ch: Chapter) -> Scope:
    return Scope(chapter=ch, sales=ch.data["sales"], contracts=ch.data.get("contracts"),
                 customers=ch.data.get("customers"), period=ch.period, as_of=ch.period.end_exclusive)


# --------------------------------------------------------------------------- introduction
@dataclass
class IntroResult:
    buyers: int                    # customers with an order in the period
    revenue: float                 # net revenue of the period
    previous_revenue: float        # net revenue of the previous period


@computes("value.intro")
def intro_section(s: Scope) -> IntroResult:
    current = value.customer_value(s.sales, s.period)
    previous = value.customer_value(s.sales, s.period.previous())
    return IntroResult(buyers=(current["orders_current"] > 0).sum(), revenue=current["current_value"].sum(),
                       previous_revenue=previous["current_value"].sum())


@shows("value.intro")
def show_intro(ch: Chapter, r: IntroResult) -> None:
    t = ch.t
    rk.chapter(t("value.title"))
    rk.paragraph(t("value.intro", period=ch.period_text, buyers=ch.num(r.buyers), revenue=ch.num(r.revenue),
                   previous=ch.num(r.previous_revenue)))


# --------------------------------------------------------------------------- value
@dataclass
class ValueResult:
    values: pd.DataFrame           # per customer: historical, current, potential value, CLV, p_alive, …
    summary: pd.DataFrame          # per customer: weekly frequency, recency, T, monetary value (the models' input)
    bg: clv.BetaGeo | None         # None when it could not be fitted (reason in ``problems``)
    gg: clv.GammaGamma | None
    problems: dict                 # model name → why it was not fitted
    components: pd.DataFrame       # per component (VALUE_COMPONENTS): total and mean per customer


@computes("value.value")
def value_section(s: Scope) -> ValueResult:
    res = value.value_table(s.sales, s.period, horizon_weeks=HORIZON_WEEKS, clv_months=CLV_MONTHS,
                            annual_discount_rate=ANNUAL_DISCOUNT_RATE, margin=MARGIN)
    values = res["values"]
    components = pd.DataFrame({
        "component": list(VALUE_COMPONENTS),
        # min_count: a component no model could estimate totals to NaN, shown as "–", not as 0
        "total": [values[c].sum(min_count=1) for c in VALUE_COMPONENTS.values()],
        "per_customer": [values[c].mean() for c in VALUE_COMPONENTS.values()]})
    return ValueResult(values, res["summary"], res["bg"], res["gg"], res["problems"], components)


@shows("value.value")
def show_value(ch: Chapter, r: ValueResult) -> None:
    t, values = ch.t, r.values
    rk.section(t("value.value_section"))
    rk.paragraph(t("value.value_text", period=ch.period_text, historical=ch.num(values["historical_value"].sum()),
                   current=ch.num(values["current_value"].sum()), potential=ch.num(values["potential_value"].sum()),
                   clv=ch.num(values["clv"].sum()), months=CLV_MONTHS, rate=ch.pct(ANNUAL_DISCOUNT_RATE),
                   margin=ch.pct(MARGIN)))
    for model, reason in r.problems.items():
        rk.paragraph(t("value.model_not_fitted", model=model, reason=reason))
    c = r.components
    shown = c.assign(component=c["component"].map(lambda key: t(f"value.{key}")), total=c["total"].map(ch.num),
                     per_customer=c["per_customer"].map(ch.num))
    rk.table(translated_headers(shown, t, prefixes=("value",)), "value_components", t("value.value_caption"),
             ch.source_note)


# --------------------------------------------------------------------------- concentration
@dataclass
class ConcentrationResult:
    to_date: pd.Series             # per customer: net revenue before the period's end
    top20: float                   # share of it held by the top 20% of customers
    gini: float                    # 0 = equal, → 1 = one customer holds everything
    lorenz: pd.DataFrame           # cumulative share of customers against share of value


@computes("value.concentration")
def concentration_section(s: Scope) -> ConcentrationResult:
    to_date = s.sales[s.sales["order_date"] < s.as_of].groupby("customer_id")["amount"].sum()
    return ConcentrationResult(to_date, value.top_share(to_date, 0.2), value.gini(to_date), value.lorenz_curve(to_date))


@shows("value.concentration")
def show_concentration(ch: Chapter, r: ConcentrationResult) -> None:
    t = ch.t
    rk.section(t("value.concentration_section"))
    rk.paragraph(t("value.concentration_text", top20=ch.pct(r.top20), gini=f"{r.gini:.2f}"))
    fig = charts.lorenz(r.lorenz, xlabel=t("value.customer_share"), ylabel=t("value.value_share"),
                        equality_label=t("value.equality"))
    rk.figure(fig, "lorenz", t("value.lorenz_caption"), ch.source_note)


# --------------------------------------------------------------------------- the purchase and renewal models
@dataclass
class ModelsResult:
    models: dict                   # name → fitted model, in the order of the parameter table
    pareto: clv.ParetoNBD | None   # only when it converged (see models_section)
    correlation: dict | None       # frequency × spend among repeat buyers (Gamma-Gamma's assumption)
    chains: pd.DataFrame           # per customer with a contract: how many contract years its chain lasted
    active: list                   # the sBG cohort: customers still under contract in contract year 0, 1, …
    sbg: clv.ShiftedBetaGeo | None
    parameters: pd.DataFrame       # per model and parameter: estimate and 95% interval


@computes("value.models")
def models_section(s: Scope, v: ValueResult) -> ModelsResult:
    models = {name: m for name, m in (("BG/NBD", v.bg), ("Gamma-Gamma", v.gg)) if m is not None}
    pareto_model = clv.ParetoNBD()
    pareto_model.max_fallback_evaluations = PARETO_FALLBACK_EVALUATIONS
    fitted = value.fit_quietly(pareto_model, v.summary)[0] if v.bg is not None else None
    # a Pareto/NBD fit stopped on a flat ridge or at the bound has estimates the data do not
    # identify: it is compared with BG/NBD only when the optimiser converged on its own
    pareto = fitted if fitted is not None and fitted.converged_ and not fitted.stopped_early_ else None
    if pareto is not None:
        models["Pareto/NBD"] = pareto
    correlation = clv.frequency_spend_correlation(v.summary) if v.gg is not None else None
    contracts = s.contracts
    chains = value.contract_chains(contracts, s.as_of) if contracts is not None and len(contracts) else pd.DataFrame()
    active = value.sbg_active(chains, min_customers=SBG_MIN_CUSTOMERS) if len(chains) else []
    sbg = value.fit_quietly(clv.ShiftedBetaGeo(), active)[0] if active else None
    if sbg is not None:
        models["sBG"] = sbg
    parameters = clv.model_parameters_table(models) if models else pd.DataFrame(
        columns=["model", "parameter", "estimate", "ci_low", "ci_high"])
    return ModelsResult(models, pareto, correlation, chains, active, sbg, parameters)


@shows("value.models")
def show_models(ch: Chapter, v: ValueResult, r: ModelsResult) -> None:
    t, four_digits = ch.t, "{:.4g}".format
    rk.section(t("value.models_section"))
    if v.bg is not None and v.gg is not None:
        rk.paragraph(t("value.models_text", expected=ch.num(v.values["potential_value"].sum())))
    if r.pareto is not None:
        rk.paragraph(t("value.pareto_text", pn_ll=f"{r.pareto.log_likelihood_:,.1f}",
                       bg_ll=f"{v.bg.log_likelihood_:,.1f}"))
    if (corr := r.correlation) is not None:
        rk.paragraph(t("value.gg_check", customers=ch.num(corr["n"]), corr=f"{corr['r']:.2f}",
                       p=f"{corr['p_value']:.2g}"))
    params = r.parameters
    rk.save_table(params, "model_parameters")
    if len(params):
        ci = interval_texts(params.ci_low, params.ci_high, four_digits)
        shown = params.assign(estimate=params["estimate"].map(four_digits),
                              ci=["–" if pd.isna(lo) or pd.isna(hi) else text
                                  for lo, hi, text in zip(params.ci_low, params.ci_high, ci)])
        rk.table(translated_headers(shown[["model", "parameter", "estimate", "ci"]], t), "models",
                 t("value.models_caption"), ch.source_note)
        for name, m in r.models.items():
            if getattr(m, "at_bound_", None):
                rk.paragraph(t("value.at_bound", model=name, parameters=", ".join(m.at_bound_)))


# --------------------------------------------------------------------------- validation on a holdout
@dataclass
class HoldoutResult:
    calibration_end: pd.Timestamp  # exclusive end of the calibration part (HOLDOUT_WEEKS before the period's end)
    reason: str | None             # why there is no comparison (None: there is one)
    summary: pd.DataFrame | None = None  # per customer of the calibration part: calibration and holdout columns
    comparison: pd.DataFrame | None = None  # per calibration frequency: actual and predicted holdout purchases


@computes("value.holdout")
def holdout_section(s: Scope) -> HoldoutResult:
    cal_end = s.as_of - pd.Timedelta(weeks=HOLDOUT_WEEKS)
    try:
        summary = value.purchase_summary(s.sales, s.as_of, calibration_end=cal_end)
    except InputError as e:  # no purchases before the calibration end (or at all): nothing to validate on
        return HoldoutResult(cal_end, str(e))
    cal = summary.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency", "T_cal": "T"})
    if len(cal) < MIN_CALIBRATION_CUSTOMERS:
        return HoldoutResult(cal_end, f"{len(cal)} customers in the calibration period", summary)
    bg_cal, why = value.fit_quietly(clv.BetaGeo(), cal[["frequency", "recency", "T"]])
    if bg_cal is None:
        return HoldoutResult(cal_end, why, summary)
    return HoldoutResult(cal_end, None, summary, clv.calibration_holdout_comparison(bg_cal, summary))


@shows("value.holdout")
def show_holdout(ch: Chapter, r: HoldoutResult) -> None:
    t = ch.t
    rk.section(t("value.holdout_section"))
    if r.reason is not None:
        rk.paragraph(t("value.holdout_unavailable", reason=r.reason))
        return
    rk.save_table(r.comparison.reset_index(), "calibration_holdout")
    overall = r.comparison.attrs["overall"]
    rk.paragraph(t("value.holdout_text", cal_end=str(r.calibration_end.date() - pd.Timedelta(days=1)),
                   weeks=HOLDOUT_WEEKS, customers=ch.num(len(r.summary)), predicted=ch.num(overall["total_predicted"]),
                   actual=ch.num(overall["total_actual"]), mae=f"{overall['mae_bucket']:.2f}"))
    fig = charts_value.holdout(r.comparison, xlabel=t("value.holdout_x"), ylabel=t("value.holdout_y"),
                               actual_label=t("value.actual"), predicted_label=t("value.predicted"))
    rk.figure(fig, "value_holdout", t("value.holdout_caption"), ch.source_note)


# --------------------------------------------------------------------------- contract renewals (sBG)
@dataclass
class SbgResult:
    active: list                   # cohort still under contract t years after its first contract, t = 0, 1, …
    retention: np.ndarray          # sBG's renewal rate r_t, t = 1 … len(active) + 2 (report's years 2 … len + 3)
    horizon: np.ndarray            # t = 0 … len(active) + 2: the data and three years beyond
    observed: np.ndarray           # share of the cohort still under contract, per observed t
    projected: np.ndarray          # the same projected by sBG, per t of ``horizon``
    at_bound: bool                 # the estimates ran to the search bound (no heterogeneity in renewal)


@computes("value.sbg")
def sbg_section(s: Scope, models: ModelsResult) -> SbgResult | None:
    """The renewal projection, or None when no cohort was large enough to fit sBG on."""
    sbg, active = models.sbg, models.active
    if sbg is None:
        return None
    years = len(active)
    horizon = np.arange(0, years + 3)
    return SbgResult(active=active, retention=np.asarray(sbg.retention_rate(range(1, years + 3))), horizon=horizon,
                     observed=np.asarray(active) / active[0], projected=np.asarray(sbg.survival(horizon)),
                     at_bound=bool(getattr(sbg, "at_bound_", None)))


@shows("value.sbg")
def show_sbg(ch: Chapter, r: SbgResult | None) -> None:
    t = ch.t
    rk.section(t("value.sbg_section"))
    if r is None:
        rk.paragraph(t("value.sbg_unavailable", min=SBG_MIN_CUSTOMERS))
        return
    # r_t renews a contract for its (t + 1)-th year: the report counts contract years from 1
    items = t("cluster.joiner").join(t("value.sbg_retention_item", year=year, rate=ch.pct(rate))
                                     for year, rate in enumerate(r.retention, start=2))
    rk.paragraph(t("value.sbg_text", cohort=ch.num(r.active[0]), years=len(r.active), survivors=ch.num(r.active[-1]),
                   retention=items))
    if r.at_bound:
        rk.paragraph(t("value.sbg_flat"))
    fig = charts_value.survival_projection(r.horizon, r.observed, r.projected, xlabel=t("value.sbg_x"),
                                           ylabel=t("value.sbg_y"), observed_label=t("value.observed"),
                                           projected_label=t("value.projected"))
    rk.figure(fig, "value_sbg", t("value.sbg_caption"), ch.source_note)


# --------------------------------------------------------------------------- RFM segments
@dataclass
class RfmResult:
    rfm: pd.DataFrame              # per customer: recency (days), frequency, monetary, scores, segment
    segments: pd.DataFrame         # per segment: customers, share, revenue (monetary), by revenue


@computes("value.rfm")
def rfm_section(s: Scope) -> RfmResult:
    rfm = value.rfm_scores(s.sales, s.as_of)
    return RfmResult(rfm=rfm, segments=value.segment_summary(rfm))


@shows("value.rfm")
def show_rfm(ch: Chapter, r: RfmResult) -> None:
    t, segments = ch.t, r.segments
    rk.section(t("value.rfm_section"))
    rk.paragraph(t("value.rfm_text"))
    shown = segments.assign(segment=segments["rfm_segment"].map(lambda seg: t(f"segment.{seg}")),
                            share=segments["share"].map(ch.pct), revenue=segments["monetary"].map(ch.num))
    shown = shown[["segment", "customers", "share", "revenue"]]
    rk.table(translated_headers(shown, t), "rfm", t("value.rfm_caption"), ch.source_note)
    fig = charts.horizontal_bars(shown["segment"], segments["monetary"], xlabel=t("col.revenue"))
    rk.figure(fig, "rfm", t("value.rfm_fig_caption"), ch.source_note)
    rk.paragraph(t("value.rfm_coverage"))


# --------------------------------------------------------------------------- segment migration
@dataclass
class MigrationResult:
    before: pd.DataFrame           # RFM scores at the period's start (the previous period's end)
    table: pd.DataFrame            # customers: segment before (rows, NEW_CUSTOMERS first-timers) × after
    stayed: float                  # share of the customers scored both times whose segment did not change


@computes("value.migration")
def migration_section(s: Scope, rfm: RfmResult) -> MigrationResult:
    before = value.rfm_scores(s.sales, s.period.start)
    table = segmentation.migration_table(before, rfm.rfm, new_label=NEW_CUSTOMERS, lost_label="other")
    both = before.merge(rfm.rfm, on="customer_id", suffixes=("_before", "_after"))
    stayed = (both["rfm_segment_before"] == both["rfm_segment_after"]).mean() if len(both) else float("nan")
    return MigrationResult(before=before, table=table, stayed=stayed)


@shows("value.migration")
def show_migration(ch: Chapter, r: MigrationResult) -> None:
    t = ch.t
    rk.section(t("value.migration_section"))
    rk.save_table(r.table.reset_index(), "segment_migration")
    rk.paragraph(t("value.migration_text", previous=ch.period.previous().title(ch.lang), period=ch.period_text,
                   stayed=ch.pct(r.stayed)))

    def label(segment: str) -> str:
        return t("value.migration_new") if segment == NEW_CUSTOMERS else t(f"segment.{segment}")
    shown = r.table.rename(index=label, columns=label)
    shown.index.name = t("value.from_to")
    rk.table(shown.reset_index(), "value_migration", t("value.migration_caption"), ch.source_note)


# --------------------------------------------------------------------------- clusters
@dataclass
class ClusterResult:
    drivers: pd.DataFrame          # per customer: the value-driver scores (discount, breadth, premium)
    features: pd.DataFrame         # per customer: what is clustered (CLV, or historical value without a model)
    clusters: segmentation.Clustering | None  # None when there are too few customers


@computes("value.clusters")
def cluster_section(s: Scope, v: ValueResult, rfm: RfmResult) -> ClusterResult:
    drivers = segmentation.driver_scores(s.sales, s.contracts, s.customers, s.as_of, GRID)
    values = v.values.set_index("customer_id")
    features = (values[["clv"]].join(rfm.rfm.set_index("customer_id")[["recency_days", "frequency"]])
                .join(drivers.set_index("customer_id")[["breadth", "discount_share", "premium_share"]]))
    if features["clv"].isna().all():  # no purchase model fitted: value to date stands in for CLV
        features["clv"] = values["historical_value"]
    clusters = segmentation.cluster_customers(features.dropna(), seed=CLUSTER_SEED, log_cols=LOG_SCALED_FEATURES,
                                              order_by="clv")
    return ClusterResult(drivers=drivers, features=features, clusters=clusters)


@shows("value.clusters")
def show_clusters(ch: Chapter, r: ClusterResult) -> None:
    t, clusters = ch.t, r.clusters
    rk.section(t("value.cluster_section"))
    if clusters is None:
        rk.paragraph(t("value.cluster_unavailable"))
        return
    prof = clusters.profile.assign(description=[segmentation.describe_cluster(row, clusters.features, t)
                                                for _, row in clusters.profile.iterrows()])
    rk.save_table(prof.reset_index(), "cluster_profiles")
    rk.paragraph(t("value.cluster_text", k=clusters.k,
                   sil=", ".join(f"k={k}: {sil:.2f}" for k, sil in clusters.silhouettes.items())))
    shown = pd.DataFrame({t("value.cluster_col"): prof.index, t("value.description_col"): prof["description"],
                          t("value.mean_clv_col"): prof["clv"].map(ch.num)})
    rk.table(shown, "value_clusters", t("value.cluster_caption"), ch.source_note)


# --------------------------------------------------------------------------- the nine customer types
@dataclass
class GridResult:
    types: pd.DataFrame            # per customer: orientation and driver scores, value_type, grid_value
    grid: pd.DataFrame             # per cell of the 3×3 grid: customers and value (sum of grid_value)
    total: float                   # value over all cells
    largest: pd.Series             # the cell with the most customers
    richest: pd.Series             # the cell with the most value


@computes("value.grid")
def grid_section(s: Scope, v: ValueResult) -> GridResult:
    values = v.values
    types = segmentation.assign_value_types(values, s.sales, s.contracts, s.customers, s.period.start, s.as_of, GRID)
    types = types.merge(values[["customer_id", "clv", "historical_value"]], on="customer_id", how="left")
    # a cell's value is its customers' CLV; value to date stands in where there is no CLV
    types["grid_value"] = (types["clv"].fillna(types["historical_value"]) if types["clv"].notna().any()
                           else types["historical_value"])
    grid = segmentation.grid_summary(types, "grid_value")
    # ties are broken by the type's name, so that the text does not depend on the row order
    return GridResult(types=types, grid=grid, total=grid["value"].sum(),
                      largest=grid.sort_values(["customers", "value_type"], ascending=[False, True]).iloc[0],
                      richest=grid.sort_values(["value", "value_type"], ascending=[False, True]).iloc[0])


@shows("value.grid")
def show_grid(ch: Chapter, r: GridResult) -> None:
    t, grid = ch.t, r.grid
    rk.section(t("value.grid_section"))
    rk.save_table(r.types.drop(columns=["grid_value"]), "value_types")
    rk.paragraph(t("value.grid_text", past_below=ch.pct(GRID.past_below), future_top=ch.pct(1 - GRID.future_above),
                   years=f"{GRID.future_max_years:g}", discount=ch.pct(GRID.economic_discount),
                   vip_weight=f"{GRID.vip_weight:g}", psych=f"{GRID.psychological_score:g}"))
    gp = GRID.as_rows()
    gp = pd.DataFrame({t("value.param_col"): [t(f"gridparam.{p}") for p in gp["parameter"]],
                       t("value.param_value_col"): [str(x) for x in gp["value"]]})
    rk.table(gp, "value_gridparams", t("value.grid_params_caption"))
    fig = charts_value.value_grid(grid, row_labels={o: t(f"orientation.{o}") for o in segmentation.ORIENTATIONS},
                                  col_labels={d: t(f"driver.{d}") for d in segmentation.DRIVERS},
                                  cell_labels={k: t(f"vtype.{x}") for k, x in segmentation.VALUE_TYPES.items()},
                                  count_label=t("col.customers"), value_format=ch.num)
    rk.figure(fig, "value_grid", t("value.grid_caption"), ch.source_note)
    rk.paragraph(t("value.grid_largest", type=t(f"vtype.{r.largest['value_type']}"),
                   customers=ch.num(r.largest["customers"]), top_type=t(f"vtype.{r.richest['value_type']}"),
                   share="–" if r.total <= 0 else ch.pct(r.richest["value"] / r.total)))
    shown = pd.DataFrame({t("value.type_col"): [t(f"vtype.{x}") for x in grid["value_type"]],
                          t("value.orientation_col"): [t(f"orientation.{o}") for o in grid["orientation"]],
                          t("value.driver_col"): [t(f"driver.{d}") for d in grid["driver"]],
                          t("col.customers"): grid["customers"],
                          t("value.mean_clv_col"): ["–" if n == 0 else ch.num(x / n)
                                                    for x, n in zip(grid["value"], grid["customers"])]})
    rk.table(shown, "value_grid", t("value.grid_table_caption"), ch.source_note)


# --------------------------------------------------------------------------- the per-customer table
@computes("value.customer_table")
def customer_table_section(s: Scope, v: ValueResult, rfm: RfmResult, grid: GridResult,
                           clusters: ClusterResult) -> pd.DataFrame:
    """Per customer: its values, RFM segment, cluster and value type, by customer_id. A customer the
    models did not see has value 0 to date, segment "other" and type "laggard" (past, functional)."""
    table = v.values.merge(rfm.rfm[["customer_id", "rfm_segment"]], on="customer_id", how="outer")
    table = table.merge(grid.types[["customer_id", "value_type"]], on="customer_id", how="left")
    found = clusters.clusters
    table["cluster"] = table["customer_id"].map(found.labels) if found is not None else pd.NA
    table = table.fillna({"historical_value": 0.0, "current_value": 0.0, "rfm_segment": "other",
                          "value_type": "laggard"})
    return table[["customer_id", "historical_value", "current_value", "potential_value", "clv", "p_alive",
                  "rfm_segment", "cluster", "value_type"]].sort_values("customer_id")


@shows("value.customer_table")
def show_customer_table(ch: Chapter, table: pd.DataFrame) -> None:
    """The per-customer table is a contract table: written as a CSV, not shown in the report."""
    rk.save_table(table, "customer_value")
