"""Demand aggregation shared by the covering models (akutbiler, sundhedshuse).

Points whose coverage rows are identical (the same set of sites or stations within the time limit) and that
share every attribute a constraint looks at (region, catchment, ...) are interchangeable in a covering model
whose per-point decisions are continuous: one group with the summed weight gives the same optimum, and a
group's (fractional) decision applies to each member alike, which splits it back proportionally to weight.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def group_points(mask: np.ndarray, rows: Sequence[np.ndarray],
                 codes: np.ndarray | Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Aggregate the points in ``mask`` with identical boolean coverage rows (and identical integer codes).

    ``mask``: (n,) bool, the points to group; ``rows``: (n, m_k) boolean matrices whose rows must all agree;
    ``codes``: one (n,) integer array or several, e.g. region or catchment numbers, that must agree too.

    Returns ``(rep, inv, idx)``: ``idx`` the masked point indices (ascending), ``inv[a]`` the group of point
    ``idx[a]`` and ``rep[g]`` the smallest point index of group ``g`` (its representative); groups are numbered
    in the lexicographic order of their keys.
    """
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return idx, np.zeros(0, dtype=int), idx
    parts = [np.packbits(np.asarray(r, dtype=bool)[idx], axis=1) for r in rows]
    if codes is not None:
        code_list = [codes] if isinstance(codes, np.ndarray) and codes.ndim == 1 else list(codes)
        for c in code_list:
            parts.append(np.ascontiguousarray(np.asarray(c)[idx].astype("<i8")).view(np.uint8).reshape(len(idx), 8))
    key = np.ascontiguousarray(np.concatenate(parts, axis=1)) if parts else np.zeros((len(idx), 0), dtype=np.uint8)
    if key.shape[1] == 0:
        return idx[:1], np.zeros(len(idx), dtype=int), idx
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return idx[first], np.asarray(inv).reshape(-1), idx


def label_codes(labels: Sequence) -> np.ndarray:
    """(n,) integer code per label (equal labels, equal codes), for :func:`group_points`' ``codes``."""
    _, inv = np.unique(np.asarray([str(x) for x in labels], dtype=object).astype(str), return_inverse=True)
    return np.asarray(inv).reshape(-1).astype(np.int64)
