"""Small statistical helpers shared by the analyses."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats


def wilson_interval(successes, trials, confidence: float = 0.95):
    """Wilson score interval for a binomial proportion (better than the normal interval near 0 or 1).

    Element-wise: ``successes`` and ``trials`` may be scalars, arrays or Series. Returns
    ``(low, high)``: two floats for scalar input, else two float arrays; NaN where ``trials`` is 0
    (or missing). E.g. 81/263 at 95%: (0.2553, 0.3662) (Newcombe 1998, table I).
    """
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        # the interval contains p mathematically; rounding at p = 0 or 1 can put it a hair outside
        low = np.minimum(np.clip(centre - half, 0, 1), p)
        high = np.maximum(np.clip(centre + half, 0, 1), p)
    bad = ~(n > 0)
    low, high = np.where(bad, np.nan, low), np.where(bad, np.nan, high)
    if scalar:
        return float(low), float(high)
    return low, high


def rate_table(frame: pd.DataFrame, by: Sequence[str], flag: str, *, count: str, hits: str, rate: str,
                confidence: float) -> pd.DataFrame:
    """Decided rows per group, hits, rate and Wilson interval (NA flags excluded)."""
    f = frame.loc[frame[flag].notna(), [*by, flag]].copy()
    f[flag] = f[flag].astype(bool)
    g = f.groupby(list(by), dropna=False, observed=True, sort=True)[flag]
    out = pd.DataFrame({count: g.size(), hits: g.sum()}).reset_index()
    out[count] = out[count].astype("int64")
    out[hits] = out[hits].astype("int64")
    out[rate] = out[hits] / out[count]
    out["ci_low"], out["ci_high"] = wilson_interval(out[hits], out[count], confidence)
    return out
