"""Errors raised for bad input data: one clear message naming the file and, where known, the row."""
from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """A data file is missing, unreadable or inconsistent.

    ``str(err)`` names the file and the row (1-based data row, header excluded) so a user can fix it
    without reading a pandas traceback.
    """

    def __init__(self, path: str | Path | None, message: str, row: int | None = None):
        self.path = str(path) if path is not None else None
        self.row = row
        where = self.path or "<data>"
        if row is not None:
            where += f", row {row}"
        super().__init__(f"{where}: {message}")
