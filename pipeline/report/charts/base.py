"""Figures for the report. Every label arrives already translated; nothing here knows a language."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from pipeline.report.charts.style import PALETTE, WIDTH, new_figure  # noqa: E402,F401 (the charts' style)


def error_bars(value, low, high):
    """Distances below and above each point for ``errorbar``: never negative (an interval computed
    in another scale, or rounded, may sit a hair past its point), NaN where the interval is unknown."""
    value, low, high = (np.asarray(a, dtype=float) for a in (value, low, high))
    return [np.clip(value - low, 0, None), np.clip(high - value, 0, None)]


def horizontal_bars(labels, values, *, xlabel: str, value_format: str = "{:,.0f}", height: float | None = None):
    """One horizontal bar per label, largest on top, the value written at the bar's end."""
    labels, values = list(labels), np.asarray(values, dtype=float)
    fig, ax = new_figure(height or max(2.0, 0.35 * len(labels) + 1))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, values, color=PALETTE[0])
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    for yi, v in zip(y, values):
        ax.text(v, yi, " " + value_format.format(v), va="center", fontsize=8)
    ax.set_xlim(0, max(values.max() * 1.18, 1) if len(values) else 1)
    fig.tight_layout()
    return fig


def rate_with_interval(labels, rate, low, high, *, xlabel: str, reference: float | None = None):
    """Rates (0–1) as points with their confidence intervals, one row per group."""
    labels = list(labels)
    fig, ax = new_figure(max(2.0, 0.45 * len(labels) + 1))
    y = np.arange(len(labels))[::-1]
    rate, low, high = (np.asarray(a, dtype=float) for a in (rate, low, high))
    ax.errorbar(rate, y, xerr=error_bars(rate, low, high), fmt="o", color=PALETTE[3], capsize=4)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if reference is not None:
        ax.axvline(reference, color="grey", lw=0.8, ls="--")
    ax.set_xlim(0, min(1, max(0.05, np.nanmax(high) * 1.2)) if len(high) else 1)
    fig.tight_layout()
    return fig


def stacked_shares(table: pd.DataFrame, *, row: str, column: str, value: str, xlabel: str, legend_title: str,
                   row_labels: dict | None = None, column_labels: dict | None = None, top_columns: int = 6,
                   other_label: str = "other"):
    """Each row a 100% bar split by ``column`` (the largest ``top_columns`` shown, the rest pooled)."""
    wide = table.pivot_table(index=row, columns=column, values=value, aggfunc="sum", fill_value=0)
    order = wide.sum().sort_values(ascending=False).index
    keep = list(order[:top_columns])
    if len(order) > top_columns:
        wide[other_label] = wide[list(order[top_columns:])].sum(axis=1)
        keep.append(other_label)
    wide = wide[keep]
    wide = wide.div(wide.sum(axis=1), axis=0)
    wide = wide.loc[wide.index[::-1]]
    fig, ax = new_figure(max(2.4, 0.42 * len(wide) + 1.4))
    left = np.zeros(len(wide))
    colours = sns.color_palette("tab10", len(keep))
    for i, col in enumerate(keep):
        ax.barh(np.arange(len(wide)), wide[col].values, left=left, color=colours[i],
                label=(column_labels or {}).get(col, col))
        left += wide[col].values
    ax.set_yticks(np.arange(len(wide)), [(row_labels or {}).get(r, r) for r in wide.index])
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlim(0, 1)
    ax.legend(title=legend_title, bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=7, title_fontsize=8,
              frameon=False)
    fig.tight_layout()
    return fig


def lorenz(curve: pd.DataFrame, *, xlabel: str, ylabel: str, equality_label: str):
    fig, ax = new_figure(3.6)
    ax.plot(curve["customer_share"], curve["value_share"], color=PALETTE[0], lw=2)
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8, label=equality_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_aspect("equal")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def heatmap(wide: pd.DataFrame, *, xlabel: str, ylabel: str, fmt: str = ".0%"):
    fig, ax = plt.subplots(figsize=(WIDTH, max(2.6, 0.28 * len(wide) + 1.2)))
    sns.heatmap(wide, ax=ax, cmap="Blues", annot=wide.shape[1] <= 14, fmt=fmt, annot_kws={"fontsize": 6},
                cbar=False, vmin=0, vmax=1)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def columns_over_time(frame: pd.DataFrame, x: str, y: str, *, xlabel: str, ylabel: str):
    fig, ax = new_figure(3.0)
    ax.bar(frame[x].astype(str), frame[y], color=PALETTE[2])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=60, labelsize=7)
    fig.tight_layout()
    return fig


