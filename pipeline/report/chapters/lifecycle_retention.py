"""Chapter 4's retention sections: cohorts and P(alive), contract renewal with its sBG projection, and
the service test (renewal logit, the thesis's figures, the repurchase Cox model).

The same pattern as :mod:`pipeline.report.chapters.lifecycle`, on its :class:`Scope`: each
``<section>_section`` computes from :mod:`pipeline.analyses.lifecycle` and :mod:`pipeline.clv` and
returns data, each ``show_<section>`` writes it into the report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines.exceptions import ConvergenceError

from pipeline import clv
from pipeline.analyses import lifecycle
from pipeline.analyses.lifecycle import retention
from pipeline.errors import InputError
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.chapters.lifecycle import HEADER_PREFIXES, Scope, SelectionResult, show_model_failed
from pipeline.report.charts import base as charts
from pipeline.report.charts import lifecycle as lc_charts
from pipeline.report.present import interval_texts, translated_headers
from pipeline.report.sections import computes, shows

# The sBG projection runs this many renewals (years) beyond the last one observed for the cohort.
SBG_HORIZON_YEARS = 5
# The repurchase model's landmark: this many days before the period's last day. Its exposure is the
# service in the year before the landmark, its outcome the next purchase up to the period's end.
LANDMARK_DAYS = 365
# The Cox model is fitted only with at least this many repurchases after the landmark and this many
# SLA breaches before it: fewer give no usable estimate of the breaches' hazard ratio.
MIN_REPURCHASES = 10
MIN_LANDMARK_BREACHES = 5
# The columns of service_retention_effect.csv, the contract table both models write into.
EFFECT_COLUMNS = ["term", "ratio", "ci_low", "ci_high", "p_value", "model", "coef", "se", "n"]
# Written when the renewal model fails: the contract's columns, no rows.
EMPTY_EFFECT_COLUMNS = ["term", "ratio", "ci_low", "ci_high", "p_value", "model"]


# --------------------------------------------------------------------------- retention
@dataclass
class RetentionResult:
    monthly: pd.DataFrame          # per acquisition month × months since: cohort size, retained, rate
    matrix: pd.DataFrame           # cohort × months since: share who bought; NaN after the period's end
    curves: pd.DataFrame           # the matrix in long form (cohort, period_index, rate), from month 1


@computes("lifecycle.retention")
def retention_section(s: Scope) -> RetentionResult:
    monthly = lifecycle.cohort_retention(s.history, "M")
    wide = lifecycle.cohort_matrix(monthly, end=s.as_of, freq="M")
    long = wide.stack().rename("rate").reset_index()
    long.columns = ["cohort", "period_index", "rate"]
    return RetentionResult(monthly=monthly, matrix=wide, curves=long[long["period_index"] > 0])


@shows("lifecycle.retention")
def show_retention(ch: Chapter, r: RetentionResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.retention_section"))
    rk.save_table(r.monthly, "cohort_retention")
    rk.paragraph(t("lifecycle.cohort_monthly_text"))
    fig = charts.heatmap(r.matrix, xlabel=t("lifecycle.months_since"), ylabel=t("lifecycle.cohort"))
    rk.figure(fig, "cohorts", t("lifecycle.cohort_monthly_caption"), ch.source_note)
    fig = lc_charts.curves(r.curves, "period_index", "rate", "cohort", xlabel=t("lifecycle.months_since"),
                           ylabel=t("lifecycle.bought_share"), legend_title=t("lifecycle.cohort"))
    rk.figure(fig, "cohort_curves", t("lifecycle.cohort_curves_caption"), ch.source_note)


@dataclass
class AliveResult:
    bands: pd.DataFrame            # customers by band of P(alive)
    low: int                       # customers in the two lowest bands (P(alive) ≤ 50%)
    ranked: int                    # customers in the ranking


@computes("lifecycle.alive")
def alive_section(s: Scope, selection: SelectionResult) -> AliveResult | None:
    """The selection's customers by P(alive); None when its purchase model could not be fitted."""
    if selection.ranking is None:
        return None
    bands = lifecycle.p_alive_bands(selection.ranking)
    return AliveResult(bands=bands, low=bands.loc[bands.index[:2], "customers"].sum(), ranked=len(selection.ranking))


