"""Why a raw row is rejected: the reason codes, and the first reason found for each row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.contract import REJECT_REASONS


class RowReasons:
    """First failure per row: later checks do not overwrite an earlier reason.

    Kept as numpy arrays (a small integer per row naming its reason): a file's dozen checks each
    test "not yet flagged", which on object strings cost more than the checks themselves.
    """

    def __init__(self, index: pd.Index):
        self.index = index
        self._code = np.zeros(len(index), dtype=np.int16)      # 0: fine; i: self._names[i]
        self._names = [""]
        self._text = np.full(len(index), "", dtype=object)

    def flag(self, mask, code: str, column: str | None, values: pd.Series | None = None):
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)
        mask = np.asarray(mask, dtype=bool) & (self._code == 0)
        if not mask.any():
            return
        if code not in self._names:
            self._names.append(code)
        self._code[mask] = self._names.index(code)
        detail = REJECT_REASONS.get(code, code)
        if values is not None:
            hit = values.iloc[np.flatnonzero(mask)]
            self._text[mask] = [f"column {column!r}: {detail}: {v!r}" for v in hit]
        else:
            self._text[mask] = f"column {column!r}: {detail}" if column else detail

    def flag_per_row(self, reasons: pd.Series, column: str, values: pd.Series):
        for code in pd.unique(reasons[reasons != ""]):
            self.flag(reasons == code, code, column, values)

    @property
    def code(self) -> pd.Series:
        return pd.Series(np.array(self._names, dtype=object)[self._code], index=self.index)

    @property
    def text(self) -> pd.Series:
        return pd.Series(self._text, index=self.index)

    @property
    def bad(self) -> pd.Series:
        return pd.Series(self._code != 0, index=self.index)
