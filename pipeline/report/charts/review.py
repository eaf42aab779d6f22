"""The figure of a per-customer review: each dispatch of the period against its response deadline."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

COLOURS = {"on_time": "#4c78a8", "breached": "#e45756", "open": "#bab0ac"}


def dispatch_timeline(dispatches: pd.DataFrame, period_end: pd.Timestamp, *, xlabel: str, on_time_label: str,
                      breached_label: str, open_label: str, deadline_label: str):
    """One bar per dispatch: hours from report to arrival, coloured on time / breached / still open,
    with its response deadline marked. A dispatch not yet answered is drawn up to the period's end,
    cut at 1.5 × the longest deadline so that one old ticket does not flatten the rest."""
    d = dispatches

    def hours(a, b):
        return (pd.to_datetime(b) - pd.to_datetime(a)).dt.total_seconds() / 3600

    taken = hours(d["reported_at"], d["arrived_at"])
    allowed = hours(d["reported_at"], d["response_deadline"])
    status = ["open" if pd.isna(a) else ("breached" if bool(b) else "on_time")
              for a, b in zip(d["arrived_at"], d["breached"].fillna(False))]
    span = (period_end - d["reported_at"]).dt.total_seconds() / 3600
    shown = taken.where(taken.notna(), span.clip(upper=allowed.max() * 1.5 if allowed.notna().any() else 48))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(d) + 1.4))
    y = range(len(d))[::-1]
    # ticket ids come from data: escape matplotlib's mathtext dollar signs
    labels = [str(x).replace("$", r"\$") for x in d["ticket_id"]]
    ax.barh(list(y), shown.fillna(0), color=[COLOURS[s] for s in status])
    ax.scatter(allowed, list(y), marker="|", s=250, color="black", zorder=3)
    ax.set_yticks(list(y))
    ax.set_yticklabels(labels)
    ax.set_xlabel(xlabel)
    ax.legend(handles=[Patch(color=COLOURS["on_time"], label=on_time_label),
                       Patch(color=COLOURS["breached"], label=breached_label),
                       Patch(color=COLOURS["open"], label=open_label),
                       Line2D([], [], color="black", marker="|", linestyle="", markersize=12, label=deadline_label)],
              loc="lower right", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return fig
