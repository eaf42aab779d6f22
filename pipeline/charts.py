"""Figures for the report. Every label arrives already translated; nothing here knows a language."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = sns.color_palette("deep")
WIDTH = 6.4          # inches: the text width of an A4 page with the report's margins


def _fig(height: float = 3.4):
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def horizontal_bars(labels, values, *, xlabel: str, value_format: str = "{:,.0f}", height: float | None = None):
    """One horizontal bar per label, largest on top, the value written at the bar's end."""
    labels, values = list(labels), np.asarray(values, dtype=float)
    fig, ax = _fig(height or max(2.0, 0.35 * len(labels) + 1))
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
    fig, ax = _fig(max(2.0, 0.45 * len(labels) + 1))
    y = np.arange(len(labels))[::-1]
    rate, low, high = (np.asarray(a, dtype=float) for a in (rate, low, high))
    ax.errorbar(rate, y, xerr=[rate - low, high - rate], fmt="o", color=PALETTE[3], capsize=4)
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
    fig, ax = _fig(max(2.4, 0.42 * len(wide) + 1.4))
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
    fig, ax = _fig(3.6)
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
    fig, ax = _fig(3.0)
    ax.bar(frame[x].astype(str), frame[y], color=PALETTE[2])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", rotation=60, labelsize=7)
    fig.tight_layout()
    return fig
