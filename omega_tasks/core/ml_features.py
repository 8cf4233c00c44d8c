"""Causal features of the trend model: each row is a function of the last ``WINDOW`` 1m bars.

Row t describes the market at the close of bar t from bars t − 60 … t only, so a feature
never sees a later bar, and the row a worker computes from the last ``WINDOW`` bars equals
the row of the same bar in a batch over the whole history. Rolling quantities are summed
over each row's own window (never with cumulative sums), so the arithmetic is the same for
one row as for a hundred thousand.

    ret_{1,5,15,60}      log return over h bars, in units of σ60 · √h
    log_sigma60          log of σ60, the std of the window's 60 1m log returns
    vol_ratio            log(σ15 / σ60): volatility now against the window's
    adx14, di_diff       Wilder's ADX14 and (DI+ − DI−), run over the window, / 100
    chop14               choppiness index of the last 14 bars, / 100
    er_{15,60}           signed efficiency ratio: net move / Σ |moves|
    fib_pos              where the close sits in the window's high–low range, 0..1
    fib_dist_atr         distance to the nearest Fibonacci ratio of that range, in ATR14
    imb_{1,5,15}         buy/sell volume imbalance (buy − sell) / volume over h bars
    volume_z             log of volume over the window's mean volume
    hour_sin, hour_cos   time of day of the bar's close

``shapes`` gives each bar's price shape for the pattern clusters (``core/ml_patterns.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from omega_tasks.core.types import Bar

LOOKBACK = 60
WINDOW = LOOKBACK + 1
WILDER = 14
FIB_RATIOS = (0.236, 0.382, 0.5, 0.618, 0.786)
RETURN_BARS = (1, 5, 15, 60)
IMBALANCE_BARS = (1, 5, 15)
DAY_MS = 86_400_000
TINY = 1e-12
FEATURES: tuple[str, ...] = (
    *(f"ret_{h}" for h in RETURN_BARS),
    "log_sigma60",
    "vol_ratio",
    "adx14",
    "di_diff",
    "chop14",
    "er_15",
    "er_60",
    "fib_pos",
    "fib_dist_atr",
    *(f"imb_{h}" for h in IMBALANCE_BARS),
    "volume_z",
    "hour_sin",
    "hour_cos",
)

Array = np.ndarray


@dataclass(frozen=True, slots=True)
class BarColumns:
    """Closed 1m bars, column by column, in time order."""

    open_ms: Array
    open: Array
    high: Array
    low: Array
    close: Array
    volume: Array
    buy_volume: Array

    def __len__(self) -> int:
        return len(self.close)

    @classmethod
    def of(cls, bars: Sequence[Bar]) -> BarColumns:
        rows = np.array([(b.open, b.high, b.low, b.close, b.volume, b.buy_volume)
                         for b in bars], dtype=float).reshape(-1, 6)
        return cls(np.array([b.open_ms for b in bars], dtype=np.int64), *rows.T.copy())

    def tail(self, n: int) -> BarColumns:
        """Return the last ``n`` bars."""
        return BarColumns(*(c[-n:] for c in self.columns()))

    def columns(self) -> tuple[Array, ...]:
        return (self.open_ms, self.open, self.high, self.low, self.close, self.volume,
                self.buy_volume)


class _Window:
    """Views of a column at each row's window positions: ``at(x, j)`` is x[t − LOOKBACK + j]."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows = n - LOOKBACK

    def at(self, x: Array, j: int) -> Array:
        return x[j : j + self.rows]

    def last(self, x: Array, k: int) -> Array:
        """x[t − k] for each row."""
        return self.at(x, LOOKBACK - k)

    def span(self, x: Array, bars: int) -> Array:
        """Each row's last ``bars`` values of x, as a (rows, bars) view."""
        seg = x[LOOKBACK - bars + 1 : self.n]
        view: Array = np.lib.stride_tricks.sliding_window_view(seg, bars)
        return view

    def total(self, x: Array, bars: int) -> Array:
        """Σ x[t − k] for k < bars (each row summed on its own, the same way every time)."""
        out: Array = self.span(x, bars).sum(axis=1)
        return out

    def extreme(self, x: Array, bars: int, pick: np.ufunc) -> Array:
        out: Array = pick.reduce(self.span(x, bars), axis=1)
        return out


def feature_matrix(cols: BarColumns) -> Array:
    """Return one row of ``FEATURES`` per bar; rows before ``WINDOW`` bars are NaN."""
    n = len(cols)
    out = np.full((n, len(FEATURES)), np.nan)
    if n < WINDOW:
        return out
    w = _Window(n)
    close, high, low = cols.close, cols.high, cols.low
    logc = np.log(close)
    ret = np.zeros(n)
    ret[1:] = logc[1:] - logc[:-1]
    prev = np.empty(n)
    prev[0], prev[1:] = close[0], close[:-1]
    tr = np.maximum(high - low, np.maximum(np.abs(high - prev), np.abs(low - prev)))
    sigma60 = _std(w, ret, LOOKBACK)
    sigma15 = _std(w, ret, 15)
    now = w.last(logc, 0)
    found: list[Array] = []
    for h in RETURN_BARS:
        move = now - w.last(logc, h)
        found.append(_ratio(move, sigma60 * math.sqrt(h)))
    found.append(np.log(np.maximum(sigma60, TINY)))
    found.append(np.log(np.maximum(sigma15, TINY) / np.maximum(sigma60, TINY)))
    adx, di_diff = _adx(w, cols, tr)
    found += [adx, di_diff, _chop(w, cols, tr)]
    steps = np.abs(ret)
    for h in (15, 60):
        found.append(_ratio(now - w.last(logc, h), w.total(steps, h)))
    found += _fib(w, cols, tr)
    signed = 2.0 * cols.buy_volume - cols.volume
    for h in IMBALANCE_BARS:
        found.append(_ratio(w.total(signed, h), w.total(cols.volume, h)))
    mean_volume = w.total(cols.volume, LOOKBACK) / LOOKBACK
    found.append(np.log((w.last(cols.volume, 0) + TINY) / (mean_volume + TINY)))
    phase = 2.0 * np.pi * ((w.last(cols.open_ms, 0) + 60_000) % DAY_MS) / DAY_MS
    found += [np.sin(phase), np.cos(phase)]
    out[LOOKBACK:] = np.column_stack(found)
    return out


