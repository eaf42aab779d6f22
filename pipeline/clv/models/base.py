"""The shared base of the customer-base models (see :mod:`pipeline.clv` for the method).

* :class:`BaseModel` -- maximum likelihood on the distinct rows of the data with their counts as
  weights, over log-parameters (L-BFGS-B, then Newton steps), standard errors and 95% intervals;
* :class:`RFModel` -- the base of the transaction models, fitted on frequency, recency and T
  (:class:`~pipeline.clv.BetaGeo`, :class:`~pipeline.clv.ParetoNBD`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ...errors import InputError
from ..arrays import as_array, distinct_rows, fit_inputs, fitted_data
from ..numerics import (
    hess_from_grad,
    inverse_hessian,
    num_grad,
    num_hess,
    single_thread_blas,
)

_Z95 = float(stats.norm.ppf(0.975))


class BaseModel:
    """Shared fitting machinery of the models: maximum likelihood on distinct rows, standard errors.

    Subclasses define ``_names`` (the parameters, in ``params_`` order), ``_loglik_rows(params, data)``
    (the log-likelihood of each distinct row) and optionally ``_x0`` (a start in log-parameters),
    ``_ll_and_grad_rows`` or ``_objective`` (analytic gradients), ``_scale_params`` and
    ``_scaled_columns`` (unit-carrying parameters and the data columns rescaled with them)."""

    _names: tuple[str, ...] = ()

    def __init__(self, penalizer_coef: float = 0.0, ci_method: str = "log"):
        """``penalizer_coef`` adds ``c * sum(params**2)`` to the mean negative log-likelihood (as
        lifetimes; 0 = plain maximum likelihood).  ``ci_method``: "log" (default) gives 95% intervals
        exp(log est +- 1.96 se_log), always positive; "wald" gives est +- 1.96 se (lifetimes' style,
        can go below zero)."""
        if ci_method not in ("log", "wald"):
            raise InputError(f"ci_method must be 'log' or 'wald', got {ci_method!r}")
        self.penalizer_coef = float(penalizer_coef)
        self.ci_method = ci_method
        self.params_: dict[str, float] | None = None
        self.data: pd.DataFrame | None = None

    # optimiser limits (class attributes, set on an instance to change): L-BFGS iterations over all
    # starts before the best point so far is taken, and iterations a parameter may sit at the search
    # bound. A count, not a clock: the same data must give the same estimates on a busy machine.
    max_iterations: int = 2000
    bound_patience: int = 30
    # log-likelihood evaluations the Nelder-Mead fallback may spend (None: up to its 1,000 iterations). A
    # report that fits an optional model for comparison bounds it: on data that do not identify the
    # model the fallback can take a minute and still not converge. A count, for the same reason as above.
    max_fallback_evaluations: int | None = None

    # -- subclass hooks -------------------------------------------------------------------
    def _loglik_rows(self, p: np.ndarray, d: dict[str, np.ndarray]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _x0(self, d, w) -> np.ndarray:
        return np.zeros(len(self._names))

    def _scaled_columns(self, col: str) -> tuple[str, ...]:
        """Data columns measured in the same unit as `col` (rescaled together)."""
        return (col,)

    # -- fitting ---------------------------------------------------------------------------
    def _ll_and_grad_rows(self, p: np.ndarray, d: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Per-row log-likelihood and d loglik / d param (shape (rows, k)).  Subclasses that do not
        override it are fitted with central-difference gradients."""
        raise NotImplementedError

    # parameters that carry the unit of a data column: {param: column}; the fit runs on data divided
    # by the column's weighted mean (so all log-parameters are O(1)) and the estimates are rescaled.
    _scale_params: dict[str, str] = {}
    # lower bounds on log-parameters beyond the search box: {param: floor}, e.g. {"q": 0.0} for q >= 1
    _log_floor: dict[str, float] = {}

    def _objective(self, d: dict[str, np.ndarray], w: np.ndarray, n: float):
        """nll(lp), fun_grad(lp), grad(lp), hess(lp) of the mean negative log-likelihood in log-params."""
        pen = self.penalizer_coef

        def nll(lp: np.ndarray) -> float:
            p = np.exp(lp)
            with np.errstate(all="ignore"):
                ll = self._loglik_rows(p, d)
            val = -(w @ ll) / n + pen * float(np.sum(p ** 2))
            return float(val) if np.isfinite(val) else 1e300

        analytic = type(self)._ll_and_grad_rows is not BaseModel._ll_and_grad_rows

        def fun_grad(lp: np.ndarray) -> tuple[float, np.ndarray]:
            if not analytic:
                return nll(lp), num_grad(nll, lp)
            p = np.exp(lp)
            with np.errstate(all="ignore"):
                ll, G = self._ll_and_grad_rows(p, d)
            val = -(w @ ll) / n + pen * float(np.sum(p ** 2))
            g = -(w @ G) / n * p + 2 * pen * p ** 2
            if not np.isfinite(val):
                return 1e300, np.zeros_like(lp)
            return float(val), np.where(np.isfinite(g), g, 0.0)

        def grad(lp: np.ndarray) -> np.ndarray:
            return fun_grad(lp)[1]

        def hess(lp: np.ndarray) -> np.ndarray:
            return hess_from_grad(grad, lp) if analytic else num_hess(nll, lp)

        return nll, fun_grad, grad, hess

    def _fit_data(self, d: dict[str, np.ndarray], w: np.ndarray, x0=None):
        with single_thread_blas():
            return self._fit_data_impl(d, w, x0)

    def _fit_data_impl(self, d: dict[str, np.ndarray], w: np.ndarray, x0=None):
        n = float(w.sum())
        if n <= 0:
            raise InputError("no data to fit")
        # rescale unit-carrying columns (time, money) to mean 1; shift the matching log-params
        shift = np.zeros(len(self._names))
        ds = dict(d)
        cols_done: dict[str, float] = {}
        for name, col in self._scale_params.items():
            if col not in cols_done:
                c = float(np.average(d[col], weights=w))
                cols_done[col] = c if np.isfinite(c) and c > 0 else 1.0
            shift[self._names.index(name)] = math.log(cols_done[col])
        for col, c in cols_done.items():
            for k in self._scaled_columns(col):
                ds[k] = d[k] / c
        nll, fun_grad, grad, hess = self._objective(ds, w, n)
        # the search box in (scaled) log-parameters; a constraint (GammaGamma's q_constraint) raises a floor
        lo = np.full(len(self._names), -15.0)
        for name, floor in self._log_floor.items():
            lo[self._names.index(name)] = floor - shift[self._names.index(name)]

        iterations = [0]
        self.stopped_early_ = False

        def lbfgs(s0):
            # a degenerate fit (e.g. Pareto/NBD without drop-out signal) walks a parameter to the search
            # bound and then crawls along a flat ridge for thousands of iterations: stop once a parameter
            # has sat at the bound for `bound_patience` iterations, or when the time budget is spent
            # or creeps along a ridge (improving the mean log-likelihood by < 1e-10 in `bound_patience` steps)
            at_bound, history = [0], []

            def stop(intermediate_result):
                xk, fk = intermediate_result.x, intermediate_result.fun
                at_bound[0] = at_bound[0] + 1 if np.max(np.abs(xk)) > 14.9 else 0
                history.append(fk)
                stalled = len(history) > self.bound_patience and \
                    history[-self.bound_patience - 1] - fk < 1e-10 * max(1.0, abs(fk))
                iterations[0] += 1
                if at_bound[0] >= self.bound_patience or stalled or iterations[0] >= self.max_iterations:
                    self.stopped_early_ = True
                    raise StopIteration

            return optimize.minimize(fun_grad, s0, jac=True, method="L-BFGS-B", bounds=[(float(v), 15.0) for v in lo],
                                     callback=stop, options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})

        start = (np.asarray(x0, float) if x0 is not None else self._x0(d, w)) - shift
        start = np.clip(start, np.maximum(lo, -14.0), 14.0)
        res = lbfgs(start)
        x, f = res.x, res.fun
        if not (np.isfinite(f) and f < 1e299 and np.max(np.abs(grad(x))) < 1e-6):
            # fall back: second start, then Nelder-Mead from the best point
            alt = lbfgs(np.zeros(len(self._names))) if iterations[0] < self.max_iterations else res
            if alt.fun < f:
                x, f = alt.x, alt.fun
            if np.max(np.abs(x)) < 14.9 and iterations[0] < self.max_iterations:  # not at a bound: Nelder-Mead
                budget = {} if self.max_fallback_evaluations is None else {"maxfev": self.max_fallback_evaluations}
                nm = optimize.minimize(lambda z: nll(np.maximum(z, lo)), x, method="Nelder-Mead",
                                       options={"maxiter": 1000, "xatol": 1e-10, "fatol": 1e-15, **budget})
                if self.max_fallback_evaluations is not None and nm.nfev >= self.max_fallback_evaluations:
                    self.stopped_early_ = True  # the budget ran out, not the search
                if nm.fun < f:
                    x, f = np.maximum(nm.x, lo), nm.fun
        # Newton polish on the (numerical) Hessian
        for _ in range(10):
            g = grad(x)
            if np.max(np.abs(g)) < 1e-12:
                break
            try:
                step = -np.linalg.solve(hess(x), g)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            for t in (1.0, 0.5, 0.25, 0.1):
                if np.any(x + t * step < lo):
                    continue
                fn = nll(x + t * step)
                if fn <= f:
                    x, f = x + t * step, fn
                    break
            else:
                break
            if np.max(np.abs(t * step)) < 1e-9:
                break
        self.at_bound_ = [nm_ for nm_, v in zip(self._names, x) if abs(v) > 14.9]
        if self.at_bound_:
            warnings.warn(f"{type(self).__name__}: parameter(s) {self.at_bound_} at the search bound -- the data "
                          "do not identify them (e.g. no evidence of drop-out); treat the fit with care",
                          RuntimeWarning, stacklevel=4)
        # final quantities in the original units (log-params shift, the Hessian does not change)
        x = x + shift
        nll, fun_grad, grad, hess = self._objective(d, w, n)
        grad_final = grad(x)
        for name, floor in self._log_floor.items():
            # at a constraint's floor a gradient pointing below it is not a failure to converge
            i = self._names.index(name)
            if x[i] <= floor + 1e-9 and grad_final[i] > 0:
                grad_final[i] = 0.0
        H = hess(x) * n  # Hessian of the total negative log-likelihood in log-parameter space
        self._log_params = x
        est = np.exp(x)
        self.params_ = dict(zip(self._names, map(float, est)))
        with np.errstate(all="ignore"):
            self.log_likelihood_ = float(np.sum(w * self._loglik_rows(est, d)))
        self.n_customers_ = n
        self.n_distinct_ = int(w.size)
        self.gradient_norm_ = float(np.max(np.abs(grad_final)))
        self.converged_ = bool(self.gradient_norm_ < 1e-5)
        if not self.converged_:
            warnings.warn(f"{type(self).__name__}: optimiser stopped with gradient {self.gradient_norm_:.2g}",
                          RuntimeWarning, stacklevel=4)
        cov_log = inverse_hessian(H, type(self).__name__, stacklevel=4)
        J = np.diag(est)
        self.variance_matrix_ = pd.DataFrame(J @ cov_log @ J, index=self._names, columns=self._names)
        self.log_variance_matrix_ = pd.DataFrame(cov_log, index=self._names, columns=self._names)
        se = np.sqrt(np.diag(self.variance_matrix_.to_numpy()))
        se_log = np.sqrt(np.diag(cov_log))
        self.standard_errors_ = pd.Series(se, index=self._names, name="se")
        if self.ci_method == "log":
            lo, hi = np.exp(x - _Z95 * se_log), np.exp(x + _Z95 * se_log)
        else:
            lo, hi = est - _Z95 * se, est + _Z95 * se
        self.summary_ = pd.DataFrame({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi},
                                     index=pd.Index(self._names, name="parameter"))
        self.confidence_intervals_ = self.summary_[["ci_low", "ci_high"]].copy()
        return self

    def _initial_log_params(self, initial_params):
        """A start in log-parameters from a mapping of parameters, or lifetimes' array of log-parameters."""
        if initial_params is None:
            return None
        if isinstance(initial_params, Mapping):
            return np.log([initial_params[n] for n in self._names])
        start = as_array(initial_params).ravel()
        if start.size != len(self._names):
            raise InputError(f"initial_params needs {len(self._names)} values ({', '.join(self._names)}), "
                             f"got {start.size}")
        return start

    @property
    def summary(self) -> pd.DataFrame:
        """The estimates in lifetimes' layout: coef, se(coef), lower 95% bound, upper 95% bound."""
        if self.params_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        s = self.summary_
        return pd.DataFrame({"coef": s["estimate"], "se(coef)": s["se"], "lower 95% bound": s["ci_low"],
                             "upper 95% bound": s["ci_high"]}, index=pd.Index(self._names))

    def save_model(self, path, save_data: bool = True, save_generate_data_method: bool = True,
                   values_to_save=None) -> None:
        """Write the fitted model to `path` as JSON (not a pickle: safe to load from anywhere), atomically.
        ``save_data=False`` leaves ``.data`` out; the other arguments are lifetimes' and have nothing
        to do here (there is no generate-data closure to pickle)."""
        from .persistence import save_model
        save_model(self, path, save_data=save_data)

    def load_model(self, path):
        """Load a model written by :meth:`save_model` into this instance (lifetimes' call) and return it."""
        from .persistence import load_into
        return load_into(self, path)

    def _p(self, *names):
        if self.params_ is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit() first")
        return [self.params_[n] for n in names]

    def __repr__(self) -> str:
        if self.params_ is None:
            return f"<{type(self).__name__} (unfitted)>"
        ps = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"<{type(self).__name__} {ps}, log-likelihood={self.log_likelihood_:.2f}>"


