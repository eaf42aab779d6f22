"""Figures of chapter 3 (customer value). Every label arrives already translated."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.report.charts.base import PALETTE, WIDTH, new_figure  # noqa: E402


def holdout(comparison: pd.DataFrame, *, xlabel: str, ylabel: str, actual_label: str, predicted_label: str):
    """Mean holdout repeat purchases by calibration frequency: actual against predicted (FHL 2005, fig. 4)."""
    c = comparison.drop(index="all", errors="ignore")
    c = c[c["customers"] > 0]
    fig, ax = new_figure(3.0)
    x = np.arange(len(c))
    ax.plot(x, c["actual_mean"], marker="o", color=PALETTE[0], label=actual_label)
    ax.plot(x, c["predicted_mean"], marker="s", linestyle="--", color=PALETTE[3], label=predicted_label)
    ax.set_xticks(x, list(c.index))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def value_grid(grid: pd.DataFrame, *, row_labels: dict, col_labels: dict, cell_labels: dict, count_label: str,
               value_format=lambda v: f"{v:,.0f}"):
    """The 3×3 nine-type grid: rows = orientation (past, present, future), columns = driver; each cell
    names its type and shows customers and value; shading by customers."""
    rows = list(row_labels)
    cols = list(col_labels)
    counts = grid.pivot(index="orientation", columns="driver", values="customers").reindex(index=rows, columns=cols)
    vals = grid.pivot(index="orientation", columns="driver", values="value").reindex(index=rows, columns=cols)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.6))
    c = counts.fillna(0).to_numpy(float)
    ax.imshow(c, cmap="Blues", vmin=0, vmax=max(c.max() * 1.4, 1), aspect="auto")
    for i, o in enumerate(rows):
        for j, d in enumerate(cols):
            n = int(c[i, j])
            v = vals.iloc[i, j]
            ax.text(j, i, f"{cell_labels[(o, d)]}\n{count_label}: {n}\n{value_format(0 if pd.isna(v) else v)}",
                    ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(cols)), [col_labels[k] for k in cols])
    ax.set_yticks(range(len(rows)), [row_labels[k] for k in rows])
    ax.tick_params(length=0)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return fig


def survival_projection(years, observed, projected, *, xlabel: str, ylabel: str, observed_label: str,
                        projected_label: str):
    """Share of a first-contract cohort still under contract by contract year, observed and sBG-projected."""
    fig, ax = new_figure(3.0)
    ax.plot(range(len(observed)), observed, marker="o", color=PALETTE[0], label=observed_label)
    ax.plot(years, projected, linestyle="--", color=PALETTE[3], label=projected_label)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
