"""Shared fixtures of the pipeline.clv tests: the CDNOW data and fits on it, a synthetic summary.

Published-value tests use the CDNOW data shipped with lifetimes, read from
../shared/data/real/cdnow_lifetimes (skipped when absent; the data is never copied into the repo).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import clv

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
CDNOW = REAL / "cdnow_lifetimes"


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"CDNOW data not available at {path} (shared real-data folder absent)")
    return path


@pytest.fixture(scope="session")
def cdnow_tx() -> pd.DataFrame:
    """The 1/10 CDNOW sample: master id, sample id (1..2357), date, number of CDs, dollars."""
    path = _need(CDNOW / "CDNOW_sample.txt")
    d = pd.read_csv(path, sep=r"\s+", header=None, names=["master_id", "customer_id", "date", "cds", "amount"],
                    dtype={"master_id": str, "customer_id": int, "date": str})
    d["order_date"] = pd.to_datetime(d["date"], format="%Y%m%d")
    return d


@pytest.fixture(scope="session")
def cdnow_raw() -> pd.DataFrame:
    """The 1/10 CDNOW sample as lifetimes loads it: integer YYYYMMDD dates (19970101), nothing parsed."""
    return pd.read_csv(_need(CDNOW / "CDNOW_sample.txt"), sep=r"\s+", header=None,
                       names=["master_id", "customer_id", "date", "cds", "amount"])


@pytest.fixture(scope="session")
def cdnow_cal(cdnow_tx) -> pd.DataFrame:
    """The papers' calibration summary: 39 weeks 1997-01-01..1997-09-30, weekly units."""
    return clv.rfm_summary(cdnow_tx, "customer_id", "order_date", "amount", freq="W",
                           observation_end="1997-09-30")


@pytest.fixture(scope="session")
def cdnow_cal_holdout(cdnow_tx) -> pd.DataFrame:
    return clv.rfm_summary(cdnow_tx, "customer_id", "order_date", "amount", freq="W",
                           observation_end="1998-06-30", calibration_end="1997-09-30")


@pytest.fixture(scope="session")
def bg_cdnow(cdnow_cal):
    return clv.BetaGeo().fit(cdnow_cal)


@pytest.fixture(scope="session")
def pn_cdnow(cdnow_cal):
    return clv.ParetoNBD().fit(cdnow_cal)


@pytest.fixture(scope="session")
def gg_cdnow(cdnow_cal):
    return clv.GammaGamma().fit(cdnow_cal)


@pytest.fixture(scope="session")
def cdnow_shipped_summary() -> pd.DataFrame:
    """lifetimes' own CDNOW summary, indexed by ID: x, t_x, T (weeks, rounded to 2 decimals), zbar (dollars)."""
    return pd.read_csv(_need(CDNOW / "cdnow_customers_summary_with_transactions.csv")).set_index("ID")


@pytest.fixture(scope="session")
def close_to_published():
    """``check(estimates, published, tol=0.01)``: each published parameter matched within `tol`, relative."""

    def check(est: dict, published: dict, tol: float = 0.01):
        for k, v in published.items():
            assert est[k] == pytest.approx(v, rel=tol), f"{k}: {est[k]:.4f} vs published {v}"

    return check


@pytest.fixture
def synthetic_summary() -> pd.DataFrame:
    """Small summary simulated from BG/NBD (CDNOW-like parameters, weeks, day-resolution recency)
    with Gamma-Gamma spend: 1,500 customers, seed 1."""
    n, seed = 1500, 1
    rng = np.random.default_rng(seed)
    T = rng.integers(190, 273, n) / 7
    lam = rng.gamma(0.25, 1 / 4.4, n)
    p = rng.beta(0.8, 2.4, n)
    x = np.zeros(n, dtype=int)
    t = np.zeros(n)
    last = np.zeros(n)
    idx = np.arange(n)
    while idx.size:
        t[idx] += rng.exponential(1.0, idx.size) / np.maximum(lam[idx], 1e-300)
        idx = idx[t[idx] <= T[idx]]
        x[idx] += 1
        last[idx] = np.floor(t[idx] * 7) / 7
        idx = idx[rng.random(idx.size) >= p[idx]]
    nu = rng.gamma(3.7, 1 / 15.4, n)
    m = np.where(x > 0, np.round(rng.gamma(6.25 * np.maximum(x, 1), 1 / (nu * np.maximum(x, 1))), 2), 0.0)
    return pd.DataFrame({"frequency": x, "recency": last, "T": T, "monetary_value": m})
