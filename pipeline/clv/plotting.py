"""lifetimes' diagnostic plots under lifetimes' names and arguments, drawn in the report's chart style.

Each function returns the matplotlib axes it drew on (a new house-style figure unless ``ax`` is given)
and leaves the backend alone, so the plots show inline in JupyterLab. The figures' numbers are
lifetimes' with one change: :func:`plot_period_transactions` draws the model's expected number of
customers with each frequency, sum over customers of P(X(T_i) = n), where lifetimes draws one random
simulated sample (which differs from run to run).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.report.charts.style import PALETTE, house_axes, new_figure

from .lifetimes_api import calculate_alive_path, expected_cumulative_transactions


def _axes(ax, height: float = 3.4):
    """The caller's axes in the house look, or a new house figure's (marked, so that :func:`_finish` lays it out)."""
    if ax is not None:
        return house_axes(ax)
    ax = new_figure(height)[1]
    ax._aftercare_owned = True
    return ax


def _finish(ax, dates: bool = False):
    """Concise date ticks on a time axis; a figure drawn here gets a tight layout (labels not clipped)."""
    if dates:
        import matplotlib.dates as mdates
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if getattr(ax, "_aftercare_owned", False):
        ax.figure.tight_layout()
    return ax


def _fitted_data(model) -> pd.DataFrame:
    data = getattr(model, "data", None)
    if data is None:
        raise InputError(f"{type(model).__name__} has no fitted data (.data): fit it first, or save it with "
                         "save_data=True")
    return data


def period_transactions(model, max_frequency: int = 7) -> pd.DataFrame:
    """Customers with 0 .. max_frequency - 1 repeat purchases: ``actual`` (in the fitted data, weighted)
    and ``model`` (expected: sum over customers of P(X(T_i) = n) at each customer's own T)."""
    if not hasattr(model, "probability_of_n_purchases_up_to_time"):
        raise InputError(f"{type(model).__name__} does not model purchase counts")
    data = _fitted_data(model)
    n = np.arange(max_frequency)
    actual = data.groupby("frequency")["weights"].sum().reindex(n.astype(float), fill_value=0.0).to_numpy()
    # the customers' observation lengths: T in time units, or BG/BB's number of opportunities
    ages = data.groupby("n_periods" if "n_periods" in data else "T")["weights"].sum()
    T = ages.index.to_numpy(dtype=float)
    expected = [float(ages.to_numpy() @ np.asarray(model.probability_of_n_purchases_up_to_time(T, k), float))
                for k in n]
    return pd.DataFrame({"actual": actual, "model": expected}, index=pd.Index(n, name="frequency"))


def plot_period_transactions(model, max_frequency: int = 7, title: str = "Frequency of Repeat Transactions",
                             xlabel: str = "Number of Calibration Period Transactions", ylabel: str = "Customers",
                             ax=None, **kwargs):
    """Actual against expected customers by number of repeat purchases (see :func:`period_transactions`)."""
    counts = period_transactions(model, max_frequency)
    labels = kwargs.pop("label", ["Actual", "Model"])
    ax = _axes(ax, 3.0)
    x = np.arange(len(counts))
    ax.bar(x - 0.2, counts["actual"], 0.4, color=PALETTE[0], label=labels[0], **kwargs)
    ax.bar(x + 0.2, counts["model"], 0.4, color=PALETTE[1], label=labels[1], **kwargs)
    ax.set_xticks(x, [str(v) for v in counts.index])
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(frameon=False)
    return _finish(ax)


def calibration_purchases_vs_holdout(model, calibration_holdout_matrix: pd.DataFrame, kind: str = "frequency_cal",
                                     n: int = 7) -> pd.DataFrame:
    """Mean holdout purchases, actual (``frequency_holdout``) and predicted (``model_predictions``: the
    conditional expectation over ``duration_holdout``), by the first `n` values of `kind`:
    frequency_cal, recency_cal, T_cal or time_since_last_purchase (T_cal - recency_cal)."""
    summary = calibration_holdout_matrix.copy()
    if kind == "time_since_last_purchase":
        summary[kind] = summary["T_cal"] - summary["recency_cal"]
    if kind not in summary.columns:
        raise InputError(f"kind must be frequency_cal, recency_cal, T_cal or time_since_last_purchase, got {kind!r}")
    summary["model_predictions"] = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        summary["duration_holdout"].iloc[0], summary["frequency_cal"], summary["recency_cal"], summary["T_cal"]))
    return summary.groupby(kind)[["frequency_holdout", "model_predictions"]].mean().iloc[:n]


_KIND_LABELS = {"frequency_cal": "Purchases in calibration period",
                "recency_cal": "Age of customer at last purchase",
                "T_cal": "Age of customer at the end of calibration period",
                "time_since_last_purchase": "Time since user made last purchase"}


def plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix: pd.DataFrame,
                                                    kind: str = "frequency_cal", n: int = 7, ax=None, **kwargs):
    """Actual against predicted holdout purchases by a calibration quantity (lifetimes' plot; the data
    from :func:`calibration_purchases_vs_holdout`)."""
    means = calibration_purchases_vs_holdout(model, calibration_holdout_matrix, kind, n)
    ax = _axes(ax, 3.0)
    ax.plot(means.index, means["frequency_holdout"], marker="o", color=PALETTE[0], label="frequency_holdout", **kwargs)
    ax.plot(means.index, means["model_predictions"], marker="o", color=PALETTE[1], label="model_predictions",
            **kwargs)
    ax.set(title="Actual Purchases in Holdout Period vs Predicted Purchases", xlabel=_KIND_LABELS.get(kind, kind),
           ylabel="Average of Purchases in Holdout Period")
    ax.legend(frameon=False)
    return _finish(ax)


