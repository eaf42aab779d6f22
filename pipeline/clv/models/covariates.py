"""BG/NBD and Pareto/NBD with static covariates on the purchase and the drop-out process (Fader & Hardie
2007, "Incorporating time-invariant covariates into the Pareto/NBD and BG/NBD models"; CLVTools'
``pnbd`` / ``bgnbd`` with static covariates).

Each customer's covariates z (measured before or during calibration: here, service experience such as
SLA breaches, second visits, median repair hours) scale its process parameters:

* purchase: alpha_i = alpha_0 exp(-gamma_purchase . z), so gamma_purchase > 0 means more purchases
  (the mean rate is r / alpha_i);
* drop-out, Pareto/NBD: beta_i = beta_0 exp(-gamma_dropout . z), so gamma_dropout > 0 means customers
  leave sooner (the mean drop-out rate is s / beta_i);
* drop-out, BG/NBD: b_i = b_0 exp(-gamma_dropout . z), so gamma_dropout > 0 raises the mean probability
  a / (a + b_i) of leaving after a purchase. (Fader & Hardie let a and b each have coefficients;
  one vector on b keeps the question "does it raise drop-out?" one coefficient per covariate.)

The coefficients are per unit of each covariate as given. The fit runs on standardised covariates for the
optimiser's sake and maps the estimates back. Standard errors come from the numerical Hessian of the
log-likelihood in the reported parametrisation (log of the positive parameters, the gammas as they are).
An interval for a coefficient that covers 0 means that the data do not show an effect. It does not show
that there is none.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ...errors import InputError
from ..arrays import as_array
from ..numerics import inverse_hessian, num_hess, single_thread_blas
from .base import check_rft
from .beta_geo import BetaGeo
from .pareto_nbd import ParetoNBD

_Z95 = float(stats.norm.ppf(0.975))


def _matrix(z, n: int, what: str) -> tuple[np.ndarray, list[str]]:
    """Covariates as an (n, k) float matrix and their names; None or an empty frame: no covariates."""
    if z is None:
        return np.zeros((n, 0)), []
    if isinstance(z, pd.Series):
        z = z.to_frame()
    if isinstance(z, pd.DataFrame):
        names, values = [str(c) for c in z.columns], z.to_numpy(dtype=float)
    else:
        values = np.asarray(z, dtype=float)
        values = values.reshape(n, -1) if values.ndim == 1 else values
        names = [f"z{i}" for i in range(values.shape[1])]
    if values.shape[0] != n:
        raise InputError(f"{what} covariates have {values.shape[0]} rows for {n} customers")
    if not np.all(np.isfinite(values)):
        raise InputError(f"{what} covariates must be finite (fill or drop missing values first)")
    return values, names


class _CovariateModel:
    """The shared fit of the covariate models. Subclasses give the base model (``_base``), its positive
    parameters (``_positive``), which parameter each process scales (``_purchase_param``,
    ``_dropout_param``)."""

    _base: type = BetaGeo
    _positive: tuple[str, ...] = ()
    _purchase_param = "alpha"
    _dropout_param = "b"

    def __init__(self):
        self.params_: dict[str, float] | None = None
        self.data: pd.DataFrame | None = None

    # -- per-customer parameters ---------------------------------------------------------------
    def _customer_params(self, theta: np.ndarray, Zp: np.ndarray, Zd: np.ndarray) -> dict:
        k = len(self._positive)
        base = dict(zip(self._positive, np.exp(theta[:k])))
        gp, gd = theta[k:k + Zp.shape[1]], theta[k + Zp.shape[1]:]
        base[self._purchase_param] = base[self._purchase_param] * np.exp(-(Zp @ gp))
        base[self._dropout_param] = base[self._dropout_param] * np.exp(-(Zd @ gd))
        return base

    def _nll(self, theta, x, tx, T, Zp, Zd) -> float:
        p = self._customer_params(theta, Zp, Zd)
        with np.errstate(all="ignore"):
            ll = self._base._ll(*(p[n] for n in self._positive), x, tx, T)
        total = -float(np.sum(ll))
        return total if np.isfinite(total) else 1e300

    def fit(self, frequency, recency, T, purchase_covariates=None, dropout_covariates=None):
        """Fit on each customer's frequency, recency and T (in the unit of the summary) and covariates: a
        DataFrame (its columns name the covariates) or an array, one row per customer, for the purchase
        and for the drop-out process (either may be None; the same frame may serve both)."""
        x, tx, TT = as_array(frequency), as_array(recency), as_array(T)
        check_rft(x, tx, TT)
        n = x.size
        Zp, names_p = _matrix(purchase_covariates, n, "purchase")
        Zd, names_d = _matrix(dropout_covariates, n, "drop-out")
        # standardise for the optimiser: theta_std on z' = (z - mean) / sd, mapped back below
        mp, sp = Zp.mean(axis=0), np.where(Zp.std(axis=0) > 0, Zp.std(axis=0), 1.0)
        md, sd = Zd.mean(axis=0), np.where(Zd.std(axis=0) > 0, Zd.std(axis=0), 1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            start = self._base().fit(frequency=x, recency=tx, T=TT)
        k = len(self._positive)
        theta0 = np.concatenate([np.log([start.params_[n] for n in self._positive]),
                                 np.zeros(Zp.shape[1] + Zd.shape[1])])
        Zp_s, Zd_s = (Zp - mp) / sp, (Zd - md) / sd
        with single_thread_blas():
            res = optimize.minimize(self._nll, theta0, args=(x, tx, TT, Zp_s, Zd_s), method="L-BFGS-B",
                                    options={"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-8})
            res = optimize.minimize(self._nll, res.x, args=(x, tx, TT, Zp_s, Zd_s), method="Nelder-Mead",
                                    options={"maxiter": 4000, "xatol": 1e-9, "fatol": 1e-10})
            theta_std = res.x
            gp, gd = theta_std[k:k + Zp.shape[1]] / sp, theta_std[k + Zp.shape[1]:] / sd
            theta = theta_std.copy()
            theta[k:k + Zp.shape[1]], theta[k + Zp.shape[1]:] = gp, gd
            # alpha_i = alpha_std exp(-g_std (z - m)/sd) = [alpha_std exp(g m)] exp(-g z)
            theta[self._positive.index(self._purchase_param)] += float(gp @ mp)
            theta[self._positive.index(self._dropout_param)] += float(gd @ md)
            H = num_hess(lambda t: self._nll(t, x, tx, TT, Zp, Zd), theta, h=1e-4)
        names = ([*self._positive] + [f"purchase:{c}" for c in names_p] + [f"dropout:{c}" for c in names_d])
        cov = inverse_hessian(H, type(self).__name__, stacklevel=2)
        se = np.sqrt(np.diag(cov))
        est = np.concatenate([np.exp(theta[:k]), theta[k:]])
        low = np.concatenate([np.exp(theta[:k] - _Z95 * se[:k]), theta[k:] - _Z95 * se[k:]])
        high = np.concatenate([np.exp(theta[:k] + _Z95 * se[:k]), theta[k:] + _Z95 * se[k:]])
        se_natural = np.concatenate([est[:k] * se[:k], se[k:]])
        with np.errstate(divide="ignore", invalid="ignore"):
            p_value = np.concatenate([np.full(k, np.nan), 2 * stats.norm.sf(np.abs(theta[k:] / se[k:]))])
        self._theta, self._names = theta, names
        self._covariate_names = (names_p, names_d)
        self.params_ = dict(zip(names, map(float, est)))
        self.log_likelihood_ = -self._nll(theta, x, tx, TT, Zp, Zd)
        self.variance_matrix_ = pd.DataFrame(cov, index=names, columns=names)
        self.summary_ = pd.DataFrame({"estimate": est, "se": se_natural, "ci_low": low, "ci_high": high,
                                      "p_value": p_value}, index=pd.Index(names, name="parameter"))
        self.converged_ = bool(np.all(np.isfinite(theta)))
        self.n_customers_ = n
        self.data = pd.DataFrame({"frequency": x, "recency": tx, "T": TT})
        return self

    @property
    def coefficients_(self) -> pd.DataFrame:
        """The covariates' coefficients: process (purchase or dropout), covariate, estimate, se, 95%
        interval, p-value (Wald), and ``rate_ratio`` = exp(estimate): the factor on the mean purchase rate
        (purchase) or on the mean drop-out rate (Pareto/NBD) / the odds of leaving (roughly, BG/NBD) per
        unit of the covariate."""
        if self.params_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        rows = self.summary_.iloc[len(self._positive):].reset_index()
        split = rows["parameter"].str.split(":", n=1, expand=True)
        out = rows.drop(columns="parameter").assign(process=split[0], covariate=split[1])
        out["rate_ratio"] = np.exp(out["estimate"])
        return out[["process", "covariate", "estimate", "se", "ci_low", "ci_high", "p_value", "rate_ratio"]]

    # -- predictions: the base model's formulas with each customer's own parameters -----------------
    def _customer_model(self, purchase_covariates, dropout_covariates, n: int):
        if self.params_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        names_p, names_d = self._covariate_names
        Zp, _ = _matrix(purchase_covariates, n, "purchase") if names_p else (np.zeros((n, 0)), [])
        Zd, _ = _matrix(dropout_covariates, n, "drop-out") if names_d else (np.zeros((n, 0)), [])
        if Zp.shape[1] != len(names_p) or Zd.shape[1] != len(names_d):
            raise InputError(f"the model was fitted with purchase covariates {names_p} and drop-out covariates "
                             f"{names_d}")
        model = copy.copy(self._base())
        model.params_ = self._customer_params(self._theta, Zp, Zd)
        return model

    def conditional_probability_alive(self, frequency, recency, T, purchase_covariates=None,
                                      dropout_covariates=None):
        """P(alive at T | x, t_x, T, z), as the base model's with the customer's own parameters."""
        n = np.broadcast(as_array(frequency), as_array(recency), as_array(T)).size
        return self._customer_model(purchase_covariates, dropout_covariates, n).conditional_probability_alive(
            frequency, recency, T)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T,
                                                            purchase_covariates=None, dropout_covariates=None):
        """E[purchases in (T, T + t] | x, t_x, T, z], as the base model's with the customer's own parameters."""
        n = np.broadcast(as_array(frequency), as_array(recency), as_array(T)).size
        model = self._customer_model(purchase_covariates, dropout_covariates, n)
        return model.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{type(self).__name__} (unfitted)>"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__} {ps}, log-likelihood={self.log_likelihood_:.2f}>"


class BetaGeoCovariates(_CovariateModel):
    """BG/NBD with static covariates: alpha_i = alpha exp(-gamma_purchase . z), b_i = b exp(-gamma_dropout . z).
    params_: r, alpha, a, b (at z = 0), then ``purchase:<covariate>`` and ``dropout:<covariate>``."""

    _base = BetaGeo
    _positive = ("r", "alpha", "a", "b")
    _purchase_param, _dropout_param = "alpha", "b"


class ParetoNBDCovariates(_CovariateModel):
    """Pareto/NBD with static covariates (Fader & Hardie 2007; CLVTools): alpha_i = alpha exp(-gamma_purchase
    . z), beta_i = beta exp(-gamma_dropout . z). params_: r, alpha, s, beta (at z = 0), then the gammas."""

    _base = ParetoNBD
    _positive = ("r", "alpha", "s", "beta")
    _purchase_param, _dropout_param = "alpha", "beta"
