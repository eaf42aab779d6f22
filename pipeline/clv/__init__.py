"""Customer-base ("buy 'til you die") purchase models on scipy.

Implements the models users know from the ``lifetimes`` package without depending on it:

* :func:`rfm_summary` -- transaction log to frequency / recency / T / monetary value (optionally with a
  calibration / holdout split), following ``lifetimes.utils.summary_data_from_transaction_data`` and
  ``calibration_and_holdout_data``;
* :class:`BetaGeo` -- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way");
* :class:`ParetoNBD` -- Pareto/NBD (Schmittlein, Morrison & Colombo 1987) in the formulation of
  Fader & Hardie (2005) "A Note on Deriving the Pareto/NBD Model and Related Expressions";
* :class:`GammaGamma` -- the spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
  curves"; Fader & Hardie 2013 "The Gamma-Gamma model of monetary value"), with
  :meth:`GammaGamma.customer_lifetime_value` as in lifetimes;
* :class:`ShiftedBetaGeo` -- the sBG contractual retention model (Fader & Hardie 2007, "How to project
  customer retention");
* :class:`ModifiedBetaGeo` -- MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD with drop-out possible
  at the first purchase too;
* :class:`BetaGeoBetaBinom` -- BG/BB for discrete transaction opportunities (Fader, Hardie & Shang 2010);
* :class:`BetaGeoCovariates` and :class:`ParetoNBDCovariates` -- BG/NBD and Pareto/NBD with static
  covariates on the purchase and drop-out processes (Fader & Hardie 2007; CLVTools).

All log-likelihoods are closed form and evaluated in log space.  Models are fitted on the distinct
rows of the data with their counts as weights (a million customers with day-resolution dates cost
little more than a few thousand), by L-BFGS-B on the log-parameters with central-difference
gradients, polished by Newton steps on a numerical Hessian.  Standard errors come from the inverse
of that Hessian (in log-parameter space) mapped to the parameters by the delta method
(se(theta) = theta * se(log theta)); 95% intervals are exp(log theta +- 1.96 se(log theta)) by default
(``ci_method="wald"`` for theta +- 1.96 se).

Conventions
-----------
``params_`` uses lifetimes' names: BG/NBD and MBG/NBD ``r, alpha, a, b``; Pareto/NBD ``r, alpha, s, beta``;
Gamma-Gamma ``p, q, v`` (``v`` is the papers' gamma); sBG ``alpha, beta``; BG/BB ``alpha, beta, gamma, delta``.
``log_likelihood_`` is the maximised log-likelihood summed over customers (comparable with the
papers' values, e.g. -9582.4 for BG/NBD on the CDNOW sample).

Layout
------
:mod:`~pipeline.clv.summary` (:func:`rfm_summary`); :mod:`~pipeline.clv.lifetimes_api`
(:func:`summary_data_from_transaction_data`, :func:`calibration_and_holdout_data`,
:func:`expected_cumulative_transactions` and :func:`calculate_alive_path` under lifetimes' names and
defaults: ``freq="D"``, whole calendar periods); :mod:`~pipeline.clv.models` with the shared base in
:mod:`~pipeline.clv.models.base` and one module per model (``beta_geo``, ``pareto_nbd``, ``gamma_gamma``,
``shifted_beta_geo``, ``modified_beta_geo``, ``beta_geo_beta_binom``); :mod:`~pipeline.clv.numerics`
(log 2F1, quadrature, numerical derivatives, BLAS threads); :mod:`~pipeline.clv.arrays` (the models'
input and output handling); :mod:`~pipeline.clv.diagnostics` (:func:`frequency_spend_correlation`,
:func:`model_parameters_table`, :func:`calibration_holdout_comparison`); :mod:`~pipeline.clv.generate`
(simulated customers, seeded, under lifetimes' generator names); :mod:`~pipeline.clv.models.persistence`
(``save_model`` / :func:`load_model` as JSON); :mod:`~pipeline.clv.plotting` (lifetimes' diagnostic
plots, in the report's chart style); :mod:`~pipeline.clv.uncertainty` (:func:`prediction_interval` and
:func:`customer_lifetime_value_interval`: per-customer intervals from the parameters' uncertainty, by the
delta method or a seeded parametric bootstrap).
Everything analysts use is importable from here.

For lifetimes users
-------------------
lifetimes' class names are aliases here (``BetaGeoFitter``, ``ParetoNBDFitter``, ``GammaGammaFitter``), the
models take lifetimes' positional ``fit(frequency, recency, T, weights)`` and keep ``.data``, and the
prediction methods, ``summary``, ``save_model`` / ``load_model``, :func:`expected_cumulative_transactions`,
:func:`calculate_alive_path` and the data generators have lifetimes' names and arguments.  Differences, on
purpose: models save as JSON, not pickles; generators are seeded and count repeat purchases, not distinct
time units; ``GammaGamma.conditional_expected_average_profit()`` without arguments is the population
mean (lifetimes: the fitted customers); :func:`rfm_summary` keeps weeks as its default unit while the
lifetimes-named functions default to days, as lifetimes does.
"""

