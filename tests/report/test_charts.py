"""The chapter's figures draw without error on small and degenerate inputs."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline.analyses.service import kaplan_meier
from pipeline.report.charts import base as charts


def _close(fig):
    assert fig.axes
    plt.close(fig)


def test_line_with_band():
    _close(charts.line_with_band(["2024-01", "2024-02", "2024-03"], [0.1, 0.2, np.nan], [0.05, 0.1, np.nan],
                                 [0.2, 0.3, np.nan], xlabel="month", ylabel="rate", reference=0.1))


def test_survival_curves():
    km = kaplan_meier([1, 2, 2, 5, 8], [True, True, False, True, False])
    fig = charts.survival_curves({"a": km, "b": km.head(2)}, xlabel="h", ylabel="S", legend_title="lvl", xmax=10)
    assert len(fig.axes[0].get_lines()) == 2
    _close(fig)


def test_pareto_orders_and_accumulates():
    fig = charts.pareto(["x", "y", "z"], [0.2, 0.5, 0.3], ylabel="p", cumulative_label="cum")
    ax, ax2 = fig.axes
    assert [t.get_text() for t in ax.get_xticklabels()] == ["y", "z", "x"]
    np.testing.assert_allclose(ax2.get_lines()[0].get_ydata(), [0.5, 0.8, 1.0])
    _close(fig)


def test_histogram_clips():
    _close(charts.histogram(pd.Series([0.5, 1, 2, np.nan, 100]), xlabel="h", ylabel="n", clip=48))


def test_confusion_heatmap_wraps_long_labels():
    wide = pd.DataFrame([[0.8, 0.2], [0.1, 0.9]], index=["Disk physically damaged", "Memory"],
                        columns=["Disk physically damaged", "Memory"])
    fig = charts.confusion_heatmap(wide, xlabel="actual", ylabel="predicted")
    assert "\n" in fig.axes[0].get_xticklabels()[0].get_text()
    _close(fig)


def test_error_bars_are_never_negative():
    import numpy as np

    from pipeline.report.charts.base import error_bars, rate_with_interval
    below, above = error_bars([0.0, 0.5], [1e-17, 0.4], [0.2, 0.6])
    assert (below >= 0).all() and (above >= 0).all()
    assert np.allclose(below, [0.0, 0.1]) and np.allclose(above, [0.2, 0.1])
    rate_with_interval(["a"], [0.0], [1e-17], [0.3], xlabel="x")   # raised ValueError before


def test_wilson_interval_contains_its_proportion_at_the_edges():
    from pipeline.analyses.stats import wilson_interval
    for k, n in [(0, 1), (0, 7), (7, 7), (1, 1), (0, 1000)]:
        low, high = wilson_interval(k, n)
        assert low <= k / n <= high