def _grid(model, max_frequency, max_recency):
    data = getattr(model, "data", None)
    if max_frequency is None or max_recency is None:
        data = _fitted_data(model)
    max_frequency = int(data["frequency"].max()) if max_frequency is None else int(max_frequency)
    max_recency = int(data["T"].max()) if max_recency is None else int(max_recency)
    recency, frequency = np.meshgrid(np.arange(max_recency + 1.0), np.arange(max_frequency + 1.0), indexing="ij")
    return frequency, recency, max_recency


def frequency_recency_matrix(model, T: float = 1, max_frequency: int | None = None,
                             max_recency: int | None = None) -> np.ndarray:
    """Expected purchases in the next T periods on a grid: rows recency 0..max_recency, columns frequency
    0..max_frequency, for a customer of age max_recency (defaults from the fitted data, as lifetimes)."""
    frequency, recency, age = _grid(model, max_frequency, max_recency)
    return np.asarray(model.conditional_expected_number_of_purchases_up_to_time(T, frequency, recency, float(age)),
                      dtype=float)


def _matrix(ax, z, title, xlabel, ylabel, **kwargs):
    ax = _axes(ax, 4.6)
    image = ax.imshow(z, interpolation=kwargs.pop("interpolation", "none"), cmap=kwargs.pop("cmap", "Blues"),
                      origin="upper", aspect="auto", **kwargs)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.figure.colorbar(image, ax=ax)
    return _finish(ax)


def plot_frequency_recency_matrix(model, T: float = 1, max_frequency: int | None = None,
                                  max_recency: int | None = None, title: str | None = None,
                                  xlabel: str = "Customer's Historical Frequency", ylabel: str = "Customer's Recency",
                                  ax=None, **kwargs):
    """Heatmap of :func:`frequency_recency_matrix` (lifetimes' plot)."""
    if title is None:
        title = f"Expected Number of Future Purchases for {T} Unit{'s'[T == 1:]} of Time,\nby Frequency and " \
                "Recency of a Customer"
    return _matrix(ax, frequency_recency_matrix(model, T, max_frequency, max_recency), title, xlabel, ylabel,
                   **kwargs)


def plot_probability_alive_matrix(model, max_frequency: int | None = None, max_recency: int | None = None,
                                  title: str = "Probability Customer is Alive,\nby Frequency and Recency of a Customer",
                                  xlabel: str = "Customer's Historical Frequency", ylabel: str = "Customer's Recency",
                                  ax=None, **kwargs):
    """Heatmap of the model's ``conditional_probability_alive_matrix`` (lifetimes' plot)."""
    z = model.conditional_probability_alive_matrix(max_frequency, max_recency)
    return _matrix(ax, z, title, xlabel, ylabel, vmin=0, vmax=1, **kwargs)


def _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq, set_index_date,
              incremental, title, xlabel, ylabel, ax, **kwargs):
    frame = expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t,
                                             datetime_format=datetime_format, freq=freq,
                                             set_index_date=set_index_date)
    if incremental:
        frame = frame.diff()
    ax = _axes(ax, 3.2)
    x = frame.index.to_timestamp() if set_index_date else frame.index
    ax.plot(x, frame["actual"], color=PALETTE[0], label="actual", **kwargs)
    ax.plot(x, frame["predicted"], color=PALETTE[1], linestyle="--", label="predicted", **kwargs)
    ax.axvline(x[int(t_cal)] if set_index_date else t_cal, color=PALETTE[3], linestyle=":", linewidth=1)
    ax.set(title=title, xlabel="date" if set_index_date else xlabel, ylabel=ylabel)
    ax.legend(frameon=False)
    return _finish(ax, dates=set_index_date)


def plot_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format=None,
                                 freq="D", set_index_date=False, title="Tracking Cumulative Transactions",
                                 xlabel="day", ylabel="Cumulative Transactions", ax=None, **kwargs):
    """Actual against expected cumulative repeat transactions (:func:`expected_cumulative_transactions`),
    with the end of calibration `t_cal` marked (lifetimes' plot)."""
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, False, title, xlabel, ylabel, ax, **kwargs)


def plot_incremental_transactions(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format=None,
                                  freq="D", set_index_date=False, title="Tracking Daily Transactions",
                                  xlabel="day", ylabel="Transactions", ax=None, **kwargs):
    """Actual against expected repeat transactions per period (the differences of
    :func:`plot_cumulative_transactions`' lines; lifetimes' plot)."""
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, True, title, xlabel, ylabel, ax, **kwargs)


def plot_history_alive(model, t, transactions, datetime_col, freq="D", start_date=None, ax=None, **kwargs):
    """One customer's P(alive) over `t` periods from the first purchase (:func:`calculate_alive_path`), with
    the purchases marked (lifetimes' plot)."""
    path = calculate_alive_path(model, transactions, datetime_col, t, freq)
    dates = pd.to_datetime(transactions[datetime_col])
    first = dates.min().to_period(freq).to_timestamp()
    path_dates = pd.period_range(start=first, periods=len(path), freq=freq).to_timestamp()
    ax = _axes(ax, 3.0)
    ax.plot(path_dates, path.to_numpy(), "-", color=PALETTE[0], label="P_alive", **kwargs)
    bought = dates.dt.to_period(freq).drop_duplicates().dt.to_timestamp()
    ax.vlines(bought, ymin=0, ymax=1, colors=PALETTE[3], linestyles="dashed", label="purchases")
    ax.set_ylim(0, 1.0)
    ax.set_yticks(np.arange(0, 1.1, 0.1))
    ax.set_xlim(pd.Timestamp(start_date) if start_date is not None else first, path_dates[-1])
    ax.set(title="History of P_alive", ylabel="P_alive")
    ax.legend(loc=3, frameon=False)
    return _finish(ax, dates=True)
