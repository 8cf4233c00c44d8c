"""Trades from candles: a four-point path per bar, so tick-level analyses run on klines.

Each bar becomes open → low → high → close when it closed up, open → high → low → close when
it closed down (the usual assumption when the intrabar order is unknown), 15 s apart, each
carrying a quarter of the volume, the aggressor side following the move. Folding these
trades back into 1m bars gives the original candles.
"""

from __future__ import annotations

from collections.abc import Sequence

from omega_tasks.core.types import Bar, Trades

STEP_MS = 15_000


def trades_from_bars(bars: Sequence[Bar], first_id: int = 1) -> Trades:
    """Return four synthetic trades per bar, ids consecutive from ``first_id``."""
    ids: list[int] = []
    times: list[int] = []
    prices: list[float] = []
    sizes: list[float] = []
    sides: list[int] = []
    last = bars[0].open if bars else 0.0
    next_id = first_id
    for bar in bars:
        if bar.close >= bar.open:
            path = (bar.open, bar.low, bar.high, bar.close)
        else:
            path = (bar.open, bar.high, bar.low, bar.close)
        quarter = bar.volume / 4
        for step, price in enumerate(path):
            ids.append(next_id)
            times.append(bar.open_ms + step * STEP_MS)
            prices.append(price)
            sizes.append(quarter)
            sides.append(1 if price >= last else -1)
            last = price
            next_id += 1
    return Trades(tuple(ids), tuple(times), tuple(prices), tuple(sizes), tuple(sides))
