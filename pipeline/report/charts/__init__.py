"""The report's figures, in the house style: :mod:`.base` (bars, rates with intervals, curves, heatmaps),
:mod:`.value` (chapter 3) and :mod:`.lifecycle` (chapter 4). Each function takes the data and the
labels, already translated, and returns a matplotlib figure."""