@shows("lifecycle.alive")
def show_alive(ch: Chapter, r: AliveResult | None) -> None:
    if r is None:            # the selection section has said that its model could not be fitted
        return
    t, bands = ch.t, r.bands
    rk.paragraph(t("lifecycle.alive_text", low=ch.num(r.low), low_share=ch.pct(r.low / max(r.ranked, 1))))
    shown = bands.rename(columns={"band": "group"}).assign(share=bands["share"].map(ch.pct),
                                                           historical_value=bands["historical_value"].map(ch.num))
    rk.table(translated_headers(shown.rename(columns={"historical_value": "revenue"}), t, HEADER_PREFIXES), "alive",
             t("lifecycle.alive_caption"), ch.source_note)


# --------------------------------------------------------------------------- renewal
@dataclass
class RenewalResult:
    """Renewal of the decided contracts, and the sBG projection of the earliest cohort's chains.

    ``overall``, ``by_tier`` and ``by_age`` are None when no contract is decided; ``sbg`` and
    ``projected`` are None when the cohort has under three renewals observed, none left at the last,
    or counts the model rejects.
    """

    by_level: pd.DataFrame         # per service level: decided, renewed, rate
    overall: pd.Series | None      # all decided contracts
    by_tier: pd.DataFrame | None
    by_age: pd.DataFrame | None    # per contract_age (1 = a chain's first contract, +1 per renewal)
    cohort_year: int | None        # the calendar year whose new contract chains the sBG follows
    active: pd.Series              # that cohort: customers still under contract at renewal t = 0, 1, …
    sbg: clv.ShiftedBetaGeo | None
    projected: pd.Series | None    # expected customers under contract, SBG_HORIZON_YEARS beyond the last observed
    survival: pd.DataFrame | None  # t, projected, observed


@computes("lifecycle.renewal")
def renewal_section(s: Scope) -> RenewalResult:
    decided, contracts = s.decided, s.contracts
    by_level = lifecycle.renewal_rates(decided, "service_level")
    every = lifecycle.renewal_rates(decided.assign(_all="all"), "_all")
    overall = by_tier = by_age = None
    if len(every):
        overall = every.iloc[0]
        aged = lifecycle.contract_ages(contracts)
        aged = aged[aged["contract_id"].isin(decided["contract_id"])].merge(s.customers[["customer_id", "tier"]],
                                                                          on="customer_id", how="left")
        by_tier = lifecycle.renewal_rates(aged, "tier")
        by_age = lifecycle.renewal_rates(aged, "contract_age")

    # the cohort is the earliest calendar year of contract starts. Every contract has either ended
    # before the period's end or runs past it, so the chains are those of every contract with an end date.
    year = contracts["start_date"].min().year if len(contracts) else None
    active = lifecycle.contract_survival(contracts[contracts["end_date"].notna()], f"{year}-01-01",
                                         f"{year}-12-31") if year else pd.Series(dtype=float)
    sbg = projected = survival = None
    if len(active) >= 3 and active.iloc[-1] > 0:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                sbg = clv.ShiftedBetaGeo().fit(active)
            except InputError:
                # the counts rise from one renewal to the next, which the sBG refuses; the guard above
                # already excludes its other refusals (under two counts, nobody left to fit)
                sbg = None
    if sbg is not None:
        projected = sbg.projected_active(active.iloc[0], len(active) - 1 + SBG_HORIZON_YEARS)
        survival = pd.DataFrame({"t": projected.index, "projected": projected.values,
                                 "observed": active.reindex(projected.index).values})
    return RenewalResult(by_level=by_level, overall=overall, by_tier=by_tier, by_age=by_age, cohort_year=year,
                         active=active, sbg=sbg, projected=projected, survival=survival)


