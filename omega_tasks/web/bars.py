"""Bars of any timeframe for the chart: closed ones from closed 1m bars, plus the forming one.

Higher timeframes come from closed 1m bars, as the analyses build them (a period seen from
its middle is skipped); the forming bar of a timeframe merges its period's closed minutes with
the forming minute, so the chart's last candle moves with the market.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omega_tasks.core.bars import Resampler
from omega_tasks.core.types import MINUTE_MS, Bar


def resample(bars: Sequence[Bar], minutes: int) -> tuple[list[Bar], list[Bar]]:
    """Closed bars of ``minutes`` from closed 1m bars, and the 1m bars of the unfinished
    period they end in."""
    resampler = Resampler(minutes)
    closed = [done for bar in bars for done in resampler.update(bar)]
    return closed, list(resampler.parts)


def forming_bar(parts: Sequence[Bar], minute: Bar | None, minutes: int) -> Bar | None:
    """The forming bar of ``minutes``: its period's closed minutes and the forming minute."""
    if minute is None:
        return None
    span = minutes * MINUTE_MS
    start = minute.open_ms - minute.open_ms % span
    members = [p for p in parts if p.open_ms >= start] + [minute]
    return Bar(
        open_ms=start, open=members[0].open, high=max(p.high for p in members),
        low=min(p.low for p in members), close=minute.close,
        volume=sum(p.volume for p in members), buy_volume=sum(p.buy_volume for p in members),
        trades=sum(p.trades for p in members), first_id=members[0].first_id,
        last_id=minute.last_id, minutes=minutes,
    )


def bar_json(bar: Bar) -> dict[str, Any]:
    """A bar as the API gives it: times in epoch milliseconds, UTC."""
    return {
        "open_ms": bar.open_ms, "close_ms": bar.close_ms, "open": bar.open, "high": bar.high,
        "low": bar.low, "close": bar.close, "volume": bar.volume, "buy_volume": bar.buy_volume,
        "sell_volume": bar.sell_volume, "trades": bar.trades, "first_id": bar.first_id,
        "last_id": bar.last_id,
    }
