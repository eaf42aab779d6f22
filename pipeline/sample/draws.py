"""Small random-draw helpers shared by the per-table simulations (each call makes exactly one draw)."""

from __future__ import annotations

import numpy as np


def pick(rng: np.random.Generator, seq):
    """One element of ``seq``, uniformly (one ``rng.integers`` draw)."""
    return seq[int(rng.integers(len(seq)))]


def pick_weighted(rng: np.random.Generator, keys, probs):
    """One of ``keys`` with probabilities proportional to ``probs`` (one ``rng.choice`` draw)."""
    probs = np.asarray(probs, dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]
