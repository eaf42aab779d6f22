"""Tests for pipeline.clv's diagnostics: calibration / holdout comparison and the parameters table."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import clv


@pytest.mark.real
def test_calibration_holdout_comparison(bg_cdnow, pn_cdnow, cdnow_cal_holdout):
    ch = cdnow_cal_holdout
    assert len(ch) == 2357 and (ch["duration_holdout"] == 39.0).all()
    # the calibration part equals the plain 39-week summary
    out = clv.calibration_holdout_comparison(bg_cdnow, ch, max_frequency=7)
    assert list(out.index) == ["0", "1", "2", "3", "4", "5", "6", "7+", "all"]
    assert list(out.columns) == ["customers", "actual_mean", "predicted_mean", "error",
                                 "actual_total", "predicted_total"]
    assert out.loc["all", "customers"] == 2357 and out.loc["0", "customers"] == 1411
    assert out.loc["all", "actual_total"] == ch["frequency_holdout"].sum()
    ov = out.attrs["overall"]
    assert set(ov) == {"mae_customer", "mae_bucket", "total_actual", "total_predicted", "ratio"}
    assert 0.8 < ov["ratio"] < 1.1 and ov["mae_bucket"] < 0.3
    # predicted conditional means increase with calibration frequency
    assert np.all(np.diff(out["predicted_mean"].iloc[:8].to_numpy()) > 0)
    assert clv.calibration_holdout_comparison(pn_cdnow, ch).attrs["overall"]["ratio"] > 0.8


@pytest.mark.real
def test_model_parameters_table(bg_cdnow, pn_cdnow, gg_cdnow):
    t = clv.model_parameters_table({"BG/NBD": bg_cdnow, "Pareto/NBD": pn_cdnow, "Gamma-Gamma": gg_cdnow})
    assert list(t.columns) == ["model", "parameter", "estimate", "ci_low", "ci_high"]
    assert len(t) == 11
    assert t.loc[t.model == "Gamma-Gamma", "parameter"].tolist() == ["p", "q", "v"]
    assert (t.ci_low > 0).all() and (t.ci_low < t.estimate).all() and (t.estimate < t.ci_high).all()
