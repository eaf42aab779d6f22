"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing (Fader, Hardie & Lee 2005,
"Counting your customers the easy way"), fitted on frequency, recency and T.

Purchases follow a Poisson process with a gamma(r, alpha)-distributed rate (alpha in the time unit of the
summary); after each purchase a customer drops out with a beta(a, b)-distributed probability.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from ...errors import InputError
from ..arrays import as_array, first_series, unique_x, wrap_like
from ..numerics import log_scale_objective_with_hessian
from .base import RFModel


class BetaGeo(RFModel):
    """BG/NBD model (Fader, Hardie & Lee 2005).  params_: r, alpha, a, b."""

    _names = ("r", "alpha", "a", "b")
    _scale_params = {"alpha": "T"}

    def _x0(self, d, w):
        # r/alpha ~ purchase rate; start near a sensible scale for alpha
        rate = max(float(w @ d["x"]) / max(float(w @ d["T"]), 1e-12), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, 1.0])

    @staticmethod
    def _ll(r, alpha, a, b, x, tx, T):
        base = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
        A = base + special.betaln(a, b + x) - (r + x) * np.log(alpha + T)
        with np.errstate(all="ignore"):
            B = base + special.betaln(a + 1, b + x - 1) - (r + x) * np.log(alpha + tx)
        return np.where(x > 0, np.logaddexp(A, np.where(x > 0, B, -np.inf)), A)

    def _terms(self, p, d):
        """Log-likelihood pieces; functions of x alone are evaluated once per distinct x."""
        r, alpha, a, b = p
        ux, xi = unique_x(d)
        x, tx, T = d["x"], d["t_x"], d["T"]
        rep_u = ux > 0
        bx1 = np.where(rep_u, b + ux - 1, 1.0)
        cu = special.gammaln(r + ux) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
        Au = cu + special.betaln(a, b + ux)
        Bu = np.where(rep_u, cu + special.betaln(a + 1, bx1), -np.inf)
        lT, lt = np.log(alpha + T), np.log(alpha + tx)
        A = Au[xi] - (r + x) * lT
        B = Bu[xi] - (r + x) * lt
        return np.logaddexp(A, B), A, B, lT, lt, ux, xi, bx1

    def _loglik_rows(self, p, d):
        return self._terms(p, d)[0]

    def _ll_and_grad_rows(self, p, d):
        r, alpha, a, b = p
        ll, A, B, lT, lt, ux, xi, bx1 = self._terms(p, d)
        x, tx, T = d["x"], d["t_x"], d["T"]
        psi = special.digamma
        wA, wB = np.exp(A - ll), np.exp(B - ll)      # shares of the two terms (wB = 0 when x == 0)
        pr = (psi(r + ux) - psi(r))[xi]
        pabx = psi(a + b + ux)
        pa_u = (psi(a) - pabx)[xi]
        pa1_u = (psi(a + 1) - pabx)[xi]
        pb_u = (psi(b + ux) - pabx)[xi]
        pb1_u = np.where(ux > 0, psi(bx1) - pabx, 0.0)[xi]
        d_r = pr + np.log(alpha) - wA * lT - wB * lt
        d_alpha = r / alpha - (r + x) * (wA / (alpha + T) + wB / (alpha + tx))
        d_a = -(psi(a) - psi(a + b)) + wA * pa_u + wB * pa1_u
        d_b = -(psi(b) - psi(a + b)) + wA * pb_u + wB * pb1_u
        return ll, np.column_stack([d_r, d_alpha, d_a, d_b])

    def _objective(self, d, w, n):
        """Mean negative log-likelihood in log-params, with analytic gradient, from reductions.

        Per row, ll = A + log(1 + e^D) with A = A_u - (r + x) log(alpha + T) and, for x > 0,
        D = log(a / (b + x - 1)) + (r + x) (log(alpha + T) - log(alpha + t_x)); A_u and the digamma
        terms depend on x alone (evaluated per distinct x, summed with per-x weights), so a gradient
        evaluation costs two logs, one expit / log-expit and a handful of dot products per row; rows
        with x = 0 (D = -inf) only enter through log(alpha + T).  Only weighted sums are formed: no
        per-row gradient matrix."""
        pen = self.penalizer_coef
        x, tx, T = d["x"], d["t_x"], d["T"]
        ux, xi = unique_x(d)
        W_u = np.bincount(xi, weights=w, minlength=ux.size)
        N = float(w.sum())
        rep = x > 0
        rep_u = ux > 0
        x1, tx1, w1, xi1 = x[rep], tx[rep], w[rep], xi[rep]
        wx = w * x
        bx1_u = np.where(rep_u, ux - 1.0, 0.0)          # b + x - 1 = b + bx1_u
        gammaln, psi, betaln = special.gammaln, special.digamma, special.betaln

        def core(lp, want_grad=True):
            r, alpha, a, b = np.exp(lp)
            la = math.log(alpha)
            lT = np.log(alpha + T)
            lT1 = lT[rep]
            lt1 = np.log(alpha + tx1)
            Au = gammaln(r + ux) - gammaln(r) + r * la - betaln(a, b) + betaln(a, b + ux)
            Du = np.where(rep_u, math.log(a) - np.log(b + bx1_u), 0.0)
            rx1 = r + x1
            D = Du[xi1] + rx1 * (lT1 - lt1)
            e = np.exp(-np.abs(D))
            sp = np.maximum(D, 0.0) + np.log1p(e)        # log(1 + e^D), stable
            s_lT, s_xlT = w @ lT, wx @ lT
            ll = W_u @ Au - r * s_lT - s_xlT + w1 @ sp
            val = -ll / n + pen * (r * r + alpha * alpha + a * a + b * b)
            if not want_grad:
                return val, None
            s = 1.0 / (1.0 + e)
            wB = np.where(D > 0, s, e * s)               # e^D / (1 + e^D): share of the "dropped out at t_x" term
            ww = w1 * wB
            wrx = w * r + wx
            wrx1B = ww * rx1
            inv_T = 1.0 / (alpha + T)
            pabx = psi(a + b + ux)
            wB_u = np.bincount(xi1, weights=ww, minlength=ux.size)
            g = np.array([
                W_u @ (psi(r + ux) - psi(r)) + N * la - s_lT - ww @ (lt1 - lT1),
                N * r / alpha - wrx @ inv_T - wrx1B @ (1.0 / (alpha + tx1) - inv_T[rep]),
                -N * (psi(a) - psi(a + b)) + W_u @ (psi(a) - pabx) + wB_u.sum() / a,
                -N * (psi(b) - psi(a + b)) + W_u @ (psi(b + ux) - pabx)
                - wB_u[rep_u] @ (1.0 / (b + bx1_u[rep_u])),
            ])
            return val, g

        return log_scale_objective_with_hessian(core, n, pen)

    def _log_odds_dead(self, x, tx, T):
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        with np.errstate(all="ignore"):
            lo = np.log(a) - np.log(b + x - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
        return np.where(x > 0, lo, -np.inf)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))."""
        x, tx, TT = np.broadcast_arrays(as_array(frequency), as_array(recency), as_array(T))
        return wrap_like(special.expit(-self._log_odds_dead(x, tx, TT)), first_series(frequency, recency, T))

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] for a new customer (eq. 9 of FHL 2005), with 2F1 in Euler-transformed form."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        tt = as_array(t)
        z = tt / (alpha + tt)
        # (alpha/(alpha+t))^r 2F1(r, b; a+b-1; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b-1; z)
        term = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, a + b - 1, z)
        return wrap_like((a + b - 1) / (a - 1) * (1 - term), t)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T] (eq. 10 of FHL 2005)."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        tt, x, tx, TT = np.broadcast_arrays(as_array(t), as_array(frequency), as_array(recency), as_array(T))
        z = tt / (alpha + TT + tt)
        # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)
        #   = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)       (Euler)
        with np.errstate(all="ignore"):
            term = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
        bad = ~np.isfinite(term)
        if np.any(bad):
            # a and b run to the search bound together (no heterogeneity in drop-out): the series
            # tends to (1 - q z)^-(r+x) with q = (b+x)/(a+b+x-1), its limit as a, b -> infinity
            b_bad = np.broadcast_to(b, x.shape)[bad]        # b may be per customer (covariate models)
            q = (b_bad + x[bad]) / (a + b_bad + x[bad] - 1)
            term = np.array(term, dtype=float)
            term[bad] = np.exp((r + x[bad]) * (np.log1p(-z[bad]) - np.log1p(-q * z[bad])))
        num = (a + b + x - 1) / (a - 1) * (1 - term)
        res = num * special.expit(-self._log_odds_dead(x, tx, TT))
        return wrap_like(res, first_series(frequency, recency, T, t))

    @staticmethod
    def _log_pmf(n, t, r, alpha, a, b):
        """log P(X(t) = n) of a BG/NBD customer with parameters (r, alpha, a, b) (eq. 8 of FHL 2005):
        B(a, b+n)/B(a, b) NBD(n; r, alpha, t) + [n>0] B(a+1, b+n-1)/B(a, b) [1 - sum_{j<n} NBD(j)],
        in log space; NBD(j; r, alpha, t) = Gamma(r+j)/(Gamma(r) j!) (alpha/(alpha+t))^r (t/(alpha+t))^j."""
        n, t, r, alpha, b = np.broadcast_arrays(*(as_array(v) for v in (n, t, r, alpha, b)))
        if np.any((n < 0) | (np.abs(n - np.round(n)) > 1e-9)):
            raise InputError("n (the number of purchases) must be a non-negative integer")
        with np.errstate(divide="ignore", invalid="ignore"):
            lp, lq = np.log(alpha / (alpha + t)), np.log(t / (alpha + t))

            def log_nbd(j):
                return special.gammaln(r + j) - special.gammaln(r) - special.gammaln(j + 1) + r * lp \
                    + np.where(j > 0, j * lq, 0.0)

            first = special.betaln(a, b + n) - special.betaln(a, b) + log_nbd(n)
            # 1 - sum_{j<n} NBD(j) is the upper tail P(NBD >= n): the regularised incomplete beta
            # I_{t/(alpha+t)}(n, r), accurate where the subtraction would cancel
            tail = np.log(special.betainc(np.maximum(n, 1), r, t / (alpha + t)))
            second = special.betaln(a + 1, b + n - 1) - special.betaln(a, b) + tail
        return np.where(n > 0, np.logaddexp(first, np.where(n > 0, second, -np.inf)), first)

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n): the probability that a new customer makes n repeat purchases in (0, t]
        (eq. 8 of FHL 2005; lifetimes' name and argument order)."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        return wrap_like(np.exp(self._log_pmf(n, t, r, alpha, a, b)), first_series(t, n))

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(Y(t) = n | x, t_x, T): the probability of n purchases in (T, T + t].

        A customer alive at T has the posterior rate gamma(r + x, alpha + T) and drop-out probability
        beta(a, b + x), and from T on behaves as a new BG/NBD customer with those parameters (the
        process is memoryless); one who has dropped out buys nothing.  So
        P(Y(t) = n) = P(alive) P_new(X(t) = n; r + x, alpha + T, a, b + x) + (1 - P(alive)) [n = 0]."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        n_, tt, x, tx, TT = np.broadcast_arrays(*(as_array(v) for v in (n, t, frequency, recency, T)))
        alive = special.expit(-self._log_odds_dead(x, tx, TT))
        res = alive * np.exp(self._log_pmf(n_, tt, r + x, alpha + TT, a, b + x)) + (1 - alive) * (n_ == 0)
        return wrap_like(res, first_series(frequency, recency, T, t, n))
