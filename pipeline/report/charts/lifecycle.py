"""Figures of the lifecycle chapter. Every label arrives already translated; nothing here knows a language."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from pipeline.report.charts.base import PALETTE, WIDTH, error_bars, new_figure


def curves(frame: pd.DataFrame, x: str, y: str, group: str, *, xlabel: str, ylabel: str, percent: bool = True,
           max_groups: int = 12, legend_title: str | None = None):
    """One line per ``group`` (the last ``max_groups`` groups in sorted order)."""
    fig, ax = new_figure(3.4)
    groups = sorted(frame[group].unique())[-max_groups:]
    cmap = plt.get_cmap("viridis", max(len(groups), 2))
    for i, g in enumerate(groups):
        part = frame[frame[group] == g].sort_values(x)
        ax.plot(part[x], part[y], color=cmap(i), lw=1.2, marker="o", ms=2, label=str(g))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if percent:
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(title=legend_title, bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=6, title_fontsize=7,
              frameon=False)
    fig.tight_layout()
    return fig


def survival_step(km: pd.DataFrame, *, xlabel: str, ylabel: str):
    """A Kaplan–Meier curve with its pointwise interval (columns time, survival, ci_low, ci_high)."""
    fig, ax = new_figure(3.2)
    t = np.concatenate([[0.0], km["time"].to_numpy(float)])
    s = np.concatenate([[1.0], km["survival"].to_numpy(float)])
    lo = np.concatenate([[1.0], km["ci_low"].to_numpy(float)])
    hi = np.concatenate([[1.0], km["ci_high"].to_numpy(float)])
    ax.step(t, s, where="post", color=PALETTE[0], lw=1.5)
    ax.fill_between(t, lo, hi, step="post", color=PALETTE[0], alpha=0.2, lw=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.tight_layout()
    return fig


def forest(labels, ratio, low, high, *, xlabel: str):
    """Odds (or hazard) ratios with intervals on a log axis, a line at 1."""
    labels = list(labels)
    fig, ax = new_figure(max(2.2, 0.36 * len(labels) + 1))
    y = np.arange(len(labels))[::-1]
    ratio, low, high = (np.asarray(a, dtype=float) for a in (ratio, low, high))
    # intervals beyond 1/1000–1000 are drawn to the edge (a term the data hardly identify)
    ratio, low, high = (np.clip(np.nan_to_num(a, nan=1.0), 1e-3, 1e3) for a in (ratio, low, high))
    ax.errorbar(ratio, y, xerr=error_bars(ratio, low, high), fmt="o", color=PALETTE[3], capsize=3, ms=4)
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xlim(min(low.min(), 1.0) / 1.3, max(high.max(), 1.0) * 1.3)
    ax.set_xscale("log")
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    fig.tight_layout()
    return fig


def calibration_plot(cal: pd.DataFrame, *, xlabel: str, ylabel: str):
    """Observed against predicted rate per bin, with the diagonal."""
    fig, ax = new_figure(3.4)
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8)
    ax.scatter(cal["predicted"], cal["observed"], s=8 + cal["contracts"] / cal["contracts"].max() * 40,
               color=PALETTE[0])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    fig.tight_layout()
    return fig


def rates_beside_reference(labels, rate, low, high, reference, *, xlabel: str, data_label: str,
                           reference_label: str):
    """Observed rates with intervals (dots) beside reference figures (open diamonds), one row per group."""
    labels = list(labels)
    fig, ax = new_figure(max(2.2, 0.5 * len(labels) + 1.2))
    y = np.arange(len(labels))[::-1]
    rate, low, high, ref = (np.asarray(a, dtype=float) for a in (rate, low, high, reference))
    ax.errorbar(rate, y, xerr=error_bars(rate, low, high), fmt="o", color=PALETTE[0], capsize=3, label=data_label)
    ok = ~np.isnan(ref)
    ax.scatter(ref[ok], y[ok], marker="D", facecolors="none", edgecolors=PALETTE[3], s=40, label=reference_label)
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 1)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(frameon=False, fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def observed_and_projected(observed: pd.Series, projected: pd.Series, *, xlabel: str, ylabel: str,
                           observed_label: str, projected_label: str):
    """Observed counts (dots) and a model's projection (line) over t."""
    fig, ax = new_figure(3.0)
    ax.plot(projected.index, projected.values, color=PALETTE[0], lw=1.5, label=projected_label)
    ax.scatter(observed.index, observed.values, color=PALETTE[3], zorder=3, label=observed_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, None)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def potential_vs_history(ranking: pd.DataFrame, *, xlabel: str, ylabel: str, rising_label: str, other_label: str):
    """Each customer's historical value against potential value (log axes); rising customers highlighted."""
    fig, ax = new_figure(3.6)
    r = ranking[(ranking["historical_value"] > 0) & (ranking["potential_value"] > 0)]
    rest, rising = r[~r["rising"]], r[r["rising"]]
    if len(rest):
        ax.scatter(rest["historical_value"], rest["potential_value"], s=6, color="grey", alpha=0.5, label=other_label)
    if len(rising):
        ax.scatter(rising["historical_value"], rising["potential_value"], s=14, color=PALETTE[3], label=rising_label)
    if len(r):
        # explicit limits: log autoscaling fails when one series is empty or values collapse to a point
        for setter, col in ((ax.set_xlim, "historical_value"), (ax.set_ylim, "potential_value")):
            lo, hi = float(r[col].min()), float(r[col].max())
            setter(lo / 1.5, hi * 1.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def transition_matrix(table: pd.DataFrame, order, labels: dict, *, xlabel: str, ylabel: str):
    """Counts of customers moving from a stage (rows) to a stage (columns), annotated."""
    wide = table.pivot_table(index="from_stage", columns="to_stage", values="customers", aggfunc="sum",
                             fill_value=0).reindex(index=list(order), columns=list(order), fill_value=0)
    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    data = wide.to_numpy(float)
    ax.imshow(np.log1p(data), cmap="Blues", aspect="auto")
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = int(data[i, j])
            if v:
                ax.text(j, i, f"{v:,}", ha="center", va="center", fontsize=7,
                        color="white" if np.log1p(v) > 0.6 * np.log1p(data.max()) else "black")
    names = [labels.get(s, s) for s in order]
    ax.set_xticks(range(len(order)), names, rotation=30, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), names, fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig
