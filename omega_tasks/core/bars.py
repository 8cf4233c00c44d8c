"""Bars from trades (1m) and higher timeframes from closed 1m bars.

A bar closes when the first trade of a later minute arrives, so bar closing depends on the
trades alone, never on a clock. Minutes without trades become flat bars (volume 0) at the
previous close, as exchange klines do, up to ``MAX_FILL_MINUTES``; a longer silence is a
discontinuity, not a week of flat bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omega_tasks.core.types import MINUTE_MS, Bar

MAX_FILL_MINUTES = 24 * 60
TIMEFRAMES = {"1m": 1, "5m": 5, "15m": 15, "1h": 60, "4h": 240}
NO_BARS: tuple[Bar, ...] = ()


class BarClock:
    """Fold trades into 1m bars; ``update`` returns the bars a trade closes."""

    __slots__ = ("buy", "close", "first", "high", "last", "low", "n", "open", "open_ms", "volume")

    def __init__(self) -> None:
        self.open_ms = -1
        self.open = self.high = self.low = self.close = 0.0
        self.volume = self.buy = 0.0
        self.n = self.first = self.last = 0

    def update(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> Sequence[Bar]:
        """Add one trade; return the bars it closes (usually none)."""
        closed: Sequence[Bar] = NO_BARS
        if time_ms >= self.open_ms + MINUTE_MS:
            closed = self._turn(trade_id, time_ms, price)
        # A trade stamped earlier than the forming minute (clock skew) joins the forming bar.
        if price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        self.close = price
        self.volume += size
        if side > 0:
            self.buy += size
        self.n += 1
        self.last = trade_id
        return closed

    def _turn(self, trade_id: int, time_ms: int, price: float) -> list[Bar]:
        """Close the forming bar (and fill silent minutes); open the trade's minute."""
        minute = time_ms - time_ms % MINUTE_MS
        closed: list[Bar] = []
        if self.open_ms >= 0:
            closed.append(self.forming())
            gap = (minute - self.open_ms) // MINUTE_MS - 1
            if gap <= MAX_FILL_MINUTES:
                c = self.close
                for k in range(1, gap + 1):
                    closed.append(Bar(self.open_ms + k * MINUTE_MS, c, c, c, c, 0.0, 0.0))
        self.open_ms = minute
        self.open = self.high = self.low = price
        self.volume = self.buy = 0.0
        self.n = 0
        self.first = trade_id
        return closed

    def forming(self) -> Bar:
        """Return the bar being formed, as it stands."""
        return Bar(
            self.open_ms, self.open, self.high, self.low, self.close,
            self.volume, self.buy, self.n, self.first, self.last,
        )

    @property
    def started(self) -> bool:
        return self.open_ms >= 0

    def dump(self) -> list[Any]:
        return [
            self.open_ms, self.open, self.high, self.low, self.close,
            self.volume, self.buy, self.n, self.first, self.last,
        ]

    @classmethod
    def load(cls, data: list[Any]) -> BarClock:
        clock = cls()
        (
            clock.open_ms, clock.open, clock.high, clock.low, clock.close,
            clock.volume, clock.buy, clock.n, clock.first, clock.last,
        ) = data
        return clock


class Resampler:
    """Fold closed 1m bars into closed bars of ``minutes`` minutes, aligned to the epoch.

    A period is only built when its first minute was seen, so data that starts mid-period
    gives its first higher-timeframe bar at the next period boundary.
    """

    __slots__ = ("minutes", "parts")

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self.parts: list[Bar] = []

    def update(self, bar: Bar) -> list[Bar]:
        """Add a closed 1m bar; return the higher-timeframe bars it completes (0, 1 or 2)."""
        if self.minutes == 1:
            return [bar]
        span = self.minutes * MINUTE_MS
        start = bar.open_ms - bar.open_ms % span
        done = []
        if self.parts and self.parts[0].open_ms - self.parts[0].open_ms % span != start:
            done.append(self._merge())  # a long silence skipped the period's last minute
        if not self.parts and bar.open_ms != start:
            return done  # a period seen from its middle would misstate its open: skip it
        self.parts.append(bar)
        if bar.open_ms + MINUTE_MS == start + span:
            done.append(self._merge())
        return done

    def _merge(self) -> Bar:
        parts, self.parts = self.parts, []
        span = self.minutes * MINUTE_MS
        traded = [p for p in parts if p.trades]
        return Bar(
            open_ms=parts[0].open_ms - parts[0].open_ms % span,
            open=parts[0].open,
            high=max(p.high for p in parts),
            low=min(p.low for p in parts),
            close=parts[-1].close,
            volume=sum(p.volume for p in parts),
            buy_volume=sum(p.buy_volume for p in parts),
            trades=sum(p.trades for p in parts),
            first_id=traded[0].first_id if traded else 0,
            last_id=traded[-1].last_id if traded else 0,
            minutes=self.minutes,
        )

    def dump(self) -> list[Any]:
        return [self.minutes, [p.dump() for p in self.parts]]

    @classmethod
    def load(cls, data: list[Any]) -> Resampler:
        resampler = cls(data[0])
        resampler.parts = [Bar.load(p) for p in data[1]]
        return resampler
