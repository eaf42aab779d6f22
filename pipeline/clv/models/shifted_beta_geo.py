"""sBG: the shifted-beta-geometric model of contractual retention (Fader & Hardie 2007, "How to project
customer retention"), fitted on a cohort's active counts per renewal period.

At each renewal a customer leaves with a churn probability that is beta(alpha, beta)-distributed across
customers; time t counts renewal periods (t = 0 is the start of the cohort).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

from ...errors import InputError
from ..arrays import as_array, wrap_like
from .base import BaseModel


class ShiftedBetaGeo(BaseModel):
    """sBG model of contract renewal (Fader & Hardie 2007).  params_: alpha, beta.

    ``fit(active)`` takes the number of customers still active at t = 0, 1, ..., n (t = 0 is the
    cohort size); customers lost in period t contribute log P(T = t), the survivors at n
    contribute log S(n).
    """

    _names = ("alpha", "beta")

    def fit(self, active, initial_params: Mapping[str, float] | None = None):
        a = as_array(active.to_numpy() if isinstance(active, pd.Series) else active).ravel()
        if a.size < 2:
            raise InputError("sBG needs the active counts for at least periods 0 and 1")
        if np.any(a < 0) or np.any(np.diff(a) > 0):
            raise InputError("active counts must be non-negative and non-increasing")
        n = a.size - 1
        lost = -np.diff(a)
        t = np.arange(1, n + 1, dtype=float)
        # rows: churn at t = 1..n (kind 0) and survivors at n (kind 1)
        d = {"t": np.append(t, float(n)), "kind": np.append(np.zeros(n), 1.0)}
        w = np.append(lost, a[-1])
        keep = w > 0
        d = {k: v[keep] for k, v in d.items()}
        x0 = None if initial_params is None else np.log([initial_params[k] for k in self._names])
        self.active_ = a
        return self._fit_data(d, w[keep], x0)

    @staticmethod
    def _ll(alpha, beta, t, kind):
        lb = special.betaln(alpha, beta)
        churn = special.betaln(alpha + 1, beta + t - 1) - lb
        surv = special.betaln(alpha, beta + t) - lb
        return np.where(kind > 0, surv, churn)

    def _loglik_rows(self, p, d):
        return self._ll(*p, d["t"], d["kind"])

    def survival(self, t):
        """S(t) = B(alpha, beta + t) / B(alpha, beta)."""
        alpha, beta = self._p("alpha", "beta")
        tt = as_array(t)
        return wrap_like(np.exp(special.betaln(alpha, beta + tt) - special.betaln(alpha, beta)), t)

    def churn_probability(self, t):
        """P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta), t >= 1."""
        alpha, beta = self._p("alpha", "beta")
        tt = as_array(t)
        return wrap_like(np.exp(special.betaln(alpha + 1, beta + tt - 1) - special.betaln(alpha, beta)), t)

    def retention_rate(self, t):
        """r_t = S(t) / S(t-1) = (beta + t - 1) / (alpha + beta + t - 1), t >= 1."""
        alpha, beta = self._p("alpha", "beta")
        tt = as_array(t)
        return wrap_like((beta + tt - 1) / (alpha + beta + tt - 1), t)

    def projected_active(self, n0: float, periods: int) -> pd.Series:
        """Expected active customers n0 S(t) for t = 0..periods."""
        t = np.arange(int(periods) + 1)
        return pd.Series(n0 * np.asarray(self.survival(t)), index=pd.Index(t, name="t"), name="active")

    def expected_residual_lifetime(self, t, discount_rate: float):
        """DERL: the discounted expected residual lifetime of a customer who has renewed t times (is
        active at t), in renewal periods (Fader & Hardie 2010, "Customer-base valuation in a contractual
        setting: the perils of ignoring heterogeneity", eq. 6 with n - 1 = t):

          DERL(d | t) = (beta + t) / (alpha + beta + t) 2F1(1, beta + t + 1; alpha + beta + t + 1; 1 / (1 + d))

        = sum over k >= 1 of P(still active at t + k | active at t) / (1 + d)^(k - 1): the payments of
        the renewals still to come, each discounted to the next renewal, the first undiscounted.
        Multiplied by the payment per period it is the customer's residual value.  ``discount_rate``
        is per renewal period (0.1 = 10% a year for annual contracts), > 0."""
        alpha, beta = self._p("alpha", "beta")
        tt = as_array(t)
        d = float(discount_rate)
        if not d > 0:
            raise InputError(f"discount_rate must be positive, got {discount_rate!r}")
        if np.any(tt < 0):
            raise InputError("t (renewals made) must be non-negative")
        res = (beta + tt) / (alpha + beta + tt) * special.hyp2f1(1.0, beta + tt + 1, alpha + beta + tt + 1, 1 / (1 + d))
        return wrap_like(res, t)
