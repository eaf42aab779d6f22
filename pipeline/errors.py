"""Errors that reach the user as one clear message (the CLI prints them without a traceback)."""

from __future__ import annotations

from pathlib import Path


class PipelineError(Exception):
    """A failure the user can act on; its message is complete on its own."""


class InputError(PipelineError, ValueError):
    """Bad input: names the file and, where they apply, the row and the column.

    ``row`` is the row number a person sees in a spreadsheet (the header is row 1 of a CSV).
    """

    def __init__(self, message: str, *, file: str | Path | None = None,
                 row: int | None = None, column: str | None = None):
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.detail = message
        where = []
        if self.file:
            where.append(self.file)
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)

    def __reduce__(self):
        # keep file, row and column when the error crosses a process boundary (Dask workers)
        return (_input_error, (self.detail, self.file, self.row, self.column))


def _input_error(message, file, row, column) -> InputError:
    return InputError(message, file=file, row=row, column=column)
