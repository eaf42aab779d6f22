"""Intervals for per-customer predictions from the uncertainty of the fitted parameters.

A model's estimates are uncertain (its ``log_variance_matrix_``, the inverse Hessian of the negative
log-likelihood in log-parameters), so every prediction made from them is too: a customer's P(alive),
expected purchases, CLV. Neither lifetimes nor PyMC-Marketing's MAP fits give these intervals.

Two methods, both from the same covariance:

* ``"delta"`` (default): the prediction's gradient in log-parameters by central differences, on a scale
  where the normal approximation holds (logit for probabilities, log for positive quantities), then
  back. Costs 2k + 1 evaluations for k parameters, so it suits a million customers.
* ``"bootstrap"``: a parametric bootstrap, ``draws`` sets of log-parameters from their normal sampling
  distribution, seeded, and the percentiles of the prediction across them.

The interval is for the expected value the model predicts, not for what the customer will actually do
(which adds the customer's own purchase randomness). Models fitted separately (BG/NBD and Gamma-Gamma
for CLV) are taken as independent, as lifetimes' CLV assumes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from ..errors import InputError

SCALES = ("auto", "logit", "log", "identity")


def _log_params(model) -> np.ndarray:
    if getattr(model, "params_", None) is None:
        raise InputError(f"{type(model).__name__} is not fitted; call fit() first")
    return np.log([model.params_[k] for k in model._names])


def _with_log_params(models, lp: np.ndarray):
    """Copies of `models` with the stacked log-parameters `lp` (the originals are not touched)."""
    out, i = [], 0
    for m in models:
        k = len(m._names)
        c = copy.copy(m)
        c.params_ = dict(zip(m._names, np.exp(lp[i:i + k])))
        out.append(c)
        i += k
    return out


def _scale(values: np.ndarray, scale: str) -> str:
    if scale != "auto":
        return scale
    finite = values[np.isfinite(values)]
    if finite.size and np.all((finite > 0) & (finite < 1)):
        return "logit"
    if finite.size and np.all(finite > 0):
        return "log"
    return "identity"


_FORWARD = {"logit": special.logit, "log": np.log, "identity": lambda v: v}
_BACK = {"logit": special.expit, "log": np.exp, "identity": lambda v: v}


def joint_interval(models: Sequence, evaluate: Callable, *, level: float = 0.95, method: str = "delta",
                   draws: int = 1000, seed: int = 0, scale: str = "auto", like=None) -> pd.DataFrame:
    """``estimate``, ``low`` and ``high`` of ``evaluate(models)`` (an array, one value per customer) at
    confidence `level`, from the parameter uncertainty of all `models` (independent of each other).

    ``scale`` is where the delta method is linear: "logit" (values in (0, 1)), "log" (positive values),
    "identity", or "auto" (chosen from the estimates). The result's index is that of `like` when it is a
    Series or DataFrame."""
    if method not in ("delta", "bootstrap"):
        raise InputError(f"method must be 'delta' or 'bootstrap', got {method!r}")
    if scale not in SCALES:
        raise InputError(f"scale must be one of {SCALES}, got {scale!r}")
    if not 0 < level < 1:
        raise InputError(f"level must be between 0 and 1, got {level!r}")
    models = list(models)
    lp = np.concatenate([_log_params(m) for m in models])
    cov = np.zeros((lp.size, lp.size))
    i = 0
    for m in models:
        k = len(m._names)
        cov[i:i + k, i:i + k] = m.log_variance_matrix_.to_numpy()
        i += k
    with np.errstate(all="ignore"):
        estimate = np.asarray(evaluate(models), dtype=float)
    if not np.all(np.isfinite(cov)):
        low = high = np.full(estimate.shape, np.nan)       # no standard errors: no interval, said as NaN
    elif method == "delta":
        chosen = _scale(estimate, scale)
        fwd = _FORWARD[chosen]
        grads = np.empty((lp.size,) + estimate.shape)
        for j in range(lp.size):
            h = 1e-5 * max(1.0, abs(lp[j]))
            up, down = lp.copy(), lp.copy()
            up[j] += h
            down[j] -= h
            with np.errstate(all="ignore"):
                grads[j] = (fwd(np.asarray(evaluate(_with_log_params(models, up)), float))
                            - fwd(np.asarray(evaluate(_with_log_params(models, down)), float))) / (2 * h)
        g = grads.reshape(lp.size, -1)
        se = np.sqrt(np.maximum(np.einsum("in,ij,jn->n", g, cov, g), 0.0)).reshape(estimate.shape)
        z = stats.norm.ppf(0.5 + level / 2)
        with np.errstate(all="ignore"):
            centre = fwd(estimate)
            low, high = _BACK[chosen](centre - z * se), _BACK[chosen](centre + z * se)
    else:
        rng = np.random.default_rng(seed)
        sample = rng.multivariate_normal(lp, cov, size=int(draws))
        sims = np.empty((len(sample),) + estimate.shape)
        for d, row in enumerate(sample):
            with np.errstate(all="ignore"):
                sims[d] = np.asarray(evaluate(_with_log_params(models, row)), float)
        tail = (1 - level) / 2 * 100
        low, high = np.nanpercentile(sims, tail, axis=0), np.nanpercentile(sims, 100 - tail, axis=0)
    index = like.index if isinstance(like, pd.Series | pd.DataFrame) else None
    return pd.DataFrame({"estimate": np.ravel(estimate), "low": np.ravel(low), "high": np.ravel(high)}, index=index)


def prediction_interval(model, prediction: str, *args, level: float = 0.95, method: str = "delta",
                        draws: int = 1000, seed: int = 0, scale: str = "auto", **kwargs) -> pd.DataFrame:
    """The model's `prediction` (a method name, e.g. ``"conditional_probability_alive"``) called with
    `args` and `kwargs`, with its interval (see :func:`joint_interval`)::

        prediction_interval(bgf, "conditional_expected_number_of_purchases_up_to_time", 52, f, r, T)
    """
    if not callable(getattr(model, prediction, None)):
        raise InputError(f"{type(model).__name__} has no prediction {prediction!r}")
    like = next((a for a in args if isinstance(a, pd.Series)), None)
    return joint_interval([model], lambda ms: getattr(ms[0], prediction)(*args, **kwargs), level=level,
                          method=method, draws=draws, seed=seed, scale=scale, like=like)


def customer_lifetime_value_interval(gamma_gamma, transaction_model, frequency, recency, T, monetary_value,
                                     time: int = 12, discount_rate: float = 0.01, freq: str = "D", *,
                                     level: float = 0.95, method: str = "delta", draws: int = 1000,
                                     seed: int = 0) -> pd.DataFrame:
    """:meth:`~pipeline.clv.GammaGamma.customer_lifetime_value` (same arguments) with its interval from the
    uncertainty of both models' parameters."""
    def evaluate(ms):
        return ms[1].customer_lifetime_value(ms[0], frequency, recency, T, monetary_value, time=time,
                                             discount_rate=discount_rate, freq=freq)
    return joint_interval([transaction_model, gamma_gamma], evaluate, level=level, method=method, draws=draws,
                          seed=seed, scale="log", like=frequency)
