"""What the volatility forecast is measured against, and what it is measured on.

Per closed 1m bar t (arrays indexed by bar), for a horizon of h minutes:

    realised     RV_h(t) = Σ r²(t + 1 … t + h), r the 1m log returns (floored like the forecast's)
    ewma         h · σ²(t), σ the dynamic threshold's EWM σ in force after bar t
    last hour    h · mean r²(t − 59 … t)
    har          Corsi's HAR-RV in levels: RV_h / h = b0 + b1 · mean r² of the last 5 bars
                 + b2 · of the last 60 + b3 · of the last 1,440, fitted by least squares
                 walk-forward: each test block of ``test_bars`` is forecast with coefficients
                 from the ``train_bars`` rows whose targets were known ``h`` bars before the
                 block began (the trend model's gap rule); a forecast outside the range
                 of the training targets is replaced by their mean (Swanson and White's
                 "insanity filter": a linear fit in levels may otherwise go negative)
"""

from __future__ import annotations

import numpy as np

from omega_tasks.core.vol_forecast import FLOOR, HAR_BARS


def squared_returns(closes: np.ndarray) -> np.ndarray:
    """r²(t) per bar, floored; r²(0) is NaN (no bar before it)."""
    out = np.full(len(closes), np.nan)
    out[1:] = np.maximum(np.log(closes[1:] / closes[:-1]) ** 2, FLOOR)
    return out


def trailing_mean(squares: np.ndarray, bars: int) -> np.ndarray:
    """Mean of r² over the last ``bars`` bars up to t (fewer near the start; NaN at t = 0)."""
    values = np.nan_to_num(squares[1:])
    running = np.concatenate([[0.0], np.cumsum(values)])
    out = np.full(len(squares), np.nan)
    ends = np.arange(1, len(squares))
    starts = np.maximum(ends - bars, 0)
    out[1:] = (running[ends] - running[starts]) / (ends - starts)
    return out


def realised(squares: np.ndarray, h: int) -> np.ndarray:
    """RV over the next h bars after t (NaN without h bars after it)."""
    values = np.nan_to_num(squares)
    running = np.concatenate([[0.0], np.cumsum(values)])
    out = np.full(len(squares), np.nan)
    n = len(squares)
    if n > h:
        t = np.arange(n - h)
        out[: n - h] = running[t + h + 1] - running[t + 1]
    return out


def har(squares: np.ndarray, h: int, train_bars: int, test_bars: int, first: int) -> np.ndarray:
    """The walk-forward HAR-RV forecast of RV_h from bar ``first`` on (NaN before)."""
    x = np.column_stack([np.ones(len(squares)),
                         *(trailing_mean(squares, n) for n in HAR_BARS)])
    y = realised(squares, h) / h
    out = np.full(len(squares), np.nan)
    for a in range(first, len(squares), test_bars):
        rows = np.arange(max(1, a - h - train_bars), a - h)
        rows = rows[np.isfinite(y[rows])]
        if len(rows) < x.shape[1]:
            continue
        coef, *_ = np.linalg.lstsq(x[rows], y[rows], rcond=None)
        b = min(a + test_bars, len(squares))
        fitted = x[a:b] @ coef
        sane = (fitted >= y[rows].min()) & (fitted <= y[rows].max())
        out[a:b] = h * np.where(sane, fitted, y[rows].mean())
    return out


def moved(highs: np.ndarray, lows: np.ndarray, closes: np.ndarray, thr: np.ndarray,
          bars: int) -> np.ndarray:
    """1.0 where price reached close · (1 ± thr) within the next ``bars`` bars, 0.0 where not,
    NaN without a threshold or a full window after."""
    n = len(closes)
    out = np.full(n, np.nan)
    rows = n - bars
    if rows <= 0:
        return out
    hit = np.zeros(rows, dtype=bool)
    for k in range(1, bars + 1):
        hit |= highs[k : k + rows] >= closes[:rows] * (1 + thr[:rows])
        hit |= lows[k : k + rows] <= closes[:rows] * (1 - thr[:rows])
    out[:rows] = hit.astype(float)
    out[:rows][~np.isfinite(thr[:rows])] = np.nan
    return out
