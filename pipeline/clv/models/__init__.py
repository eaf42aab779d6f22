"""The customer-base models of :mod:`pipeline.clv`, one per module, on the shared base in :mod:`.base`."""

from .base import BaseModel, RFModel
from .beta_geo import BetaGeo
from .gamma_gamma import GammaGamma
from .pareto_nbd import ParetoNBD
from .shifted_beta_geo import ShiftedBetaGeo

__all__ = ["BaseModel", "RFModel", "BetaGeo", "ParetoNBD", "GammaGamma", "ShiftedBetaGeo"]
