"""Synthetic 1m bars for model tests: a random walk, and one with planted momentum."""

from __future__ import annotations

import numpy as np

from omega_tasks.core.types import MINUTE_MS, Bar

START_MS = 1_750_000_000_000 - 1_750_000_000_000 % MINUTE_MS


def bars_from_returns(returns: np.ndarray, seed: int, start_price: float = 100_000.0,
                      buy_share: np.ndarray | None = None, start_ms: int = START_MS) -> list[Bar]:
    """Turn 1m log returns into bars with wicks, volumes and buy volumes."""
    rng = np.random.default_rng(seed + 1)
    n = len(returns)
    closes = start_price * np.exp(np.cumsum(returns))
    opens = np.concatenate([[start_price], closes[:-1]])
    wick = np.abs(rng.normal(0.0, 0.0003, size=(2, n)))
    highs = np.maximum(opens, closes) * np.exp(wick[0])
    lows = np.minimum(opens, closes) * np.exp(-wick[1])
    volumes = rng.gamma(2.0, 5.0, size=n)
    shares = rng.uniform(0.2, 0.8, size=n) if buy_share is None else buy_share
    return [
        Bar(start_ms + i * MINUTE_MS, float(opens[i]), float(highs[i]), float(lows[i]),
            float(closes[i]), float(volumes[i]), float(volumes[i] * shares[i]), 10)
        for i in range(n)
    ]


def random_walk(n: int, seed: int = 0, sigma: float = 0.0008) -> list[Bar]:
    """Independent normal 1m log returns: nothing to predict."""
    rng = np.random.default_rng(seed)
    return bars_from_returns(rng.normal(0.0, sigma, size=n), seed)


def momentum(n: int, seed: int = 0, sigma: float = 0.0008, phi: float = 0.4,
             end_ms: int | None = None, end_price: float | None = None) -> list[Bar]:
    """AR(1) 1m log returns: each minute carries on a share ``phi`` of the last one.

    With ``end_ms`` the last bar closes there; with ``end_price`` it closes at that price.
    """
    rng = np.random.default_rng(seed)
    noise = rng.normal(0.0, sigma, size=n)
    returns = np.empty(n)
    returns[0] = noise[0]
    for i in range(1, n):
        returns[i] = phi * returns[i - 1] + noise[i]
    start_ms = START_MS if end_ms is None else end_ms - n * MINUTE_MS
    start_price = 100_000.0 if end_price is None else end_price / float(np.exp(returns.sum()))
    return bars_from_returns(returns, seed, start_price, start_ms=start_ms)


def with_future_changed(bars: list[Bar], after: int, seed: int = 99) -> list[Bar]:
    """The same bars up to index ``after``, a different random walk from there on."""
    tail = random_walk(len(bars) - after - 1, seed, sigma=0.002)
    scale = bars[after].close / 100_000.0
    changed = [
        Bar(bars[after + 1 + i].open_ms, b.open * scale, b.high * scale, b.low * scale,
            b.close * scale, b.volume * 3, b.buy_volume, b.trades)
        for i, b in enumerate(tail)
    ]
    return bars[: after + 1] + changed
