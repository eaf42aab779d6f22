"""Tests for pipeline.clv.rfm_summary: a hand-made table, and lifetimes' CDNOW summary reproduced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError


@pytest.fixture
def tiny() -> pd.DataFrame:
    rows = [
        ("A", "2020-01-01 09:00", 10.0), ("A", "2020-01-01 17:00", 5.0),   # same day -> one purchase of 15
        ("A", "2020-01-08", 20.0), ("A", "2020-01-15", 30.0),
        ("A", "2020-02-05", 99.0),                                         # after observation end: dropped
        ("B", "2020-01-10", 7.0),
        ("C", "2020-01-05", 100.0), ("C", "2020-01-06 10:00", 50.0), ("C", "2020-01-06 18:00", 25.0),
        ("C", "2020-01-20", 40.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_rfm_summary_days(tiny):
    s = clv.rfm_summary(tiny, freq="D", observation_end="2020-01-29")
    exp = pd.DataFrame({"frequency": [2, 0, 2], "recency": [14.0, 0.0, 15.0], "T": [28.0, 19.0, 24.0],
                        "monetary_value": [25.0, 0.0, 57.5]}, index=pd.Index(["A", "B", "C"], name="customer_id"))
    pd.testing.assert_frame_equal(s, exp, check_dtype=False)
    assert s["frequency"].dtype.kind == "i"


def test_rfm_summary_weeks(tiny):
    s = clv.rfm_summary(tiny, freq="W", observation_end="2020-01-29")
    assert s["frequency"].tolist() == [2, 0, 2]
    np.testing.assert_allclose(s["recency"], [2.0, 0.0, 15 / 7])
    np.testing.assert_allclose(s["T"], [4.0, 19 / 7, 24 / 7])
    np.testing.assert_allclose(s["monetary_value"], [25.0, 0.0, 57.5])
    # collapse within weeks counted from the first purchase: C's day-1 purchase joins week 0
    p = clv.rfm_summary(tiny, freq="W", observation_end="2020-01-29", collapse="period")
    assert p["frequency"].tolist() == [2, 0, 1]
    np.testing.assert_allclose(p["recency"], [2.0, 0.0, 15 / 7])
    np.testing.assert_allclose(p["monetary_value"], [25.0, 0.0, 40.0])


def test_rfm_summary_default_end_and_no_value(tiny):
    s = clv.rfm_summary(tiny.iloc[:-1], freq="D", value_col=None)   # ends at the last transaction, 2020-02-05
    assert "monetary_value" not in s.columns
    assert s.loc["A", "frequency"] == 3 and s.loc["A", "T"] == 35.0


def test_rfm_summary_calibration_holdout(tiny):
    s = clv.rfm_summary(tiny, freq="D", observation_end="2020-01-29", calibration_end="2020-01-10")
    assert list(s.columns) == ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal",
                               "frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    assert s["frequency_cal"].tolist() == [1, 0, 1]
    assert s["recency_cal"].tolist() == [7.0, 0.0, 1.0]
    assert s["T_cal"].tolist() == [9.0, 0.0, 5.0]
    assert s["monetary_value_cal"].tolist() == [20.0, 0.0, 75.0]
    assert s["frequency_holdout"].tolist() == [1, 0, 1]
    assert s["monetary_value_holdout"].tolist() == [30.0, 0.0, 40.0]
    assert (s["duration_holdout"] == 19.0).all()


def test_rfm_summary_errors(tiny):
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, customer_col="nope")
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, freq="Q")
    with pytest.raises(InputError):
        clv.rfm_summary(tiny, observation_end="2020-01-29", calibration_end="2020-02-01")


@pytest.mark.real
def test_cdnow_summary_reproduces_lifetimes_file(cdnow_cal, cdnow_shipped_summary):
    shipped = cdnow_shipped_summary
    assert len(cdnow_cal) == 2357
    s = cdnow_cal.reindex(shipped.index)
    assert (s["frequency"] == shipped["x"]).all()
    np.testing.assert_allclose(s["recency"], shipped["t_x"], atol=0.005)   # file rounds to 2 decimals
    np.testing.assert_allclose(s["T"], shipped["T"], atol=0.005)
    np.testing.assert_allclose(s["monetary_value"], shipped["zbar"], atol=0.006)


@pytest.mark.real
def test_integer_dates_as_lifetimes_loads_cdnow_need_their_format(cdnow_raw, cdnow_shipped_summary):
    """lifetimes reads CDNOW_sample.txt with integer dates (19970101). Read as datetimes, those are
    nanoseconds after 1970, and every customer would get frequency = recency = T = 0: refused
    unless ``datetime_format`` says how to read them, and then equal to lifetimes' own summary."""
    raw = cdnow_raw
    assert raw["date"].dtype == "int64" and raw["date"].iloc[0] == 19970101
    with pytest.raises(InputError, match=r"column 'date'.*holds numbers \(19970101\).*datetime_format"):
        clv.rfm_summary(raw, "customer_id", "date", "amount", freq="W")
    with pytest.raises(ValueError):           # lifetimes users' code catches ValueError
        clv.rfm_summary(raw, "customer_id", "date", "amount", freq="W")
    s = clv.rfm_summary(raw, "customer_id", "date", "amount", freq="W", observation_end="1997-09-30",
                        datetime_format="%Y%m%d").reindex(cdnow_shipped_summary.index)
    assert (s["frequency"] == cdnow_shipped_summary["x"]).all() and s["frequency"].sum() > 1000
    np.testing.assert_allclose(s["recency"], cdnow_shipped_summary["t_x"], atol=0.005)
    np.testing.assert_allclose(s["T"], cdnow_shipped_summary["T"], atol=0.005)
    # the same digits as text, and a format that does not fit them
    as_text = raw.assign(date=raw["date"].astype(str))
    t = clv.rfm_summary(as_text, "customer_id", "date", "amount", freq="W", observation_end="1997-09-30",
                        datetime_format="%Y%m%d")
    pd.testing.assert_frame_equal(t.reindex(s.index), s)
    with pytest.raises(InputError, match="do not match datetime_format '%d/%m/%Y'"):
        clv.rfm_summary(raw, "customer_id", "date", "amount", datetime_format="%d/%m/%Y")
