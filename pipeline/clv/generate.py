"""Simulated customers from the customer-base models, under lifetimes' names and signatures.

Each function draws customers from a model with given parameters and returns lifetimes' columns, so
that a fit can be checked against the truth (do the estimates recover the parameters?). Two things
differ from lifetimes 0.11.3, on purpose:

* The draws are seeded (``seed=0`` by default): the same call gives the same customers. lifetimes
  draws from numpy's global state.
* ``frequency`` is the number of repeat purchases, as the models define it. lifetimes counts the
  distinct whole time units with a purchase (two purchases in one week are one), which is not what the
  likelihood assumes, so a fit on its data is biased.

Purchases are simulated without a per-customer loop: a customer's purchases in (0, T] are a Poisson
count with its rate, their times the order statistics of uniforms, and drop-out a geometric number of
purchases (BG/NBD, MBG/NBD) or an exponential lifetime (Pareto/NBD).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError


def _times(T, size: int) -> np.ndarray:
    T = np.asarray(T, dtype=float)
    T = np.full(size, float(T)) if T.ndim == 0 else T.ravel()
    if T.size != size:
        raise InputError(f"T has {T.size} values for size={size} customers")
    if np.any(~np.isfinite(T) | (T <= 0)):
        raise InputError("T (each customer's time since the first purchase) must be positive")
    return T


def _last_of(x: np.ndarray, n: np.ndarray, span: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The time of the x-th of n uniform arrivals on (0, span): span * Beta(x, n - x + 1); 0 when x = 0."""
    out = np.zeros(x.size)
    some = x > 0
    out[some] = span[some] * rng.beta(x[some], n[some] - x[some] + 1)
    return out


def _geometric_dropout(T, r, alpha, a, b, size, seed, repeat_only: bool):
    rng = np.random.default_rng(seed)
    T = _times(T, size)
    p = rng.beta(a, b, size=size)
    lam = rng.gamma(r, scale=1.0 / alpha, size=size)
    n = rng.poisson(lam * T)                        # arrivals in (0, T] if the customer never dropped out
    # purchases made before dropping out: geometric on {1, 2, ...} (BG/NBD: a coin after each repeat
    # purchase); MBG/NBD also tosses the coin at the first purchase, so one fewer
    k = rng.geometric(p) - (1 if repeat_only else 0)
    x = np.minimum(n, k)
    frame = pd.DataFrame({"frequency": x.astype(float), "recency": _last_of(x, n, T, rng), "T": T,
                          "lambda": lam, "p": p, "alive": k > n})
    frame.index = pd.RangeIndex(size, name="customer_id")
    return frame


def beta_geometric_nbd_model(T, r, alpha, a, b, size: int = 1, seed: int | None = 0) -> pd.DataFrame:
    """`size` BG/NBD customers observed for T (scalar or one per customer): frequency, recency, T,
    lambda (purchase rate), p (drop-out probability), alive (at T); indexed by customer_id."""
    return _geometric_dropout(T, r, alpha, a, b, size, seed, repeat_only=False)


def modified_beta_geometric_nbd_model(T, r, alpha, a, b, size: int = 1, seed: int | None = 0) -> pd.DataFrame:
    """`size` MBG/NBD customers (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but a customer may
    also drop out right after the first purchase. Columns as :func:`beta_geometric_nbd_model`."""
    return _geometric_dropout(T, r, alpha, a, b, size, seed, repeat_only=True)


