"""Gamma-Gamma: the model of average transaction value (Fader, Hardie & Lee 2005, "RFM and CLV: using
iso-value curves"; Fader & Hardie 2013, "The Gamma-Gamma model of monetary value"), fitted on the repeat
buyers' frequency and mean repeat-purchase value, with :meth:`GammaGamma.customer_lifetime_value` as in
lifetimes.

A customer's transaction values are gamma(p, nu) with a gamma(q, v)-distributed nu across customers
(``v``, the papers' gamma, is in the currency of the monetary values).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import special

from ...errors import InputError
from ..arrays import as_array, distinct_rows, first_series, fit_inputs, fitted_data, unique_x, wrap_like
from ..numerics import log_scale_objective
from .base import BaseModel

# lifetimes' customer_lifetime_value: periods of `freq` per month
_CLV_FACTOR = {"W": 4.345, "M": 1.0, "D": 30.0, "H": 30.0 * 24.0}


class GammaGamma(BaseModel):
    """Gamma-Gamma model of average transaction value.  params_: p, q, v (v = the papers' gamma).

    Fitted on repeat buyers (frequency > 0) with a positive monetary value; others are ignored
    (the count used is ``n_customers_``)."""

    _names = ("p", "q", "v")
    _scale_params = {"v": "m"}

    def _x0(self, d, w):
        """Method-of-moments start.  Given x, E[m] = p v / (q - 1) and
        E[m^2] / E[m]^2 = K (1 + 1 / (p x)) with K = (q - 1) / (q - 2): a weighted regression of the
        per-frequency ratio on 1/x gives K and K / p, hence p, q and v.  Falls back to (1, 2, mean m)."""
        m = d["m"]
        mean = float(np.average(m, weights=w))
        fallback = np.log([1.0, 2.0, mean])
        try:
            ux, xi = unique_x(d)
            W = np.bincount(xi, weights=w, minlength=ux.size)
            m1 = np.bincount(xi, weights=w * m, minlength=ux.size)
            m2 = np.bincount(xi, weights=w * m * m, minlength=ux.size)
            ok = W > 1
            if ok.sum() < 2:
                return fallback
            W, m1, m2, u = W[ok], m1[ok] / W[ok], m2[ok] / W[ok], 1.0 / ux[ok]
            ratio = m2 / m1 ** 2
            A = np.column_stack([np.ones_like(u), u]) * np.sqrt(W)[:, None]
            K, slope = np.linalg.lstsq(A, ratio * np.sqrt(W), rcond=None)[0]
            if not (K > 1.0 and slope > 0):
                return fallback
            p = K / slope
            q = (2 * K - 1) / (K - 1)
            v = mean * (q - 1) / p
            start = np.log([p, q, v])
            return start if np.all(np.isfinite(start)) else fallback
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return fallback

    def _objective(self, d, w, n):
        """Mean negative log-likelihood in log-params from sufficient statistics.

        The total log-likelihood is
          sum_u W_u [lgamma(p u + q) - lgamma(p u) - lgamma(q) + p u log u]      (u: distinct frequencies)
          + N q log v + p sum w x log m - sum w log m - sum w (p x + q) log(v + x m)
        so everything except log(v + x m) and 1/(v + x m) is precomputed here once; an evaluation
        costs one log and one reciprocal per row, a few dot products, and special functions of the
        distinct frequencies only.  The Hessian is analytic (trigamma)."""
        pen = self.penalizer_coef
        ux, xi = unique_x(d)
        x, m = d["x"], d["m"]
        W_u = np.bincount(xi, weights=w, minlength=ux.size)
        N = float(w.sum())
        z = x * m
        with np.errstate(all="ignore"):
            lm = np.log(m)
            logu = np.log(ux)
        wx = w * x
        S_lm, S_xlm = float(w @ lm), float(wx @ lm)
        WM = np.vstack([w, wx])                     # (2, rows): sums weighted by w and by w x
        WuU = W_u * ux
        WuU2 = WuU * ux
        S_Wlogu = float(WuU @ logu)
        gammaln, psi = special.gammaln, special.digamma

        def core(lp, want_grad=True):
            p, q, v = np.exp(lp)
            pu = p * ux
            vz = v + z
            lv = np.log(vz)
            s_lv, s_xlv = WM @ lv
            ll = (W_u @ (gammaln(pu + q) - gammaln(pu)) - N * gammaln(q) + p * S_Wlogu
                  + N * q * math.log(v) + p * S_xlm - S_lm - p * s_xlv - q * s_lv)
            val = -ll / n + pen * (p * p + q * q + v * v)
            if not want_grad:
                return val, None, None
            s_inv, s_xinv = WM @ (1.0 / vz)
            ppq, pp = psi(pu + q), psi(pu)
            g = np.array([WuU @ (ppq - pp) + S_Wlogu + S_xlm - s_xlv,
                          W_u @ ppq - N * psi(q) + N * math.log(v) - s_lv,
                          N * q / v - p * s_xinv - q * s_inv])
            return val, g, (p, q, v, pu, vz)

        nll, fun_grad, grad = log_scale_objective(core, n, pen)

        def hess(lp):
            lp = np.asarray(lp, float)
            with np.errstate(all="ignore"):
                _, g, (p, q, v, pu, vz) = core(lp)
                tg = special.polygamma(1, pu + q)
                inv = 1.0 / vz
                s_inv, s_xinv = WM @ inv
                s_inv2, s_xinv2 = WM @ (inv * inv)
                Hn = np.empty((3, 3))                       # Hessian of ll in natural parameters
                Hn[0, 0] = WuU2 @ (tg - special.polygamma(1, pu))
                Hn[0, 1] = Hn[1, 0] = WuU @ tg
                Hn[1, 1] = W_u @ tg - N * float(special.polygamma(1, q))
                Hn[0, 2] = Hn[2, 0] = -s_xinv
                Hn[1, 2] = Hn[2, 1] = N / v - s_inv
                Hn[2, 2] = -N * q / v ** 2 + p * s_xinv2 + q * s_inv2
            P = np.array([p, q, v])
            # f(lp) = -ll(exp lp)/n + pen sum P^2  =>  d2f = -(P Hn P + diag(g P))/n + diag(4 pen P^2)
            H = -(P[:, None] * Hn * P[None, :] + np.diag(g * P)) / n + np.diag(4 * pen * P ** 2)
            return (H + H.T) / 2

        return nll, fun_grad, grad, hess

    def fit(self, frequency=None, monetary_value=None, weights=None, initial_params=None, verbose: bool = False,
            tol: float | None = None, index=None, q_constraint: bool = False, *, data: pd.DataFrame | None = None):
        """Fit on frequency and monetary value, positional as in lifetimes (``fit(f, m)``), or on a
        summary table passed first (columns frequency, monetary_value or their ``_cal`` variants).

        ``q_constraint=True`` (lifetimes' option) keeps q >= 1, so that the population mean spend
        p v / (q - 1) is finite and positive.  ``weights``, ``initial_params``, ``index``, ``verbose``
        and ``tol`` as in :meth:`~pipeline.clv.BetaGeo.fit`."""
        if isinstance(frequency, pd.DataFrame):
            data, frequency = frequency, None
        cols, weights, index = fit_inputs({"frequency": frequency, "monetary_value": monetary_value},
                                          {"frequency": ("frequency", "frequency_cal"),
                                           "monetary_value": ("monetary_value", "monetary_value_cal")},
                                          data, weights, index)
        self._log_floor = {"q": 0.0} if q_constraint else {}
        x, m = cols["frequency"], cols["monetary_value"]
        w = np.ones_like(x) if weights is None else as_array(weights)
        keep = (x > 0) & (m > 0) & np.isfinite(m)
        n_zero = int(np.sum((x > 0) & ~(m > 0)))
        if n_zero:
            warnings.warn(f"GammaGamma: {n_zero} repeat buyer(s) with non-positive monetary value ignored",
                          RuntimeWarning, stacklevel=2)
        if not np.any(keep):
            raise InputError("GammaGamma needs repeat buyers (frequency > 0) with positive monetary value")
        self.data = fitted_data({"monetary_value": m, "frequency": x}, weights, index)
        d, w = distinct_rows({"x": x[keep], "m": m[keep]}, w[keep])
        return self._fit_data(d, w, self._initial_log_params(initial_params))

    @staticmethod
    def _ll(p, q, v, x, m):
        px = p * x
        return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
                + px * np.log(x) + (px - 1) * np.log(m) - (px + q) * np.log(v + x * m))

    def _loglik_rows(self, p, d):
        return self._ll_and_grad_rows(p, d, grad=False)[0]

    def _ll_and_grad_rows(self, p_, d, grad=True):
        p, q, v = p_
        ux, xi = unique_x(d)
        x, m = d["x"], d["m"]
        pux = p * ux
        lv = np.log(v + x * m)
        lm = np.log(m)
        cu = special.gammaln(pux + q) - special.gammaln(pux) - special.gammaln(q) + q * np.log(v) + pux * np.log(ux)
        px = p * x
        ll = cu[xi] + (px - 1) * lm - (px + q) * lv
        if not grad:
            return ll, None
        psi = special.digamma
        pq = psi(pux + q)
        d_p = x * ((pq - psi(pux) + np.log(ux))[xi] + lm - lv)
        d_q = (pq - psi(q))[xi] + np.log(v) - lv
        d_v = q / v - (px + q) / (v + x * m)
        return ll, np.column_stack([d_p, d_q, d_v])

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """E[M | x, zbar] = p (v + x zbar) / (p x + q - 1); population mean p v / (q - 1) when called
        without arguments (or for frequency 0)."""
        p, q, v = self._p("p", "q", "v")
        if frequency is None:
            return p * v / (q - 1)
        x, m = np.broadcast_arrays(as_array(frequency), as_array(monetary_value))
        res = p * (v + x * m) / (p * x + q - 1)
        return wrap_like(res, first_series(frequency, monetary_value))

    def customer_lifetime_value(self, transaction_model, frequency, recency, T, monetary_value,
                                time: int = 12, discount_rate: float = 0.01, freq: str = "D"):
        """Discounted CLV over `time` months, as lifetimes' ``customer_lifetime_value``.

        ``freq`` is the unit of frequency/recency/T ("W", "D", "M", "H"); the default is lifetimes'
        "D" (days), so pass ``freq="W"`` for a summary from :func:`~pipeline.clv.rfm_summary`, whose
        default unit is weeks.  ``discount_rate`` is monthly.
        Expected purchases per month come from the transaction model's conditional expectation,
        spend from :meth:`conditional_expected_average_profit`.
        """
        if freq not in _CLV_FACTOR:
            raise InputError(f"freq must be one of {sorted(_CLV_FACTOR)}, got {freq!r}")
        factor = _CLV_FACTOR[freq]
        spend = as_array(self.conditional_expected_average_profit(frequency, monetary_value))
        clv = np.zeros(np.broadcast(spend, as_array(T)).shape)
        prev = np.zeros_like(clv)
        for month in range(1, int(time) + 1):
            cum = as_array(transaction_model.conditional_expected_number_of_purchases_up_to_time(
                month * factor, frequency, recency, T))
            clv = clv + spend * (cum - prev) / (1 + discount_rate) ** month
            prev = cum
        out = wrap_like(clv, first_series(frequency, recency, T, monetary_value))
        if isinstance(out, pd.Series):
            out.name = "clv"
        return out
