"""Chapter 4 of the report, the customer lifecycle: each section computed, then shown.

``scope(ch)`` settles what the chapter looks at (the history up to the period's end); each
``<section>_section(scope, ...)`` computes the section's tables from the analyses in
:mod:`pipeline.analyses.lifecycle` and returns them as data; each ``show_<section>(ch, ..., result)``
writes the section into the report (paragraphs, tables, figures, and the CSVs behind them). This
module holds the opening, selection, acquisition, extension and summary sections; retention,
renewal and the service test are in :mod:`pipeline.report.chapters.lifecycle_retention`. The
notebook ``04_lifecycle.ipynb`` is one call of each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analyses import lifecycle, service
from pipeline.analyses.lifecycle import crosssell
from pipeline.analyses.period import Period
from pipeline.errors import InputError
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.charts import base as charts
from pipeline.report.charts import lifecycle as lc_charts
from pipeline.report.present import interval_texts, translated_headers, values_with_intervals
from pipeline.report.sections import computes, shows

# Column headers: the shared names first (col.*), then the chapter's own (lifecycle.*).
HEADER_PREFIXES = ("col", "lifecycle")
# A customer has lapsed after more than this many days without a purchase or a contract in force
# (win-backs, and the "lapsed" stage of the summary).
LAPSE_DAYS = 365
# A customer is "at risk" after this many days without activity (the summary's stages).
AT_RISK_DAYS = 180
# Cross-sell: a product pair is listed only when bought together in at least this many baskets
# (orders for the order-level table, customers for the customer-level one).
MIN_ORDERS = 5
# Rows shown of the selection ranking and of the product pairs.
TOP_CUSTOMERS = 10
TOP_PAIRS = 10
# The most product pairs a report's CSV holds, by lift (pipeline.analyses.lifecycle.crosssell.pair_table has all).
PAIRS_SAVED = 10_000


@dataclass
class Scope:
    """What chapter 4 looks at: everything known by the period's end.

    ``history``: sales lines ordered before the period's exclusive end ``end``; ``contracts``: those
    started before it; ``decided``: of those, ended before it with ``renewed`` known; ``dispatches``:
    reported before it; ``product_names``: product_id → product_name as the history spells them;
    ``as_of``: the period's last day, the date the models and stages are read at; ``previous_as_of``:
    the previous period's last day (the summary's starting point).
    """

    chapter: Chapter
    history: pd.DataFrame
    contracts: pd.DataFrame
    decided: pd.DataFrame
    dispatches: pd.DataFrame
    customers: pd.DataFrame
    product_names: pd.Series
    period: Period
    as_of: pd.Timestamp
    end: pd.Timestamp
    previous_as_of: pd.Timestamp


def scope(ch: Chapter) -> Scope:
    end = ch.period.end_exclusive
    sales = ch.data["sales"]
    history = sales[sales["order_date"] < end]
    every = ch.data["contracts"]
    contracts = every[every["start_date"] < end]
    decided = contracts[(contracts["end_date"] < end) & contracts["renewed"].notna()]
    dispatches = ch.data["dispatches"][ch.data["dispatches"]["reported_at"] < end]
    named = history.dropna(subset=["product_id"]).drop_duplicates("product_id")
    return Scope(chapter=ch, history=history, contracts=contracts, decided=decided, dispatches=dispatches,
                 customers=ch.data["customers"], product_names=named.set_index("product_id")["product_name"],
                 period=ch.period, as_of=ch.period.end, end=end, previous_as_of=ch.period.shifted(-1).end)


def show_model_failed(ch: Chapter) -> None:
    """The paragraph shown where a model could not be fitted to the data."""
    rk.paragraph(ch.t("lifecycle.model_failed"))


# --------------------------------------------------------------------------- opening
@dataclass
class IntroResult:
    new: pd.DataFrame              # per quarter: customers whose first purchase falls in it
    current_new: int               # new customers in the period


@computes("lifecycle.intro")
def intro_section(s: Scope) -> IntroResult:
    new = lifecycle.new_customers_per_period(s.history, "Q")
    if s.period.kind == "quarter":
        current = new.loc[new["period"] == s.period.label, "new_customers"].sum()
    else:
        current = int(s.history.groupby("customer_id")["order_date"].min().pipe(s.period.contains).sum())
    return IntroResult(new=new, current_new=current)


@shows("lifecycle.intro")
def show_intro(ch: Chapter, r: IntroResult) -> None:
    t = ch.t
    rk.chapter(t("lifecycle.title"))
    rk.paragraph(t("lifecycle.intro", period=ch.period_text, new=ch.num(r.current_new)))
    rk.paragraph(t("lifecycle.caveat_intro"))


# --------------------------------------------------------------------------- selection
@dataclass
class SelectionResult:
    """Customers by potential value; every field None when the purchase model could not be fitted."""

    ranking: pd.DataFrame | None   # per customer: historical and potential value (money), P(alive), rank
    models: dict | None            # the fitted BG/NBD and Gamma-Gamma models
    top: pd.DataFrame | None       # the TOP_CUSTOMERS highest potentials, with name and tier
    profile: pd.DataFrame | None   # the top fifth by potential against the rest, as shares per dimension


@computes("lifecycle.selection")
def selection_section(s: Scope) -> SelectionResult:
    try:
        ranking, models = lifecycle.selection_ranking(s.history, s.as_of)
    except (InputError, np.linalg.LinAlgError):
        # InputError: clv's own checks (no purchase by as_of, no repeat buyer with a positive spend
        # for the spend model, an invalid frequency/recency); LinAlgError: the SVD behind the draws
        # of the purchase model's parameters did not converge
        return SelectionResult(ranking=None, models=None, top=None, profile=None)
    top = ranking.head(TOP_CUSTOMERS).merge(s.customers[["customer_id", "customer_name", "tier"]], on="customer_id",
                                            how="left")
    return SelectionResult(ranking=ranking, models=models, top=top,
                           profile=lifecycle.value_profile(ranking, s.customers, s.contracts, s.dispatches))


@shows("lifecycle.selection")
def show_selection(ch: Chapter, r: SelectionResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.selection_section"))
    if r.ranking is None:
        show_model_failed(ch)
        return
    top = r.top
    shown = pd.DataFrame({
        "customer_id": top["customer_name"].fillna(top["customer_id"]),
        "tier": top["tier"],
        "historical_value": top["historical_value"].map(ch.num),
        "potential_value": top["potential_value"].map(ch.num),
        "potential_interval": interval_texts(top["potential_low"], top["potential_high"], ch.num),
        "p_alive": values_with_intervals(top["p_alive"], top["p_alive_low"], top["p_alive_high"], ch.pct)})
    rk.paragraph(t("lifecycle.selection_text", top=len(top), rising=ch.num(int(r.ranking["rising"].sum()))))
    rk.table(translated_headers(shown, t, HEADER_PREFIXES), "selection", t("lifecycle.selection_caption"),
             ch.source_note)
    fig = lc_charts.potential_vs_history(r.ranking, xlabel=t("lifecycle.historical_value"),
                                         ylabel=t("lifecycle.potential_value"), rising_label=t("lifecycle.rising"),
                                         other_label=t("lifecycle.others"))
    rk.figure(fig, "potential", t("lifecycle.potential_caption"), ch.source_note)
    rk.save_table(r.ranking, "selection_ranking")
    rk.paragraph(t("lifecycle.profile_text"))
    profile = r.profile
    profile = profile.assign(dimension=profile["dimension"].map(lambda d: t("lifecycle.dim_" + d)),
                             top_share=profile["top_share"].map(ch.pct), rest_share=profile["rest_share"].map(ch.pct))
    rk.table(translated_headers(profile, t, HEADER_PREFIXES), "profile", t("lifecycle.profile_caption"),
             ch.source_note)


# --------------------------------------------------------------------------- acquisition
@computes("lifecycle.acquisition")
def acquisition_section(s: Scope, intro: IntroResult) -> pd.DataFrame:
    """Per quarter: customers whose first purchase falls in it (from the opening)."""
    return intro.new


@shows("lifecycle.acquisition")
def show_acquisition(ch: Chapter, new: pd.DataFrame) -> None:
    t = ch.t
    rk.section(t("lifecycle.acquisition_section"))
    rk.paragraph(t("lifecycle.acquisition_text"))
    fig = charts.columns_over_time(new, "period", "new_customers", xlabel=t("lifecycle.quarter"),
                                   ylabel=t("lifecycle.new_customers"))
    rk.figure(fig, "new", t("lifecycle.new_caption"), ch.source_note)


@computes("lifecycle.opening")
def opening_section(s: Scope) -> pd.DataFrame:
    """Product categories of the first orders: value, customers, share of new customers."""
    return lifecycle.opening_products(s.history, "product_category")


@shows("lifecycle.opening")
def show_opening(ch: Chapter, opening: pd.DataFrame) -> None:
    t = ch.t
    rk.paragraph(t("lifecycle.opening_text"))
    rk.table(translated_headers(opening.rename(columns={"value": "group"}).assign(share=opening["share"].map(ch.pct)),
                                t, HEADER_PREFIXES), "opening", t("lifecycle.opening_caption"), ch.source_note)


@dataclass
class RepeatResult:
    second: pd.DataFrame           # per customer: days from the first purchase to the second, or censored at as_of
    second_km: pd.DataFrame        # Kaplan-Meier curve of those days
    median_days: float             # median days to the second purchase; NaN while over half never bought again
    win_backs: pd.DataFrame        # per return after a lapse of more than LAPSE_DAYS
    by_via: pd.DataFrame           # per way back: returns, returns with service before, value after (money)


@computes("lifecycle.second")
def repeat_section(s: Scope) -> RepeatResult:
    second = lifecycle.time_to_second_purchase(s.history, s.as_of)
    km = service.kaplan_meier(second["days"], second["event"])
    below = km[km["survival"] <= 0.5]
    wb = lifecycle.win_backs(s.history, s.contracts, s.dispatches, lapse_days=LAPSE_DAYS, as_of=s.as_of)
    by_via = wb.groupby("via").agg(returns=("customer_id", "size"), service_before=("service_before", "sum"),
                                   value_after=("value_after", "sum")).reset_index()
    return RepeatResult(second=second, second_km=km, median_days=below["time"].iloc[0] if len(below) else float("nan"),
                        win_backs=wb, by_via=by_via)


@shows("lifecycle.second")
def show_repeat(ch: Chapter, r: RepeatResult) -> None:
    t = ch.t
    # the median is "not reached" while more than half the customers have not bought a second time
    rk.paragraph(t("lifecycle.second_text", median=ch.num(r.median_days)) if r.median_days == r.median_days
                 else t("lifecycle.second_text_unreached"))
    fig = lc_charts.survival_step(r.second_km, xlabel=t("lifecycle.days_since_first"),
                                  ylabel=t("lifecycle.not_yet_second"))
    rk.figure(fig, "second", t("lifecycle.second_caption"), ch.source_note)
    rk.save_table(r.second_km, "time_to_second_purchase")

    wb, by_via = r.win_backs, r.by_via
    rk.save_table(wb, "win_backs")
    if not len(by_via):
        rk.paragraph(t("lifecycle.winback_none", days=LAPSE_DAYS))
        return
    via_text = ", ".join(t("lifecycle.via_count", n=int(v.returns), via=t("lifecycle.via_" + v.via))
                         for v in by_via.itertuples())
    rk.paragraph(t("lifecycle.winback_text", days=LAPSE_DAYS, n=ch.num(len(wb)), via=via_text,
                   service=ch.num(int(wb["service_before"].sum()))))
    shown = pd.DataFrame({"via": [t("lifecycle.via_" + v) for v in by_via["via"]], "returns": by_via["returns"],
                          "service_before": by_via["service_before"].astype(int),
                          "value_after": by_via["value_after"].map(ch.num)})
    rk.table(translated_headers(shown, t, HEADER_PREFIXES), "winback", t("lifecycle.winback_caption"), ch.source_note)


# --------------------------------------------------------------------------- extension
@dataclass
class PairsResult:
    pairs: pd.DataFrame            # product pairs bought in one order (at least MIN_ORDERS orders)
    customer_pairs: pd.DataFrame   # product pairs bought by one customer (at least MIN_ORDERS customers)
    top_pairs: pd.DataFrame        # the TOP_PAIRS order pairs by lift, each unordered pair once
    suggestions: pd.DataFrame      # per customer: the next products to offer, by tier
    segments: pd.DataFrame | None  # per tier: the products most often suggested first; None without suggestions


@computes("lifecycle.extension")
def extension_section(s: Scope) -> PairsResult:
    # the suggestions first: their working memory is the section's largest, and is freed before the
    # pair tables are built and held (UCI Online Retail: 1.39 GB at the peak before; 1.16 GB after,
    # with slices of 2 million candidates)
    suggestions = crosssell.next_product_suggestions(s.history, s.customers, "tier")
    pairs = crosssell.pair_table(s.history, "order", min_count=MIN_ORDERS)
    customer_pairs = crosssell.pair_table(s.history, "customer", min_count=MIN_ORDERS)[
        ["product_a", "product_b", "customers", "support", "confidence", "lift"]]
    return PairsResult(pairs=pairs, customer_pairs=customer_pairs,
                       top_pairs=pairs[pairs["product_a"] < pairs["product_b"]].head(TOP_PAIRS),
                       suggestions=suggestions,
                       segments=crosssell.segment_suggestions(suggestions) if len(suggestions) else None)


@shows("lifecycle.extension")
def show_extension(ch: Chapter, s: Scope, r: PairsResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.extension_section"))
    # the pairs of highest lift: UCI Online Retail's 1.8 million customer pairs made a 129 MB CSV
    rk.save_table(r.customer_pairs.head(PAIRS_SAVED), "cross_sell_pairs")
    rk.save_table(r.pairs.head(PAIRS_SAVED), "cross_sell_pairs_orders")
    top = r.top_pairs
    if not len(top):
        rk.paragraph(t("lifecycle.crosssell_none", min_orders=MIN_ORDERS))
    else:
        rk.paragraph(t("lifecycle.crosssell_text", min_orders=MIN_ORDERS))
        shown = pd.DataFrame({"product_a": top["product_a"].map(s.product_names).fillna(top["product_a"]),
                              "product_b": top["product_b"].map(s.product_names).fillna(top["product_b"]),
                              "orders": top["customers"], "support": top["support"].map(lambda x: ch.pct(x, 1)),
                              "confidence": top["confidence"].map(ch.pct), "lift": top["lift"].map("{:.1f}".format)})
        rk.table(translated_headers(shown, t, HEADER_PREFIXES), "pairs", t("lifecycle.pairs_caption"), ch.source_note)
    rk.save_table(r.suggestions, "next_product_suggestions")
    if r.segments is not None:
        seg = r.segments
        rk.paragraph(t("lifecycle.suggest_text"))
        rk.table(translated_headers(seg.assign(product=seg["product"].map(s.product_names).fillna(seg["product"])),
                                    t, HEADER_PREFIXES), "suggest", t("lifecycle.suggest_caption"), ch.source_note)


@computes("lifecycle.breadth")
def breadth_section(s: Scope) -> pd.DataFrame:
    """Per year: mean distinct product categories per customer acquired by then."""
    return crosssell.breadth_over_time(s.history, "Y")


@shows("lifecycle.breadth")
def show_breadth(ch: Chapter, breadth: pd.DataFrame) -> None:
    t = ch.t
    rk.paragraph(t("lifecycle.breadth_text"))
    shown = breadth.assign(mean_breadth=breadth["mean_breadth"].map("{:.2f}".format),
                           share_multi=breadth["share_multi"].map(ch.pct))
    # the catalogue names the period column's header lifecycle.period_col
    rk.table(translated_headers(shown.rename(columns={"period": "period_col"}), t, HEADER_PREFIXES), "breadth",
             t("lifecycle.breadth_caption"), ch.source_note)


@dataclass
class MoreResult:
    bought_more: dict              # customers of last year who spent more this year: customers, bought_more, share
    year: int                      # the calendar year of as_of ("this year")


@computes("lifecycle.more")
def more_section(s: Scope) -> MoreResult:
    year = s.as_of.year
    return MoreResult(bought_more=crosssell.bought_more(s.history, year), year=year)


@shows("lifecycle.more")
def show_more(ch: Chapter, r: MoreResult) -> None:
    more = r.bought_more
    rk.paragraph(ch.t("lifecycle.more_text", base=ch.num(more["customers"]), last_year=r.year - 1, year=r.year,
                      more=ch.num(more["bought_more"]), share=ch.pct(more["share"])))


@computes("lifecycle.upgrades")
def upgrades_section(s: Scope) -> pd.DataFrame:
    """Service-level changes between consecutive contracts."""
    return crosssell.service_level_upgrades(s.contracts)


@shows("lifecycle.upgrades")
def show_upgrades(ch: Chapter, ups: pd.DataFrame) -> None:
    rk.save_table(ups, "service_level_changes")
    rk.paragraph(ch.t("lifecycle.upgrades_text",
                      upgrades=ch.num(int(ups.loc[ups["direction"] == "upgrade", "changes"].sum())),
                      downgrades=ch.num(int(ups.loc[ups["direction"] == "downgrade", "changes"].sum()))))


# --------------------------------------------------------------------------- summary
@dataclass
class SummaryResult:
    moves: pd.DataFrame            # customers moving from_stage → to_stage between the two dates
    counts: pd.DataFrame           # per stage (lifecycle.STAGES order): customers at the previous and the current date


@computes("lifecycle.summary")
def summary_section(s: Scope) -> SummaryResult:
    moves = lifecycle.stage_transitions(s.customers, s.history, s.contracts, s.previous_as_of, s.as_of,
                                        at_risk_days=AT_RISK_DAYS, lapse_days=LAPSE_DAYS)
    counts = pd.DataFrame({
        "stage": list(lifecycle.STAGES),
        "previous": [int(moves.loc[moves["from_stage"] == st, "customers"].sum()) for st in lifecycle.STAGES],
        "current": [int(moves.loc[moves["to_stage"] == st, "customers"].sum()) for st in lifecycle.STAGES]})
    return SummaryResult(moves=moves, counts=counts)


@shows("lifecycle.summary")
def show_summary(ch: Chapter, s: Scope, r: SummaryResult) -> None:
    t = ch.t
    rk.section(t("lifecycle.summary_section"))
    rk.save_table(r.moves, "lifecycle_transitions")
    stage_names = {st: t(f"lifecycle.stage_{st}") for st in lifecycle.STAGES}
    previous, current = s.previous_as_of.date().isoformat(), s.as_of.date().isoformat()
    rk.paragraph(t("lifecycle.summary_text", previous=previous, current=current, at_risk=AT_RISK_DAYS,
                   lapse=LAPSE_DAYS))
    fig = lc_charts.transition_matrix(r.moves, lifecycle.STAGES, stage_names, xlabel=t("lifecycle.to_stage"),
                                      ylabel=t("lifecycle.from_stage"))
    rk.figure(fig, "stages", t("lifecycle.stages_caption"), ch.source_note)
    # the two count columns are headed by their dates, which no message translates
    counts = pd.DataFrame({t("lifecycle.stage"): r.counts["stage"].map(stage_names).tolist(),
                           previous: r.counts["previous"].tolist(), current: r.counts["current"].tolist()})
    rk.table(counts, "stages", t("lifecycle.stages_table_caption"), ch.source_note)