class RFModel(BaseModel):
    """Transaction models fitted on (frequency, recency, T): the number of repeat purchases, the time
    of the last one and the length of observation, both times since the first purchase in the unit of
    the summary (weeks when :func:`~pipeline.clv.rfm_summary` is called with ``freq="W"``)."""

    def fit(self, frequency=None, recency=None, T=None, weights=None, initial_params=None,
            verbose: bool = False, tol: float | None = None, index=None, *, data: pd.DataFrame | None = None):
        """Fit on frequency, recency and T, positional as in lifetimes (``fit(f, r, T, weights)``), or on a
        summary table passed first (``fit(summary)``; columns frequency, recency, T or their ``_cal``
        variants; ``weights`` may then name a column).

        ``weights`` counts customers per row (lifetimes' aggregated patterns).  ``initial_params``: a
        mapping of parameters ({"r": 0.2, ...}) or, as in lifetimes, an array of log-parameters in
        ``params_`` order.  ``index`` labels the rows of ``.data`` (lifetimes' name); a summary table's
        own index is kept when ``index`` is not given.  ``verbose`` and ``tol`` are accepted for
        lifetimes' calls and do not change the fit: it always runs to a gradient below 1e-5."""
        if isinstance(frequency, pd.DataFrame):
            data, frequency = frequency, None
        cols, weights, index = fit_inputs({"frequency": frequency, "recency": recency, "T": T},
                                          {"frequency": ("frequency", "frequency_cal"),
                                           "recency": ("recency", "recency_cal"), "T": ("T", "T_cal")},
                                          data, weights, index)
        x, tx, TT = cols["frequency"], cols["recency"], cols["T"]
        check_rft(x, tx, TT)
        d, w = distinct_rows({"x": x, "t_x": tx, "T": TT}, weights)
        self.data = fitted_data({"frequency": x, "recency": tx, "T": TT}, weights, index)
        return self._fit_data(d, w, self._initial_log_params(initial_params))

    def conditional_probability_alive_matrix(self, max_frequency: int | None = None,
                                             max_recency: int | None = None) -> np.ndarray:
        """P(alive) on a grid, as lifetimes: rows are recency 0..max_recency, columns frequency
        0..max_frequency, all at T = max_recency (defaults: the largest frequency and T of ``.data``)."""
        if max_frequency is None or max_recency is None:
            if getattr(self, "data", None) is None:
                raise InputError("conditional_probability_alive_matrix needs max_frequency and max_recency "
                                 "on a model loaded without its data")
            max_frequency = int(self.data["frequency"].max()) if max_frequency is None else max_frequency
            max_recency = int(self.data["T"].max()) if max_recency is None else max_recency
        tx, x = np.meshgrid(np.arange(max_recency + 1.0), np.arange(max_frequency + 1.0), indexing="ij")
        return np.asarray(self.conditional_probability_alive(x, tx, float(max_recency)), dtype=float)

    def expected_probability_no_purchase(self, t, frequency, recency, T):
        """P(no purchase in (T, T + t] | frequency, recency, T) (PyMC-Marketing's name), t in the unit
        of the summary."""
        return self.conditional_probability_of_n_purchases_up_to_time(0, t, frequency, recency, T)

    def _scaled_columns(self, col):
        return ("t_x", "T") if col == "T" else (col,)

    def predict(self, t, frequency, recency, T):
        """Alias of conditional_expected_number_of_purchases_up_to_time (lifetimes' name)."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)


def check_rft(x, tx, T):
    """Refuse a summary the transaction models cannot describe: non-finite values, a fractional or
    negative frequency, a recency outside [0, T], a recency without repeat purchases."""
    if np.any(~np.isfinite(x) | ~np.isfinite(tx) | ~np.isfinite(T)):
        raise InputError("frequency, recency and T must be finite")
    if np.any(x < 0) or np.any(np.abs(x - np.round(x)) > 1e-9):
        raise InputError("frequency must be a non-negative integer")
    if np.any(tx < 0) or np.any(tx > T + 1e-9):
        raise InputError("recency must lie between 0 and T")
    if np.any((x == 0) & (tx != 0)):
        raise InputError("recency must be 0 when frequency is 0")
