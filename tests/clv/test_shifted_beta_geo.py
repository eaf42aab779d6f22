"""Tests for pipeline.clv.ShiftedBetaGeo: Fader & Hardie (2007) "How to project customer retention"."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import clv
from pipeline.errors import InputError

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize("active, alpha, beta", [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_published(active, alpha, beta, close_to_published):
    # the paper fits years 0..7 (seven renewal opportunities) and projects years 8..12
    m = clv.ShiftedBetaGeo().fit(active)
    close_to_published(m.params_, {"alpha": alpha, "beta": beta})
    surv = m.survival(np.arange(8))
    assert surv[0] == 1.0 and np.all(np.diff(surv) < 0)
    # fitted counts track the data within a few customers
    proj = m.projected_active(1000, 12)
    assert list(proj.index) == list(range(13))
    np.testing.assert_allclose(proj.iloc[:8], active, rtol=0.03)
    # retention rate r_t = S(t)/S(t-1), increasing in t
    rr = m.retention_rate(np.arange(1, 13))
    np.testing.assert_allclose(rr[:7], surv[1:] / surv[:-1])
    assert np.all(np.diff(rr) > 0)
    assert m.churn_probability(1) == pytest.approx(1 - surv[1])


def test_sbg_rejects_increasing_counts():
    with pytest.raises(InputError):
        clv.ShiftedBetaGeo().fit([100, 120, 80])
