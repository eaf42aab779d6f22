"""Chapter 3's link to chapter 2: does bad service lower the purchase rate or raise drop-out? One BG/NBD
model with each customer's service experience as covariates (:mod:`pipeline.analyses.value.service_effect`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.analyses.value import service_effect
from pipeline.report import reportkit as rk
from pipeline.report.chapter import Chapter
from pipeline.report.present import interval_texts, translated_headers
from pipeline.report.sections import computes, shows

EFFECT_COLUMNS = ["process", "covariate", "estimate", "se", "ci_low", "ci_high", "p_value", "rate_ratio"]


@dataclass
class ServiceEffectResult:
    effects: pd.DataFrame | None     # per process and covariate: coefficient, 95% interval, p-value, rate ratio
    experience: pd.DataFrame         # per customer: dispatches, SLA breaches, second visits, median repair hours
    reason: str | None               # why there is no estimate (None: there is one)


@computes("value.service_effect")
def service_effect_section(ch: Chapter, value) -> ServiceEffectResult:
    """The covariate model on the value section's purchase summary (``value.summary``), with the
    dispatches reported before the period's end."""
    found = service_effect.service_purchase_effect(value.summary, ch.data.get("dispatches"), ch.period.end_exclusive)
    return ServiceEffectResult(effects=found["effects"], experience=found["experience"], reason=found["reason"])


@shows("value.service_effect")
def show_service_effect(ch: Chapter, r: ServiceEffectResult) -> None:
    t = ch.t
    rk.section(t("value.service_effect_section"))
    if r.effects is None:
        rk.save_table(pd.DataFrame(columns=EFFECT_COLUMNS), "service_purchase_effect")
        rk.paragraph(t(f"value.service_effect_{r.reason}", min_customers=service_effect.MIN_CUSTOMERS,
                       min_breaching=service_effect.MIN_WITH_BREACHES))
        return
    effects = r.effects
    rk.save_table(effects[EFFECT_COLUMNS], "service_purchase_effect")
    clear = effects[(effects["ci_low"] > 0) | (effects["ci_high"] < 0)]
    rk.paragraph(t("value.service_effect_text", customers=ch.num(len(r.experience)),
                   breaching=ch.num(int((r.experience["sla_breaches"] > 0).sum()))))
    if clear.empty:
        rk.paragraph(t("value.service_effect_none_clear"))
    else:
        items = t("cluster.joiner").join(
            t(f"value.service_effect_item_{row.process}", covariate=t(f"value.covariate_{row.covariate}"),
              ratio=f"{row.rate_ratio:.2f}", low=f"{np.exp(row.ci_low):.2f}", high=f"{np.exp(row.ci_high):.2f}")
            for row in clear.itertuples())
        rk.paragraph(t("value.service_effect_clear", items=items))
    two = "{:.2f}".format
    shown = pd.DataFrame({"process": [t(f"value.process_{p}") for p in effects["process"]],
                          "covariate": [t(f"value.covariate_{c}") for c in effects["covariate"]],
                          "rate_ratio": effects["rate_ratio"].map(two),
                          "ci": interval_texts(np.exp(effects["ci_low"]), np.exp(effects["ci_high"]), two),
                          "p_value": effects["p_value"].map("{:.3g}".format)})
    rk.table(translated_headers(shown, t), "service_effect", t("value.service_effect_caption"), ch.source_note)
    rk.paragraph(t("value.service_effect_caveat"))
