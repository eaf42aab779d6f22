"""lifetimes' summary functions under lifetimes' names and defaults, on the CDNOW sample as lifetimes
loads it (integer YYYYMMDD dates). The expected figures were printed by lifetimes 0.11.3 itself
(``lifetimes.utils``, pip-installed beside this repository, 2026-12-02) on the same file."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import clv
from pipeline.errors import InputError

pytestmark = [pytest.mark.real]


@pytest.fixture(scope="module")
def raw(cdnow_raw) -> pd.DataFrame:
    return cdnow_raw


def _summary(raw, **kwargs):
    return clv.summary_data_from_transaction_data(raw, "customer_id", "date", monetary_value_col="amount",
                                                  datetime_format="%Y%m%d", observation_period_end="19970930",
                                                  **kwargs)


@pytest.mark.parametrize("kwargs, totals, customer_1", [
    # lifetimes' default is days
    ({}, (2457, 112949, 539779, 33183.644), (2, 213, 272, 22.345)),
    # calendar weeks: whole numbers, and a purchase on 1997-10-01 still counts (same week as the end)
    ({"freq": "W"}, (2248, 16580, 77748, 35559.252), (2, 30, 39, 22.345)),
    ({"include_first_transaction": True}, (4814, 112949, 539779, 76942.149), (3, 213, 272, 24.673333)),
    ({"freq_multiplier": 7}, (2457, 16135.571, 77111.286, 33183.644), (2, 30.428571, 38.857143, 22.345)),
])
def test_summary_equals_lifetimes(raw, kwargs, totals, customer_1):
    s = _summary(raw, **kwargs)
    assert len(s) == 2357 and s.index.name == "customer_id"
    cols = ["frequency", "recency", "T", "monetary_value"]
    assert s[cols].sum().round(3).tolist() == pytest.approx(list(totals), abs=1e-3)
    assert s.loc[1, cols].tolist() == pytest.approx(list(customer_1), abs=1e-6)


@pytest.mark.parametrize("freq, totals, customer_1", [
    ("D", (2457, 112949, 539779, 33183.644, 1882, 24901.08, 643461), (2, 213, 272, 22.345, 1, 26.48, 273)),
    ("W", (2216, 16128, 77748, 35379.697, 1788, 24901.08, 91923), (2, 30, 39, 22.345, 1, 26.48, 39)),
])
def test_calibration_and_holdout_equals_lifetimes(raw, freq, totals, customer_1):
    c = clv.calibration_and_holdout_data(raw, "customer_id", "date", calibration_period_end="19970930",
                                         observation_period_end="19980630", datetime_format="%Y%m%d",
                                         monetary_value_col="amount", freq=freq)
    cols = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout",
            "monetary_value_holdout", "duration_holdout"]
    assert list(c.columns) == cols
    assert c.sum().round(3).tolist() == pytest.approx(list(totals), abs=1e-3)
    assert c.loc[1].tolist() == pytest.approx(list(customer_1), abs=1e-6)


def test_integer_dates_without_a_format_are_refused(raw):
    with pytest.raises(InputError, match="holds numbers"):
        clv.summary_data_from_transaction_data(raw, "customer_id", "date")
    with pytest.raises(InputError, match="observation_period_end '1997-09-30' is not a date written as "
                                         "datetime_format '%Y%m%d' says"):
        clv.summary_data_from_transaction_data(raw, "customer_id", "date", datetime_format="%Y%m%d",
                                               observation_period_end="1997-09-30")
    with pytest.raises(InputError, match="must be before"):
        clv.calibration_and_holdout_data(raw, "customer_id", "date", "19980630", "19970930",
                                         datetime_format="%Y%m%d")
