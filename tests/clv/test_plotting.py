"""lifetimes' diagnostic plots: each draws the numbers it claims (read back from the axes), in the house
style, without choosing the analyst's matplotlib backend."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

from pipeline import clv
from pipeline.clv import plotting

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

pytestmark = [pytest.mark.real]


@pytest.fixture(scope="module")
def shipped(cdnow_shipped_summary) -> pd.DataFrame:
    return cdnow_shipped_summary.rename(columns={"x": "frequency", "t_x": "recency", "zbar": "monetary_value"})


@pytest.fixture(scope="module")
def bg(shipped):
    return clv.BetaGeo().fit(shipped["frequency"], shipped["recency"], shipped["T"])


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_period_transactions_are_the_expected_counts(bg, shipped):
    counts = plotting.period_transactions(bg)
    # actual: lifetimes' own summary has 1,411 customers without a repeat purchase, 439 with one
    assert counts["actual"].tolist()[:3] == [1411, 439, 214]
    # model: sum over customers of P(X(T_i) = n), computed here customer by customer
    direct = [sum(bg.probability_of_n_purchases_up_to_time(T, n) for T in shipped["T"]) for n in (0, 1)]
    assert counts["model"].iloc[:2].tolist() == pytest.approx(direct, rel=1e-10)
    assert counts["model"].iloc[0] == pytest.approx(1407.68, abs=0.01)
    ax = clv.plot_period_transactions(bg)
    heights = [p.get_height() for p in ax.patches]
    assert heights[:7] == counts["actual"].tolist() and heights[7:] == pytest.approx(counts["model"].tolist())
    assert not ax.spines["top"].get_visible() and ax.get_xlabel() == "Number of Calibration Period Transactions"


def test_matrices_draw_the_model(bg):
    ax = clv.plot_probability_alive_matrix(bg)
    assert np.array_equal(ax.images[0].get_array(), bg.conditional_probability_alive_matrix())
    ax = clv.plot_frequency_recency_matrix(bg, T=4)
    z = ax.images[0].get_array()
    assert z.shape == (39, 30)
    assert z[30, 5] == pytest.approx(bg.conditional_expected_number_of_purchases_up_to_time(4, 5, 30, 38), rel=1e-12)
    assert "4 Units of Time" in ax.get_title()


def test_calibration_vs_holdout(cdnow_tx):
    ch = clv.calibration_and_holdout_data(cdnow_tx, "customer_id", "order_date", calibration_period_end="1997-09-30",
                                          observation_period_end="1998-06-30", freq="W")
    bg = clv.BetaGeo().fit(ch["frequency_cal"], ch["recency_cal"], ch["T_cal"])
    means = plotting.calibration_purchases_vs_holdout(bg, ch)
    # the customers without a repeat purchase in calibration: their mean holdout purchases, by hand
    zero = ch[ch["frequency_cal"] == 0]
    assert means.loc[0.0, "frequency_holdout"] == pytest.approx(zero["frequency_holdout"].mean())
    assert len(means) == 7
    ax = clv.plot_calibration_purchases_vs_holdout_purchases(bg, ch, kind="time_since_last_purchase", n=5)
    assert len(ax.lines[0].get_xdata()) == 5
    with pytest.raises(ValueError, match="kind must be"):
        plotting.calibration_purchases_vs_holdout(bg, ch, kind="age")


def test_tracking_and_history_plots(cdnow_tx, bg):
    tx = cdnow_tx.rename(columns={"order_date": "dt"})
    ax = clv.plot_cumulative_transactions(bg, tx, "dt", "customer_id", 78, 39, freq="W")
    frame = clv.expected_cumulative_transactions(bg, tx, "dt", "customer_id", 78, freq="W")
    assert list(ax.lines[0].get_ydata()) == frame["actual"].tolist()
    assert list(ax.lines[1].get_ydata()) == pytest.approx(frame["predicted"].tolist())
    ax = clv.plot_incremental_transactions(bg, tx, "dt", "customer_id", 78, 39, freq="W", set_index_date=True)
    assert list(ax.lines[0].get_ydata())[1:] == frame["actual"].diff().tolist()[1:]
    one = tx[tx["customer_id"] == 1]
    ax = clv.plot_history_alive(bg, 80, one, "dt", freq="W")
    path = clv.calculate_alive_path(bg, one, "dt", 80, freq="W")
    assert list(ax.lines[0].get_ydata()) == pytest.approx(path.tolist())
    assert ax.get_ylim() == (0.0, 1.0)


def test_the_plots_leave_the_backend_alone():
    """An analyst in JupyterLab keeps the inline backend: importing the plots does not switch it."""
    code = ("import matplotlib; matplotlib.use('svg'); import pipeline.clv.plotting, pipeline.clv; "
            "pipeline.clv.plot_history_alive; print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_plots_need_a_fitted_model_with_data(tmp_path, bg):
    path = tmp_path / "bg.json"
    bg.save_model(path, save_data=False)
    with pytest.raises(ValueError, match="no fitted data"):
        plotting.period_transactions(clv.load_model(path))