def pareto_nbd_model(T, r, alpha, s, beta, size: int = 1, seed: int | None = 0) -> pd.DataFrame:
    """`size` Pareto/NBD customers observed for T: frequency, recency, T, lambda, mu (drop-out rate),
    alive (lifetime longer than T); indexed by customer_id."""
    rng = np.random.default_rng(seed)
    T = _times(T, size)
    lam = rng.gamma(r, scale=1.0 / alpha, size=size)
    mu = rng.gamma(s, scale=1.0 / beta, size=size)
    lifetime = rng.exponential(1.0 / mu)
    span = np.minimum(lifetime, T)
    x = rng.poisson(lam * span)
    frame = pd.DataFrame({"frequency": x.astype(float), "recency": _last_of(x, x, span, rng), "T": T,
                          "lambda": lam, "mu": mu, "alive": lifetime > T})
    frame.index = pd.RangeIndex(size, name="customer_id")
    return frame


def beta_geometric_beta_binom_model(N, alpha, beta, gamma, delta, size: int = 1, seed: int | None = 0) -> pd.DataFrame:
    """`size` BG/BB customers over N discrete opportunities (Fader, Hardie & Shang 2010): at each
    opportunity an alive customer first drops out with probability theta ~ beta(gamma, delta), then
    buys with probability p ~ beta(alpha, beta). Columns frequency (purchases), recency (the
    opportunity of the last one, 0 if none), n_periods (N), p, theta, alive (after N)."""
    rng = np.random.default_rng(seed)
    N_ = _times(N, size)
    if np.any(np.abs(N_ - np.round(N_)) > 1e-9):
        raise InputError("N (the number of opportunities) must be a whole number")
    N_ = N_.astype(int)
    p = rng.beta(alpha, beta, size=size)
    theta = rng.beta(gamma, delta, size=size)
    death = rng.geometric(theta)                     # the opportunity at which the customer drops out
    opportunities = np.arange(1, N_.max() + 1)
    alive_at = (opportunities[None, :] < death[:, None]) & (opportunities[None, :] <= N_[:, None])
    bought = alive_at & (rng.random((size, opportunities.size)) < p[:, None])
    frequency = bought.sum(axis=1)
    recency = np.where(frequency > 0, np.max(np.where(bought, opportunities[None, :], 0), axis=1), 0)
    frame = pd.DataFrame({"frequency": frequency.astype(float), "recency": recency.astype(float),
                          "n_periods": N_.astype(float), "p": p, "theta": theta, "alive": death > N_})
    frame.index = pd.RangeIndex(size, name="customer_id")
    return frame


def beta_geometric_nbd_model_transactional_data(T, r, alpha, a, b, observation_period_end="2019-1-1",
                                                freq: str = "D", size: int = 1,
                                                seed: int | None = 0) -> pd.DataFrame:
    """`size` BG/NBD customers as a transaction log (customer_id, date): each first buys T periods of
    `freq` ("D", "W", "h", ...) before ``observation_period_end``, then makes its repeat purchases until it
    drops out. Summarised with :func:`~pipeline.clv.summary_data_from_transaction_data` it gives back
    the customers (whole periods of `freq` apart)."""
    rng = np.random.default_rng(seed)
    T = _times(T, size)
    end = pd.Timestamp(observation_period_end)
    p = rng.beta(a, b, size=size)
    lam = rng.gamma(r, scale=1.0 / alpha, size=size)
    n = rng.poisson(lam * T)
    x = np.minimum(n, rng.geometric(p))
    # the first x of each customer's n arrivals: sorted uniforms, kept by rank
    owner = np.repeat(np.arange(size), n)
    when = rng.random(owner.size) * T[owner]
    order = np.lexsort((when, owner))
    owner, when = owner[order], when[order]
    rank = np.arange(owner.size) - np.repeat(np.cumsum(n) - n, n)
    keep = rank < x[owner]
    customers = np.concatenate([np.arange(size), owner[keep]])
    elapsed = np.concatenate([np.zeros(size), when[keep]])
    start = end - pd.to_timedelta(T, unit=freq)
    dates = start[customers] + pd.to_timedelta(elapsed, unit=freq)
    log = pd.DataFrame({"customer_id": customers, "date": dates})
    return log.sort_values(["customer_id", "date"], kind="stable").reset_index(drop=True)
