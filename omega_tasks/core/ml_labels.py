"""Triple-barrier labels from the dynamic threshold: up, down or neither within the horizon.

At the close of bar t, with the threshold thr in force there (``core/threshold.py``, a
fraction of price), the label is

    UP       a later bar's high reaches close · (1 + thr) before any low reaches close · (1 − thr)
    DOWN     the mirror
    NEITHER  neither barrier is reached by bars t + 1 … t + horizon

When one bar reaches both barriers, the order within it is that of ``core/candles.py``: a
bar that closed up went to its low first. The label of bar t is known at the close of bar
t + horizon, never before: ``known_by`` says which bar.
"""

from __future__ import annotations

import numpy as np

from omega_tasks.core.ml_features import BarColumns

DOWN, NEITHER, UP = -1, 0, 1
CLASSES = (DOWN, NEITHER, UP)
CLASS_NAMES = {DOWN: "down", NEITHER: "neither", UP: "up"}
UNKNOWN = -9


def triple_barrier(cols: BarColumns, thr: np.ndarray, horizon: int) -> np.ndarray:
    """Return each bar's label; ``UNKNOWN`` without a threshold or a full horizon after it."""
    n = len(cols)
    labels = np.full(n, UNKNOWN, dtype=np.int8)
    rows = n - horizon
    if rows <= 0:
        return labels
    entry = cols.close[:rows]
    up_at = entry * (1.0 + thr[:rows])
    down_at = entry * (1.0 - thr[:rows])
    decided = np.zeros(rows, dtype=bool)
    out = np.zeros(rows, dtype=np.int8)
    for k in range(1, horizon + 1):
        high = cols.high[k : k + rows]
        low = cols.low[k : k + rows]
        hit_up = high >= up_at
        hit_down = low <= down_at
        both = hit_up & hit_down
        closed_up = cols.close[k : k + rows] >= cols.open[k : k + rows]
        first = np.where(both, np.where(closed_up, DOWN, UP),
                         np.where(hit_up, UP, np.where(hit_down, DOWN, NEITHER)))
        new = ~decided & (first != NEITHER)
        out[new] = first[new]
        decided |= new
    out[~np.isfinite(thr[:rows])] = UNKNOWN
    labels[:rows] = out
    return labels

