"""The house chart style, without choosing a matplotlib backend: the palette, the text width and the axes.

The report's renderers (:mod:`.base`) force the non-interactive backend; an analyst's plots in
JupyterLab (:mod:`pipeline.clv.plotting`) must not, so the style lives here for both."""

from __future__ import annotations

import seaborn as sns

PALETTE = sns.color_palette("deep")
WIDTH = 6.4          # inches: the text width of an A4 page with the report's margins


def new_figure(height: float = 3.4):
    """A figure of the report's text width and ``height`` inches, with the house axes (no top or right spine)."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(WIDTH, height))
    house_axes(ax)
    return fig, ax


def house_axes(ax):
    """The house look on an existing axes: no top or right spine."""
    ax.spines[["top", "right"]].set_visible(False)
    return ax
