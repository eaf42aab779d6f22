"""Tests for the models' shared base (pipeline.clv.models.base): weights, unfitted use, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError


@pytest.mark.parametrize("model", [clv.BetaGeo, clv.ParetoNBD, clv.GammaGamma])
def test_weighted_fit_equals_duplicated_rows(model, synthetic_summary):
    base = synthetic_summary
    k = np.random.default_rng(7).integers(1, 4, len(base))
    dup = base.loc[base.index.repeat(k)].reset_index(drop=True)
    a = model().fit(dup)
    b = model().fit(base, weights=k)
    for name in a.params_:
        assert a.params_[name] == pytest.approx(b.params_[name], rel=1e-6)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-9)
    assert a.n_customers_ == b.n_customers_
    if model is not clv.GammaGamma:          # Gamma-Gamma counts repeat buyers only
        assert a.n_customers_ == k.sum()


def test_unfitted_and_bad_input():
    with pytest.raises(RuntimeError):
        clv.BetaGeo().conditional_probability_alive(1, 1, 2)
    with pytest.raises(InputError):
        clv.BetaGeo().fit(pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [3.0]}))
    with pytest.raises(InputError):
        clv.BetaGeo().fit(pd.DataFrame({"frequency": [1], "recency": [1.0]}))


def test_on_distinct_rows_equals_row_by_row():
    from pipeline.clv.arrays import on_distinct_rows
    rng = np.random.default_rng(0)
    x = rng.integers(0, 5, 10000).astype(float)
    t = rng.integers(0, 3, 10000).astype(float)
    calls = []

    def f(a, b):
        calls.append(a.size)
        return a * 10 + b

    out = on_distinct_rows(f, x, t)
    np.testing.assert_array_equal(out, x * 10 + t)
    assert calls == [15]                                    # 5 x 3 distinct rows, evaluated once each
    np.testing.assert_array_equal(on_distinct_rows(f, x, t, dedupe=False), x * 10 + t)
    assert calls[-1] == 10000
    assert on_distinct_rows(f, 2.0, np.array([1.0, 2.0])).tolist() == [21.0, 22.0]
