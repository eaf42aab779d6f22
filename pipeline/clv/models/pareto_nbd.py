"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987) in the formulation of Fader & Hardie (2005), "A Note on
Deriving the Pareto/NBD Model and Related Expressions", fitted on frequency, recency and T.

Purchases follow a Poisson process with a gamma(r, alpha)-distributed rate; lifetimes are exponential with a
gamma(s, beta)-distributed drop-out rate (alpha and beta in the time unit of the summary).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ...errors import InputError
from ..arrays import as_array, first_series, on_distinct_rows, wrap_like
from ..numerics import log_A0_quadrature, log_hyp2f1_euler
from .base import RFModel

_GL64_NODES, _GL64_WEIGHTS = np.polynomial.legendre.leggauss(64)


class ParetoNBD(RFModel):
    """Pareto/NBD model, Fader & Hardie (2005) note formulation.  params_: r, alpha, s, beta."""

    _names = ("r", "alpha", "s", "beta")
    _scale_params = {"alpha": "T", "beta": "T"}

    def _x0(self, d, w):
        rate = max(float(w @ d["x"]) / max(float(w @ d["T"]), 1e-12), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, float(np.average(d["T"], weights=w))])

    @staticmethod
    def _log_A0(r, alpha, s, beta, x, tx, T, pairs=None):
        """log A_0 (Fader & Hardie 2005 note, eq. 19/20), choosing the 2F1 argument in [0, 1).

        The two 2F1 terms depend on (x, t_x) and on (x, T) only. ``pairs`` (see :func:`_distinct_pairs`)
        evaluates each on its distinct pairs, far fewer than the rows (a million customers at day
        resolution: about 100,000 rows but a few thousand pairs of each kind)."""
        # alpha and beta may be per customer (covariate models): choose the branch row by row
        larger_alpha = np.asarray(alpha) >= np.asarray(beta)
        dlt = np.abs(np.asarray(alpha) - np.asarray(beta))

        def term(xx, tt):
            bb = np.where(larger_alpha, s + 1.0, r + xx)
            big = np.where(larger_alpha, alpha, beta)
            rs = r + s + xx
            return log_hyp2f1_euler(rs, bb, rs + 1, dlt / (big + tt)) - rs * np.log(big + tt)

        if pairs is not None and np.ndim(alpha) == 0 and np.ndim(beta) == 0:
            (i1, x1, t1), (i2, x2, t2) = pairs
            l1, l2 = term(x1, t1)[i1], term(x2, t2)[i2]
        else:
            l1, l2 = term(x, tx), term(x, T)
        with np.errstate(all="ignore"):
            d = np.minimum(l2 - l1, 0.0)
            out = l1 + np.log(-np.expm1(d))  # -inf when t_x == T
        bad = ~(np.isfinite(l1) & np.isfinite(l2)) & (T > tx)
        if np.any(bad):
            x_, tx_, T_, a_, b_ = np.broadcast_arrays(x, tx, T, alpha, beta)
            out = np.array(np.broadcast_to(out, x_.shape), dtype=float)
            a_bad, b_bad = (a_[bad], b_[bad]) if np.ndim(alpha) or np.ndim(beta) else (alpha, beta)
            out[bad] = log_A0_quadrature(r, a_bad, s, b_bad, x_[bad], tx_[bad], T_[bad])
        return out

    @classmethod
    def _ll(cls, r, alpha, s, beta, x, tx, T, pairs=None):
        lA0 = cls._log_A0(r, alpha, s, beta, x, tx, T, pairs)
        first = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        second = np.log(s) - np.log(r + s + x) + lA0
        return (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                + np.logaddexp(first, second))

    def _loglik_rows(self, p, d):
        if "_pairs" not in d:
            d["_pairs"] = _distinct_pairs(d["x"], d["t_x"], d["T"])
        return self._ll(*p, d["x"], d["t_x"], d["T"], d["_pairs"])

    def _log_odds_dead(self, x, tx, T):
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        lA0 = self._log_A0(r, alpha, s, beta, x, tx, T)
        return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T) + lA0)

    def conditional_probability_alive(self, frequency, recency, T, future_t=0.0):
        """P(alive at T + future_t | x, t_x, T).  At future_t = 0 (lifetimes' call) it is
        1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A_0); a customer alive at T drops out at a rate
        that is gamma(s, beta + T) a posteriori, so is still alive future_t later with probability
        ((beta+T)/(beta+T+future_t))^s (PyMC-Marketing's ``expected_probability_alive(future_t)``)."""
        if np.any(as_array(future_t) < 0):
            raise InputError("future_t must be non-negative")
        _, _, s, beta = self._p("r", "alpha", "s", "beta")

        def alive(x, tx, TT, ft):
            return special.expit(-self._log_odds_dead(x, tx, TT)) * np.exp(-s * np.log1p(ft / (beta + TT)))

        res = on_distinct_rows(alive, frequency, recency, T, future_t, dedupe=np.ndim(beta) == 0)
        return wrap_like(res, first_series(frequency, recency, T, future_t))

    @staticmethod
    def _pmf(n, t, r, alpha, s, beta):
        """P(X(t) = n) of a Pareto/NBD customer with parameters (r, alpha, s, beta).

        Given the drop-out time tau, purchases are NBD(r, alpha) over min(tau, t); tau is exponential with a
        gamma(s, beta) rate, so P(tau > t) = (beta/(beta+t))^s with density s beta^s / (beta+tau)^(s+1):
          P(X(t) = n) = (beta/(beta+t))^s NBD(n; t) + int_0^t s beta^s (beta+tau)^-(s+1) NBD(n; tau) d tau.
        The integral is smooth in tau and is taken by 64-point Gauss-Legendre (relative error < 1e-12 at
        the CDNOW estimates; Fader & Hardie's closed form, 2006 note, needs a sum of 2F1 terms that
        cancel for large n)."""
        n, t, r, alpha, s, beta = np.broadcast_arrays(*(as_array(v) for v in (n, t, r, alpha, s, beta)))
        if np.any((n < 0) | (np.abs(n - np.round(n)) > 1e-9)):
            raise InputError("n (the number of purchases) must be a non-negative integer")

        const = (special.gammaln(r + n) - special.gammaln(r) - special.gammaln(n + 1))[..., None]
        r_, a_, n1 = r[..., None], alpha[..., None], n[..., None]

        def log_nbd(tau):
            """log NBD(n; r, alpha, tau) at each tau (last axis)."""
            with np.errstate(divide="ignore", invalid="ignore"):
                return const + r_ * np.log(a_ / (a_ + tau)) + np.where(n1 > 0, n1 * np.log(tau / (a_ + tau)), 0.0)

        tau = t[..., None] * (_GL64_NODES + 1) / 2          # nodes on (0, t)
        wq = t[..., None] * _GL64_WEIGHTS / 2
        dens = np.log(s)[..., None] + s[..., None] * np.log(beta)[..., None] - (s + 1)[..., None] * np.log(
            beta[..., None] + tau)
        integral = np.sum(wq * np.exp(dens + log_nbd(tau)), axis=-1)
        survive = np.exp(s * np.log(beta / (beta + t)) + log_nbd(t[..., None])[..., 0])
        return survive + integral

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n): the probability that a new customer makes n repeat purchases in (0, t]."""
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        return wrap_like(self._pmf(n, t, r, alpha, s, beta), first_series(t, n))

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(Y(t) = n | x, t_x, T): the probability of n purchases in (T, T + t] (lifetimes' name and
        argument order).  Alive at T, a customer's purchase and drop-out rates are a posteriori gamma(r + x,
        alpha + T) and gamma(s, beta + T), independent, and the future is a new Pareto/NBD customer's:
        P(Y(t) = n) = P(alive) P_new(X(t) = n; r + x, alpha + T, s, beta + T) + (1 - P(alive)) [n = 0]
        (equal to eq. 16 of Fader, Hardie & Lee's 2006 note, which lifetimes implements)."""
        r, alpha, s, beta = self._p("r", "alpha", "s", "beta")
        n_, tt, x, tx, TT = np.broadcast_arrays(*(as_array(v) for v in (n, t, frequency, recency, T)))
        alive = special.expit(-self._log_odds_dead(x, tx, TT))
        res = alive * self._pmf(n_, tt, r + x, alpha + TT, s, beta + TT) + (1 - alive) * (n_ == 0)
        return wrap_like(res, first_series(frequency, recency, T, t, n))

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

        def expected(tt, x, tx, TT):
            palive = special.expit(-self._log_odds_dead(x, tx, TT))
            return (r + x) * (beta + TT) / (alpha + TT) * self._one_minus_pow_over(s, beta + TT, tt) * palive

        # per-customer parameters (covariate models) are not in the rows' keys: evaluate every row then
        res = on_distinct_rows(expected, t, frequency, recency, T, dedupe=np.ndim(alpha) == 0 and np.ndim(beta) == 0)
        return wrap_like(res, first_series(frequency, recency, T, t))


def _distinct_pairs(x, tx, T):
    """The distinct (x, t_x) and (x, T) pairs of a fit's rows, each as (row -> pair index, x, time)."""
    out = []
    for t in (tx, T):
        keys, inverse = np.unique(np.column_stack([x, t]), axis=0, return_inverse=True)
        out.append((inverse.ravel(), keys[:, 0], keys[:, 1]))
    return tuple(out)