from .diagnostics import calibration_holdout_comparison, frequency_spend_correlation, model_parameters_table
from .generate import (
    beta_geometric_beta_binom_model,
    beta_geometric_nbd_model,
    beta_geometric_nbd_model_transactional_data,
    modified_beta_geometric_nbd_model,
    pareto_nbd_model,
)
from .lifetimes_api import (
    calculate_alive_path,
    calibration_and_holdout_data,
    expected_cumulative_transactions,
    summary_data_from_transaction_data,
)
from .models.beta_geo import BetaGeo
from .models.beta_geo_beta_binom import BetaGeoBetaBinom
from .models.covariates import BetaGeoCovariates, ParetoNBDCovariates
from .models.gamma_gamma import GammaGamma
from .models.modified_beta_geo import ModifiedBetaGeo
from .models.pareto_nbd import ParetoNBD
from .models.persistence import load_model
from .models.shifted_beta_geo import ShiftedBetaGeo
from .summary import rfm_summary
from .uncertainty import customer_lifetime_value_interval, joint_interval, prediction_interval

_PLOTS = ("plot_period_transactions", "plot_calibration_purchases_vs_holdout_purchases",
          "plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_cumulative_transactions",
          "plot_incremental_transactions", "plot_history_alive")


def __getattr__(name: str):
    # the plots import matplotlib and seaborn: only when one is asked for, not with every model
    if name in _PLOTS:
        from . import plotting
        return getattr(plotting, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# lifetimes' class names, so that ``from lifetimes import BetaGeoFitter`` becomes
# ``from pipeline.clv import BetaGeoFitter`` and nothing else in the notebook changes
BetaGeoFitter = BetaGeo
ParetoNBDFitter = ParetoNBD
GammaGammaFitter = GammaGamma
ModifiedBetaGeoFitter = ModifiedBetaGeo
BetaGeoBetaBinomFitter = BetaGeoBetaBinom

__all__ = [
    "rfm_summary",
    "summary_data_from_transaction_data",
    "calibration_and_holdout_data",
    "BetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "ShiftedBetaGeo",
    "ModifiedBetaGeo",
    "BetaGeoBetaBinom",
    "BetaGeoCovariates",
    "ParetoNBDCovariates",
    "BetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "ModifiedBetaGeoFitter",
    "BetaGeoBetaBinomFitter",
    "load_model",
    "expected_cumulative_transactions",
    "calculate_alive_path",
    "beta_geometric_nbd_model",
    "beta_geometric_nbd_model_transactional_data",
    "pareto_nbd_model",
    "modified_beta_geometric_nbd_model",
    "beta_geometric_beta_binom_model",
    *_PLOTS,
    "prediction_interval",
    "customer_lifetime_value_interval",
    "joint_interval",
    "frequency_spend_correlation",
    "model_parameters_table",
    "calibration_holdout_comparison",
]
