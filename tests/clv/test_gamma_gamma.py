"""Tests for pipeline.clv.GammaGamma: the published CDNOW fit and customer lifetime value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import clv


@pytest.mark.real
def test_gammagamma_cdnow_published(cdnow_cal, gg_cdnow, close_to_published):
    # Fader, Hardie & Lee (2005) "RFM and CLV: using iso-value curves": 946 repeat buyers
    assert gg_cdnow.n_customers_ == 946
    assert cdnow_cal.loc[cdnow_cal.frequency > 0, "monetary_value"].mean() == pytest.approx(35.08, abs=0.01)
    close_to_published(gg_cdnow.params_, {"p": 6.25, "q": 3.74, "v": 15.44})
    corr = clv.frequency_spend_correlation(cdnow_cal)
    assert corr["n"] == 946 and corr["r"] == pytest.approx(0.11, abs=0.01)     # the paper's r = 0.11
    # population mean spend p v / (q - 1)
    assert gg_cdnow.conditional_expected_average_profit() == pytest.approx(6.25 * 15.44 / 2.74, rel=0.02)


@pytest.mark.real
def test_customer_lifetime_value(bg_cdnow, gg_cdnow, cdnow_cal):
    s = cdnow_cal
    c12 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value,
                                           time=12, discount_rate=0.01, freq="W")
    c24 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value, time=24,
                                           freq="W")
    assert isinstance(c12, pd.Series) and c12.index.equals(s.index) and c12.name == "clv"
    assert (c12 > 0).all() and (c24 >= c12).all()
    # undiscounted CLV = expected spend x expected purchases over 12 months
    c0 = gg_cdnow.customer_lifetime_value(bg_cdnow, s.frequency, s.recency, s["T"], s.monetary_value,
                                          discount_rate=0.0, freq="W")
    direct = (gg_cdnow.conditional_expected_average_profit(s.frequency, s.monetary_value)
              * bg_cdnow.conditional_expected_number_of_purchases_up_to_time(12 * 4.345, s.frequency, s.recency,
                                                                              s["T"]))
    np.testing.assert_allclose(c0, direct, rtol=1e-10)
