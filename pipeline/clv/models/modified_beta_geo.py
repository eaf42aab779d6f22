"""MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007, "Empirical validation and
comparison of models for customer base analysis") and Hoppe & Wagner (2007), fitted on frequency,
recency and T.

As BG/NBD, but a customer may also drop out right after the first purchase (with the same
beta(a, b)-distributed probability p as after each repeat purchase), so a customer without repeat
purchases is not certainly alive. Parameters have BG/NBD's names and units.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..arrays import as_array, first_series, unique_x, wrap_like
from ..numerics import log_scale_objective_with_hessian
from .base import RFModel
from .beta_geo import BetaGeo


class ModifiedBetaGeo(RFModel):
    """MBG/NBD model (Batislam et al. 2007).  params_: r, alpha, a, b.

    Per customer, with x repeat purchases, the last at t_x, observed for T (lifetimes' form):
      L = Gamma(r+x) alpha^r / Gamma(r) * [B(a, b+x+1) (alpha+T)^-(r+x) + B(a+1, b+x) (alpha+t_x)^-(r+x)] / B(a, b).
    Alive at T means the customer survived x + 1 tosses of the drop-out coin: a posteriori p is
    beta(a, b + x + 1) and the rate gamma(r + x, alpha + T), and from T on the customer is a BG/NBD
    customer with those parameters; the predictions below follow from that."""

    _names = ("r", "alpha", "a", "b")
    _scale_params = {"alpha": "T"}

    def _x0(self, d, w):
        rate = max(float(w @ d["x"]) / max(float(w @ d["T"]), 1e-12), 1e-6)
        return np.log([1.0, 1.0 / rate, 1.0, 1.0])

    def _ll_and_grad_rows(self, p, d):
        r, alpha, a, b = p
        x, tx, T = d["x"], d["t_x"], d["T"]
        psi = special.digamma
        lT, lt = np.log(alpha + T), np.log(alpha + tx)
        A4 = np.log(a) - np.log(b + x) + (r + x) * (lT - lt)
        gl = special.gammaln
        ll = (gl(r + x) - gl(r) + r * np.log(alpha) + gl(a + b) + gl(b + x + 1) - gl(b) - gl(a + b + x + 1)
              - (r + x) * lT + np.logaddexp(A4, 0.0))
        s = special.expit(A4)             # the share of the "dropped out after the last purchase" term
        d_r = psi(r + x) - psi(r) + np.log(alpha) - lT + s * (lT - lt)
        d_alpha = r / alpha - (r + x) / (alpha + T) + s * (r + x) * (1 / (alpha + T) - 1 / (alpha + tx))
        d_a = psi(a + b) - psi(a + b + x + 1) + s / a
        d_b = psi(a + b) + psi(b + x + 1) - psi(b) - psi(a + b + x + 1) - s / (b + x)
        return ll, np.column_stack([d_r, d_alpha, d_a, d_b])

    def _loglik_rows(self, p, d):
        return self._ll_and_grad_rows(p, d)[0]

    def _objective(self, d, w, n):
        """Mean negative log-likelihood in log-params with its analytic gradient, from reductions: the
        terms in x alone (gamma functions, digammas) per distinct x, two logs and one log-expit per row
        (the per-row form is :meth:`_ll_and_grad_rows`; the same numbers, without a gradient matrix)."""
        pen = self.penalizer_coef
        x, tx, T = d["x"], d["t_x"], d["T"]
        ux, xi = unique_x(d)
        W_u = np.bincount(xi, weights=w, minlength=ux.size)
        N = float(w.sum())
        wx = w * x
        gl, psi = special.gammaln, special.digamma

        def core(lp, want_grad=True):
            r, alpha, a, b = np.exp(lp)
            lT, lt = np.log(alpha + T), np.log(alpha + tx)
            Au = gl(r + ux) - gl(r) + r * np.log(alpha) + gl(a + b) + gl(b + ux + 1) - gl(b) - gl(a + b + ux + 1)
            A4 = (np.log(a) - np.log(b + ux))[xi] + (r + x) * (lT - lt)
            sp = np.maximum(A4, 0.0) + np.log1p(np.exp(-np.abs(A4)))      # log(1 + e^A4), stable
            ll = W_u @ Au - r * (w @ lT) - wx @ lT + w @ sp
            val = -ll / n + pen * (r * r + alpha * alpha + a * a + b * b)
            if not want_grad:
                return val, None
            ws = w * special.expit(A4)
            wrx = w * r + wx
            ws_u = np.bincount(xi, weights=ws, minlength=ux.size)
            inv_T, inv_t = 1.0 / (alpha + T), 1.0 / (alpha + tx)
            g = np.array([
                W_u @ (psi(r + ux) - psi(r)) + N * np.log(alpha) - w @ lT + ws @ (lT - lt),
                N * r / alpha - wrx @ inv_T + (ws * (r + x)) @ (inv_T - inv_t),
                N * psi(a + b) - W_u @ psi(a + b + ux + 1) + ws_u.sum() / a,
                N * (psi(a + b) - psi(b)) + W_u @ (psi(b + ux + 1) - psi(a + b + ux + 1)) - ws_u @ (1.0 / (b + ux)),
            ])
            return val, g

        return log_scale_objective_with_hessian(core, n, pen)

    def _log_odds_dead(self, x, tx, T):
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive at T | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)); below 1 also at x = 0."""
        x, tx, TT = np.broadcast_arrays(as_array(frequency), as_array(recency), as_array(T))
        return wrap_like(special.expit(-self._log_odds_dead(x, tx, TT)), first_series(frequency, recency, T))

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)] = b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))]: a new customer survives
        the first toss with probability b/(a+b), then is a BG/NBD customer with b + 1."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        tt = as_array(t)
        hyp = special.hyp2f1(r, b + 1, a + b, tt / (alpha + tt))
        return wrap_like(b / (a - 1) * (1 - hyp * (alpha / (alpha + tt)) ** r), t)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T] = P(alive) (a+b+x)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        2F1(r+x, b+x+1; a+b+x; t/(alpha+T+t))] (lifetimes' and BTYDplus' form)."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        tt, x, tx, TT = np.broadcast_arrays(as_array(t), as_array(frequency), as_array(recency), as_array(T))
        hyp = special.hyp2f1(r + x, b + x + 1, a + b + x, tt / (alpha + TT + tt))
        mean_alive = (a + b + x) / (a - 1) * (1 - hyp * ((alpha + TT) / (alpha + TT + tt)) ** (r + x))
        res = mean_alive * special.expit(-self._log_odds_dead(x, tx, TT))
        return wrap_like(res, first_series(frequency, recency, T, t))

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n) = a/(a+b) [n = 0] + b/(a+b) P_BG/NBD(X(t) = n; r, alpha, a, b + 1): dropped out at
        the first purchase, or survived it and a BG/NBD customer after (lifetimes' result, rearranged)."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        n_ = as_array(n)
        res = a / (a + b) * (n_ == 0) + b / (a + b) * np.exp(BetaGeo._log_pmf(n, t, r, alpha, a, b + 1))
        return wrap_like(res, first_series(t, n))

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(Y(t) = n | x, t_x, T) = P(alive) P_BG/NBD(X(t) = n; r + x, alpha + T, a, b + x + 1)
        + (1 - P(alive)) [n = 0]."""
        r, alpha, a, b = self._p("r", "alpha", "a", "b")
        n_, tt, x, tx, TT = np.broadcast_arrays(*(as_array(v) for v in (n, t, frequency, recency, T)))
        alive = special.expit(-self._log_odds_dead(x, tx, TT))
        res = alive * np.exp(BetaGeo._log_pmf(n_, tt, r + x, alpha + TT, a, b + x + 1)) + (1 - alive) * (n_ == 0)
        return wrap_like(res, first_series(frequency, recency, T, t, n))
