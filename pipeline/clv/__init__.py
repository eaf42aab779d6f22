"""Customer-base ("buy 'til you die") purchase models on scipy; see :mod:`pipeline.clv.models.base`."""

from .diagnostics import calibration_holdout_comparison, frequency_spend_correlation, model_parameters_table
from .models.beta_geo import BetaGeo
from .models.gamma_gamma import GammaGamma
from .models.pareto_nbd import ParetoNBD
from .models.shifted_beta_geo import ShiftedBetaGeo
from .summary import rfm_summary

__all__ = [
    "rfm_summary",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "ShiftedBetaGeo",
    "frequency_spend_correlation",
    "model_parameters_table",
    "calibration_holdout_comparison",
]