def latest_features(cols: BarColumns) -> Array | None:
    """Return the feature row of the last bar, or None with fewer than ``WINDOW`` bars."""
    if len(cols) < WINDOW:
        return None
    row: Array = feature_matrix(cols.tail(WINDOW))[-1]
    return row


def _ratio(num: Array, den: Array) -> Array:
    safe = np.where(den > TINY, den, 1.0)
    return np.where(den > TINY, num / safe, 0.0)


def _std(w: _Window, x: Array, bars: int) -> Array:
    span = w.span(x, bars)
    mean = span.sum(axis=1) / bars
    out: Array = np.sqrt(((span - mean[:, None]) ** 2).sum(axis=1) / bars)
    return out


def _adx(w: _Window, cols: BarColumns, tr: Array) -> tuple[Array, Array]:
    """Wilder's DI± and ADX14 over the window's 60 bar pairs (as ``indicators.Dmi``).

    Each Wilder average is linear in its inputs, so the smoothed movements at every window
    position are one product with fixed weights, and so is ADX over the DX values.
    """
    up = np.zeros(len(cols))
    down = np.zeros(len(cols))
    up[1:] = cols.high[1:] - cols.high[:-1]
    down[1:] = cols.low[:-1] - cols.low[1:]
    plus = np.where((up > down) & (up > 0.0), up, 0.0)
    minus = np.where((down > up) & (down > 0.0), down, 0.0)
    smooth, adx_weights = _wilder_weights()
    s_plus = w.span(plus, LOOKBACK) @ smooth
    s_minus = w.span(minus, LOOKBACK) @ smooth
    dx = _ratio(100.0 * np.abs(s_plus - s_minus), s_plus + s_minus)  # the smoothed TR cancels
    s_tr = w.span(tr, LOOKBACK) @ smooth[:, -1]
    di_diff = _ratio(s_plus[:, -1] - s_minus[:, -1], s_tr)
    adx: Array = dx @ adx_weights
    return adx / 100.0, di_diff


@cache
def _wilder_weights() -> tuple[Array, Array]:
    """Weights of Wilder's average at each window position over the window's 60 values
    (seeded with the mean of the first 14), and of ADX over the DX values that follow."""
    alpha = 1.0 / WILDER
    steps = LOOKBACK - WILDER + 1  # positions with a smoothed value
    smooth = np.zeros((LOOKBACK, steps))
    smooth[:WILDER, 0] = alpha
    for m in range(1, steps):
        smooth[:, m] = (1.0 - alpha) * smooth[:, m - 1]
        smooth[WILDER - 1 + m, m] += alpha
    adx = np.zeros(steps)
    adx[:WILDER] = alpha
    for m in range(WILDER, steps):
        adx *= 1.0 - alpha
        adx[m] += alpha
    return smooth, adx


def _chop(w: _Window, cols: BarColumns, tr: Array) -> Array:
    total = w.total(tr, WILDER)
    span = w.extreme(cols.high, WILDER, np.maximum) - w.extreme(cols.low, WILDER, np.minimum)
    ok = (span > 0.0) & (total > 0.0)
    value = np.log10(np.where(ok, total, 1.0) / np.where(ok, span, 1.0)) / math.log10(WILDER)
    return np.where(ok, value, 1.0)


def _fib(w: _Window, cols: BarColumns, tr: Array) -> list[Array]:
    high = w.extreme(cols.high, LOOKBACK, np.maximum)
    low = w.extreme(cols.low, LOOKBACK, np.minimum)
    span = high - low
    pos = _ratio(w.last(cols.close, 0) - low, span)
    nearest = np.min(np.abs(pos[:, None] - np.array(FIB_RATIOS)[None, :]), axis=1)
    atr = w.total(tr, WILDER) / WILDER
    return [pos, _ratio(nearest * span, atr)]


def shapes(close: Array, bars: int) -> Array:
    """Return each bar's normalised shape of the last ``bars`` closes; NaN rows before."""
    n = len(close)
    out = np.full((n, bars), np.nan)
    if n < bars:
        return out
    logc = np.log(close)
    window = np.lib.stride_tricks.sliding_window_view(logc, bars)
    centred = window - window.mean(axis=1, keepdims=True)
    scale = centred.std(axis=1, keepdims=True)
    out[bars - 1 :] = np.where(scale > 1e-12, centred / np.where(scale > 1e-12, scale, 1.0), 0.0)
    return out
