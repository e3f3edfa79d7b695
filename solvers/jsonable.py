"""Turn solver results into plain JSON values (numpy scalars, NaN/inf -> None, tuples -> lists).

The one implementation lives in :mod:`sundhed.model.plan`; this name stays for existing imports."""
from __future__ import annotations

from sundhed.model.plan import jsonable

__all__ = ["jsonable"]
