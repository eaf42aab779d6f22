"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987) in the formulation of Fader & Hardie (2005), "A Note on
Deriving the Pareto/NBD Model and Related Expressions", fitted on frequency, recency and T.

Purchases follow a Poisson process with a gamma(r, alpha)-distributed rate; lifetimes are exponential with a
gamma(s, beta)-distributed drop-out rate (alpha and beta in the time unit of the summary).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..arrays import as_array, first_series, wrap_like
from ..numerics import log_A0_quadrature, log_hyp2f1_euler
from .base import RFModel


class ParetoNBD(RFModel):
    """Pareto/NBD model, Fader & Hardie (2005) note formulation.  params_: r, alpha, s, beta."""

    _names = ("r", "alpha", "s", "beta")
    _scale_params = {"alpha": "T", "beta": "T"}

    def _x0(self, d, w):
        rate = max(float(w @ d["x"]) / max(float(w @ d["T"]), 1e-12), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, float(np.average(d["T"], weights=w))])

    @staticmethod
    def _log_A0(r, alpha, s, beta, x, tx, T):
        """log A_0 (Fader & Hardie 2005 note, eq. 19/20), choosing the 2F1 argument in [0, 1)."""
        rsx = r + s + x
        if alpha >= beta:
            bb, big = s + 1.0, alpha
        else:
            bb, big = r + x, beta
        dlt = abs(alpha - beta)
        z1, z2 = dlt / (big + tx), dlt / (big + T)
        l1 = log_hyp2f1_euler(rsx, bb, rsx + 1, z1) - rsx * np.log(big + tx)
        l2 = log_hyp2f1_euler(rsx, bb, rsx + 1, z2) - rsx * np.log(big + T)
        with np.errstate(all="ignore"):
            d = np.minimum(l2 - l1, 0.0)
            out = l1 + np.log(-np.expm1(d))  # -inf when t_x == T
        bad = ~(np.isfinite(l1) & np.isfinite(l2)) & (T > tx)
        if np.any(bad):
            x_, tx_, T_ = np.broadcast_arrays(x, tx, T)
            out = np.array(np.broadcast_to(out, x_.shape), dtype=float)
            out[bad] = log_A0_quadrature(r, alpha, s, beta, x_[bad], tx_[bad], T_[bad])
        return out

    @classmethod
    def _ll(cls, r, alpha, s, beta, x, tx, T):
        lA0 = cls._log_A0(r, alpha, s, beta, x, tx, T)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        second = np.log(s) - np.log(r + s + x) + lA0
        return (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                + np.logaddexp(first, second))

    def _loglik_rows(self, p, d):
        return self._ll(*p, d["x"], d["t_x"], d["T"])

    def _log_odds_dead(self, x, tx, T):
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        lA0 = self._log_A0(r, alpha, s, beta, x, tx, T)
        return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + lA0)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0)."""
        x, tx, TT = np.broadcast_arrays(as_array(frequency), as_array(recency), as_array(T))
        return wrap_like(special.expit(-self._log_odds_dead(x, tx, TT)), first_series(frequency, recency, T))

    @staticmethod
    def _one_minus_pow_over(s, base, t):
        """[1 - (base/(base+t))^(s-1)] / (s-1), continuous at s = 1 (-> log(1+t/base))."""
        lg = np.log1p(t / base)
        if abs(s - 1.0) < 1e-10:
            return lg
        return -np.expm1(-(s - 1.0) * lg) / (s - 1.0)

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        tt = as_array(t)
        return wrap_like(r * beta / alpha * self._one_minus_pow_over(s, beta, tt), t)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T] = (r+x)(beta+T)/((alpha+T)(s-1)) [1-((beta+T)/(beta+T+t))^(s-1)] P(alive)."""
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        tt, x, tx, TT = np.broadcast_arrays(as_array(t), as_array(frequency), as_array(recency), as_array(T))
        palive = special.expit(-self._log_odds_dead(x, tx, TT))
        res = (r + x) * (beta + TT) / (alpha + TT) * self._one_minus_pow_over(s, beta + TT, tt) * palive
        return wrap_like(res, first_series(frequency, recency, T, t))