def line_with_band(x, rate, low, high, *, xlabel: str, ylabel: str, reference: float | None = None):
    """A rate (0–1) over time as a line with its confidence band (e.g. monthly breach rate)."""
    x = [str(v) for v in x]
    rate, low, high = (np.asarray(a, dtype=float) for a in (rate, low, high))
    fig, ax = new_figure(3.0)
    pos = np.arange(len(x))
    ax.fill_between(pos, low, high, color=PALETTE[3], alpha=0.18, lw=0)
    ax.plot(pos, rate, marker="o", ms=3.5, color=PALETTE[3], lw=1.6)
    if reference is not None:
        ax.axhline(reference, color="grey", lw=0.8, ls="--")
    ax.set_xticks(pos, x, rotation=45, ha="right", fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    top = np.nanmax(high) if len(high) and np.isfinite(high).any() else 1
    ax.set_ylim(0, min(1, max(0.05, top * 1.1)))
    fig.tight_layout()
    return fig


def survival_curves(curves: dict, *, xlabel: str, ylabel: str, legend_title: str | None = None,
                    xmax: float | None = None):
    """Kaplan-Meier step curves with their confidence bands.

    ``curves``: legend label → a frame with ``time``, ``survival``, ``ci_low``, ``ci_high`` (a
    :func:`pipeline.service.kaplan_meier` table). Each curve starts at (0, 1).
    """
    fig, ax = new_figure(3.4)
    colours = sns.color_palette("deep", max(1, len(curves)))
    for (name, tab), colour in zip(curves.items(), colours):
        t = np.concatenate([[0.0], tab["time"].to_numpy(dtype=float)])
        s = np.concatenate([[1.0], tab["survival"].to_numpy(dtype=float)])
        lo = np.concatenate([[1.0], tab["ci_low"].to_numpy(dtype=float)])
        hi = np.concatenate([[1.0], tab["ci_high"].to_numpy(dtype=float)])
        ax.step(t, s, where="post", color=colour, lw=1.5, label=name)
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    if xmax is not None:
        ax.set_xlim(0, xmax)
    else:
        ax.set_xlim(left=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(title=legend_title, frameon=False, fontsize=8, title_fontsize=8)
    fig.tight_layout()
    return fig


def pareto(labels, values, *, ylabel: str, cumulative_label: str, value_format: str = "{:.0%}"):
    """Bars in decreasing order with the cumulative share as a line on a 0–100% right axis."""
    labels = list(labels)
    values = np.asarray(values, dtype=float)
    order = np.argsort(-values, kind="stable")
    labels, values = [labels[i] for i in order], values[order]
    total = values.sum()
    cum = np.cumsum(values) / total if total > 0 else np.zeros_like(values)
    fig, ax = new_figure(3.2)
    pos = np.arange(len(labels))
    ax.bar(pos, values, color=PALETTE[0])
    for p, v in zip(pos, values):
        ax.text(p, v, value_format.format(v), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(pos, labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax2 = ax.twinx()
    ax2.plot(pos, cum, color=PALETTE[3], marker="o", ms=3.5, lw=1.4)
    ax2.set_ylim(0, 1.05)
    ax2.set_ylabel(cumulative_label)
    ax2.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax2.spines[["top"]].set_visible(False)
    if "%" in value_format:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.tight_layout()
    return fig


def histogram(values, *, xlabel: str, ylabel: str, bins=20, clip: float | None = None):
    """A histogram of a numeric quantity (e.g. hours late); values above ``clip`` pooled in the last bin."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if clip is not None:
        v = np.minimum(v, clip)
    fig, ax = new_figure(2.8)
    ax.hist(v, bins=bins, color=PALETTE[1], edgecolor="white")
    ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def confusion_heatmap(wide: pd.DataFrame, *, xlabel: str, ylabel: str, fmt: str = ".0%", wrap: int = 14):
    """A square-ish heatmap of shares (0–1) whose long row/column labels are wrapped, not squeezed."""
    import textwrap

    wrapped = wide.copy()
    wrapped.index = ["\n".join(textwrap.wrap(str(i), wrap)) or str(i) for i in wide.index]
    wrapped.columns = ["\n".join(textwrap.wrap(str(c), wrap)) or str(c) for c in wide.columns]
    fig, ax = plt.subplots(figsize=(WIDTH, max(2.8, 0.5 * len(wide) + 1.6)))
    sns.heatmap(wrapped, ax=ax, cmap="Blues", annot=True, fmt=fmt, annot_kws={"fontsize": 7}, cbar=False,
                vmin=0, vmax=1, linewidths=0.5, linecolor="white")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=0, labelsize=7)
    ax.tick_params(axis="y", labelrotation=0, labelsize=7)
    fig.tight_layout()
    return fig
