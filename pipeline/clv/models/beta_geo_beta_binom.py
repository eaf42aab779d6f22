"""BG/BB: the beta-geometric / beta-binomial model of discrete transaction opportunities (Fader, Hardie &
Shang 2010, "Customer-base analysis in a discrete-time noncontractual setting"), fitted on frequency,
recency and the number of opportunities.

At each opportunity (a yearly fund-raiser, a weekly event) an alive customer buys with probability
p ~ beta(alpha, beta); before each opportunity it drops out with probability theta ~ beta(gamma, delta).
Times count opportunities: recency is the opportunity of the last purchase (0 without one).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ...errors import InputError
from ..arrays import as_array, distinct_rows, first_series, fit_inputs, fitted_data, on_distinct_rows, wrap_like
from .base import BaseModel


class BetaGeoBetaBinom(BaseModel):
    """BG/BB model (Fader, Hardie & Shang 2010).  params_: alpha, beta, gamma, delta (lifetimes' names).

    Per customer with x purchases, the last at opportunity t_x, out of n (eq. 5 of the paper):
      L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
          + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta) B(gamma+1, delta+t_x+i)/B(gamma, delta)."""

    _names = ("alpha", "beta", "gamma", "delta")

    def fit(self, frequency=None, recency=None, n_periods=None, weights=None, initial_params=None,
            verbose: bool = False, tol: float | None = None, index=None, *, data: pd.DataFrame | None = None):
        """Fit on frequency, recency and n_periods (lifetimes' names and order; a summary table passed first
        may name them frequency, recency and n_periods or periods).  ``weights``, ``initial_params``,
        ``index``, ``verbose`` and ``tol`` as in :meth:`~pipeline.clv.BetaGeo.fit`."""
        if isinstance(frequency, pd.DataFrame):
            data, frequency = frequency, None
        cols, weights, index = fit_inputs({"frequency": frequency, "recency": recency, "n_periods": n_periods},
                                          {"frequency": ("frequency",), "recency": ("recency",),
                                           "n_periods": ("n_periods", "periods")}, data, weights, index)
        x, tx, n = cols["frequency"], cols["recency"], cols["n_periods"]
        _check_discrete(x, tx, n)
        self.data = fitted_data({"frequency": x, "recency": tx, "n_periods": n}, weights, index)
        d, w = distinct_rows({"x": x, "t_x": tx, "n": n}, weights)
        return self._fit_data(d, w, self._initial_log_params(initial_params))

    @staticmethod
    def _ll(alpha, beta, gamma, delta, x, tx, n):
        x, tx, n = np.broadcast_arrays(as_array(x), as_array(tx), as_array(n))
        lab, lgd = special.betaln(alpha, beta), special.betaln(gamma, delta)
        survived = special.betaln(alpha + x, beta + n - x) - lab + special.betaln(gamma, delta + n) - lgd
        gaps = n - tx                                    # opportunities after the last purchase
        i = np.arange(max(int(gaps.max()) if gaps.size else 0, 1))
        with np.errstate(invalid="ignore"):
            terms = (special.betaln(alpha + x[..., None], beta + (tx - x)[..., None] + i)
                     + special.betaln(gamma + 1, delta + tx[..., None] + i) - lab - lgd)
        terms = np.where(i < gaps[..., None], terms, -np.inf)
        dropped = special.logsumexp(terms, axis=-1)
        return np.logaddexp(survived, dropped)

    def _loglik_rows(self, p, d):
        return self._ll(*p, d["x"], d["t_x"], d["n"])

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive at opportunity n + m | x, t_x, n) = B(alpha+x, beta+n-x)/B(alpha, beta)
        B(gamma, delta+n+m)/B(gamma, delta) / L (lifetimes' argument order; m = 0: alive now)."""
        alpha, beta, gamma, delta = self._p("alpha", "beta", "gamma", "delta")

        def alive(m, x, tx, n):
            return np.exp(special.betaln(alpha + x, beta + n - x) - special.betaln(alpha, beta)
                          + special.betaln(gamma, delta + n + m) - special.betaln(gamma, delta)
                          - self._ll(alpha, beta, gamma, delta, x, tx, n))

        res = on_distinct_rows(alive, m_periods_in_future, frequency, recency, n_periods)
        return wrap_like(res, first_series(frequency, recency, n_periods, m_periods_in_future))

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency, n_periods):
        """E[purchases in opportunities n+1 .. n+m | x, t_x, n] (eq. 13 of FHS 2010):
        B(alpha+x+1, beta+n-x)/B(alpha, beta) delta/(gamma-1) Gamma(gamma+delta)/Gamma(1+delta)
        [Gamma(1+delta+n)/Gamma(gamma+delta+n) - Gamma(1+delta+n+m)/Gamma(gamma+delta+n+m)] / L."""
        alpha, beta, gamma, delta = self._p("alpha", "beta", "gamma", "delta")
        gl = special.gammaln

        def expected(m, x, tx, n):
            log_front = (special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
                         + gl(gamma + delta) - gl(1 + delta) - self._ll(alpha, beta, gamma, delta, x, tx, n))
            bracket = np.exp(gl(1 + delta + n) - gl(gamma + delta + n)) - np.exp(gl(1 + delta + n + m)
                                                                                 - gl(gamma + delta + n + m))
            return np.exp(log_front) * delta / (gamma - 1) * bracket

        res = on_distinct_rows(expected, m_periods_in_future, frequency, recency, n_periods)
        return wrap_like(res, first_series(frequency, recency, n_periods, m_periods_in_future))

    def probability_of_n_purchases_up_to_time(self, n_periods, x):
        """P(X(n) = x): the probability of x purchases in the first n opportunities (eq. 7 of FHS 2010)."""
        alpha, beta, gamma, delta = self._p("alpha", "beta", "gamma", "delta")
        n, xx = np.broadcast_arrays(as_array(n_periods), as_array(x))
        lab, lgd = special.betaln(alpha, beta), special.betaln(gamma, delta)

        def log_choose(a, b):
            return special.gammaln(a + 1) - special.gammaln(b + 1) - special.gammaln(a - b + 1)

        first = np.where(xx <= n, np.exp(log_choose(n, xx) + special.betaln(alpha + xx, beta + n - xx) - lab
                                         + special.betaln(gamma, delta + n) - lgd), 0.0)
        i = np.arange(int(n.max()) if n.size else 0)
        x1 = xx[..., None]
        with np.errstate(invalid="ignore"):
            terms = np.exp(log_choose(i, x1) + special.betaln(alpha + x1, beta + i - x1)
                           - lab + special.betaln(gamma + 1, delta + i) - lgd)
        second = np.sum(np.where((i >= x1) & (i < n[..., None]), terms, 0.0), axis=-1)
        return wrap_like(first + second, first_series(n_periods, x))

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> pd.DataFrame:
        """Expected customers with 0..n purchases in the first n opportunities, for as many customers as
        were fitted (lifetimes' name; its ``model`` column)."""
        total = float(self.data["weights"].sum()) if self.data is not None else 1.0
        x = np.arange(int(n) + 1)
        return pd.DataFrame({"model": total * np.asarray(self.probability_of_n_purchases_up_to_time(n, x))},
                            index=pd.Index(x, name="frequency"))


def _check_discrete(x, tx, n):
    for name, v in (("frequency", x), ("recency", tx), ("n_periods", n)):
        if np.any(~np.isfinite(v) | (v < 0) | (np.abs(v - np.round(v)) > 1e-9)):
            raise InputError(f"{name} must be a non-negative whole number of opportunities", column=name)
    if np.any(x > tx) or np.any(tx > n):
        raise InputError("need frequency <= recency <= n_periods (x purchases, the last at opportunity t_x, of n)")
    if np.any((x == 0) & (tx != 0)):
        raise InputError("recency must be 0 when frequency is 0", column="recency")