@shows("lifecycle.renewal")
def show_renewal(ch: Chapter, r: RenewalResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.renewal_section"))
    if r.overall is not None:
        o = r.overall
        rk.paragraph(t("lifecycle.renewal_text", rate=ch.pct(o.rate), renewed=int(o.renewed), decided=int(o.decided)))
        shown = r.by_level.assign(rate=r.by_level["rate"].map(ch.pct))[["service_level", "decided", "renewed", "rate"]]
        rk.table(translated_headers(shown, t, HEADER_PREFIXES), "renewal", t("lifecycle.renewal_caption"),
                 ch.source_note)
        rk.paragraph(t("lifecycle.renewal_more_text"))
        for table, label in ((r.by_tier, "renewal_tier"), (r.by_age, "renewal_age")):
            rk.table(translated_headers(table.assign(rate=table["rate"].map(ch.pct)), t, HEADER_PREFIXES), label,
                     t(f"lifecycle.{label}_caption"), ch.source_note)
    if r.sbg is None:
        return
    sbg, active, projected = r.sbg, r.active, r.projected
    rk.paragraph(t("lifecycle.sbg_text", n=ch.num(active.iloc[0]), cohort=r.cohort_year,
                   alpha=f"{sbg.params_['alpha']:.2f}", beta=f"{sbg.params_['beta']:.2f}",
                   projected=ch.num(projected.iloc[-1]), years=SBG_HORIZON_YEARS))
    fig = lc_charts.observed_and_projected(active, projected, xlabel=t("lifecycle.renewals"),
                                           ylabel=t("lifecycle.under_contract"), observed_label=t("lifecycle.observed"),
                                           projected_label=t("lifecycle.projected"))
    rk.figure(fig, "sbg", t("lifecycle.sbg_caption"), ch.source_note)
    rk.save_table(r.survival, "contract_survival")


# --------------------------------------------------------------------------- the service test
@dataclass
class ServiceResult:
    """Does service change renewal and repurchase? None where a model was not fitted."""

    features: pd.DataFrame         # per decided contract: service during its term and the controls
    model: retention.Logit | None  # the renewal logit
    effect: pd.DataFrame | None    # its odds ratios per unit of each term, with 95% intervals
    calibration: pd.DataFrame | None   # deciles of predicted P(renew) against the observed rate (attrs: hl_p)
    comparison: pd.DataFrame | None    # renewal rate by service experience beside the thesis's figures
    landmark: pd.Timestamp
    landmark_data: pd.DataFrame    # per customer buying before the landmark: service before it, days to buying again
    cox_table: pd.DataFrame | None     # hazard ratios of the next purchase (> 1: buying again sooner)
    ph_test: pd.DataFrame | None       # the Schoenfeld test of proportional hazards per term


@computes("lifecycle.service")
def service_section(s: Scope) -> ServiceResult:
    features = retention.contract_service_features(s.decided, s.dispatches, s.customers, as_of=s.as_of)
    try:
        model, effect = retention.service_retention_model(features)
    except (ValueError, np.linalg.LinAlgError):
        # ValueError: Logit's separation check (a coefficient beyond ±30, no finite estimate);
        # LinAlgError: a singular information matrix (too few decided contracts for the terms)
        model, effect = None, None
    if effect is not None and "breaches" not in set(effect["term"]):
        # no contract in the data had a breach: the model drops the term, and the question it answers is moot
        model, effect = None, None
    cal = retention.calibration(features, model) if effect is not None else None
    comparison = retention.thesis_comparison(features) if len(features) else None

    landmark = s.as_of - pd.Timedelta(days=LANDMARK_DAYS)
    lm = retention.repurchase_landmark(s.history, s.dispatches, s.customers, landmark=landmark, as_of=s.as_of)
    cox_table = ph = None
    if lm["event"].sum() >= MIN_REPURCHASES and lm["breaches"].sum() >= MIN_LANDMARK_BREACHES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                _, cox_table, ph = retention.repurchase_cox(lm)
            except (ConvergenceError, np.linalg.LinAlgError):
                # ConvergenceError: lifelines' Newton-Raphson halted (collinear terms, NaN in the
                # Hessian); LinAlgError: the final Hessian could not be inverted for the variances
                cox_table = ph = None
    return ServiceResult(features=features, model=model, effect=effect, calibration=cal, comparison=comparison,
                         landmark=landmark, landmark_data=lm, cox_table=cox_table, ph_test=ph)


def _term_label(t, term: str) -> str:
    """A model term as the report names it: a dummy as "<category>: <level>", others by message."""
    if term.startswith("tier_"):
        return f"{t('col.tier')}: {term[5:]}"
    if term.startswith("service_level_"):
        return f"{t('col.service_level')}: {term[14:]}"
    return t(f"lifecycle.term_{term}")


THESIS_GROUPS = ("no_breach", "breach_resolved_fast", "breach_resolved_slowly", "unresolved")


def thesis_sentence(ch: Chapter, rates: pd.Series) -> str:
    """The thesis's retention figures beside this data's renewal rate of each service group the data
    hold (a group without contracts is not mentioned)."""
    t = ch.t
    groups = [t(f"lifecycle.thesis_group.{g}", rate=ch.pct(rates[g])) for g in THESIS_GROUPS
              if g in rates.index and pd.notna(rates[g])]
    if ch.lang.startswith("zh"):
        return f"{t('lifecycle.thesis_intro')}{'；'.join(groups)}。{t('lifecycle.thesis_outro')}"
    return f"{t('lifecycle.thesis_intro')} {'; '.join(groups)}. {t('lifecycle.thesis_outro')}"


@shows("lifecycle.service")
def show_service(ch: Chapter, r: ServiceResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.service_section"))
    effect = r.effect
    if effect is None:
        rk.save_table(pd.DataFrame(columns=EMPTY_EFFECT_COLUMNS), "service_retention_effect")
        if "breaches" in r.features and len(r.features) and r.features["breaches"].sum() == 0:
            rk.paragraph(t("lifecycle.no_breaches", n=ch.num(len(r.features))))
        else:
            show_model_failed(ch)
    else:
        rk.save_table(effect[EFFECT_COLUMNS], "service_retention_effect")
        b = effect.set_index("term").loc["breaches"]
        rk.paragraph(t("lifecycle.service_text", n=ch.num(len(r.features)), ratio=f"{b.ratio:.2f}",
                       low=f"{b.ci_low:.2f}", high=f"{b.ci_high:.2f}", p=f"{b.p_value:.3g}"))
        labels = [_term_label(t, x) for x in effect["term"]]
        two = "{:.2f}".format
        shown = pd.DataFrame({"term": labels, "odds_ratio": effect["ratio"].map(two),
                              "ci": interval_texts(effect["ci_low"], effect["ci_high"], two),
                              "p_value": effect["p_value"].map("{:.3g}".format)})
        rk.table(translated_headers(shown, t, HEADER_PREFIXES), "effect", t("lifecycle.effect_caption"),
                 ch.source_note)
        fig = lc_charts.forest(labels, effect["ratio"], effect["ci_low"], effect["ci_high"],
                               xlabel=t("lifecycle.odds_ratio"))
        rk.figure(fig, "effect", t("lifecycle.effect_caption"), ch.source_note)
        cal = r.calibration
        rk.save_table(cal, "renewal_calibration")
        rk.paragraph(t("lifecycle.calibration_text", p=f"{cal.attrs['hl_p']:.2f}",
                       verdict=t("lifecycle.calibration_ok" if cal.attrs["hl_p"] >= 0.05
                                 else "lifecycle.calibration_bad")))
        fig = lc_charts.calibration_plot(cal, xlabel=t("lifecycle.predicted"), ylabel=t("lifecycle.observed_rate"))
        rk.figure(fig, "calibration", t("lifecycle.calibration_caption"), ch.source_note)

    if r.comparison is not None:
        cmp_ = r.comparison
        rk.save_table(cmp_, "service_vs_thesis")
        rk.paragraph(thesis_sentence(ch, cmp_.set_index("group")["rate"]))
        fig = lc_charts.rates_beside_reference([t("lifecycle.group_" + g) for g in cmp_["group"]], cmp_["rate"],
                                               cmp_["ci_low"], cmp_["ci_high"], cmp_["thesis_rate"],
                                               xlabel=t("lifecycle.renewal_rate"), data_label=t("lifecycle.this_data"),
                                               reference_label=t("lifecycle.thesis_figure"))
        rk.figure(fig, "thesis", t("lifecycle.thesis_caption"), ch.source_note)
    rk.paragraph(t("lifecycle.caveat_service"))

    cox, ph = r.cox_table, r.ph_test
    if cox is None or "breaches" not in set(cox["term"]):
        return
    if effect is not None:
        # the contract table holds both models' rows: the Cox rows join the logit's written above
        rk.save_table(pd.concat([effect, cox], ignore_index=True)[EFFECT_COLUMNS], "service_retention_effect")
    rk.save_table(ph, "repurchase_ph_test")
    b = cox.set_index("term").loc["breaches"]
    php = ph.set_index("term")["p_value"]
    rk.paragraph(t("lifecycle.cox_text", landmark=r.landmark.date().isoformat(), n=ch.num(len(r.landmark_data)),
                   ratio=f"{b.ratio:.2f}", low=f"{b.ci_low:.2f}", high=f"{b.ci_high:.2f}", p=f"{b.p_value:.3g}",
                   ph_p=f"{php.get('breaches', float('nan')):.2f}",
                   ph_note=t("lifecycle.ph_violated" if (php < 0.05).any() else "lifecycle.ph_ok")))
