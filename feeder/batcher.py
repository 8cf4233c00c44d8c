"""Micro-batching: ticks of one symbol flush as a batch on size or on age, whichever first."""

from __future__ import annotations

from dataclasses import dataclass, field

from omega_tasks.messages import Tick


@dataclass(slots=True)
class _Pending:
    ticks: list[Tick] = field(default_factory=list)
    since: float = 0.0


class MicroBatcher:
    """Collect ticks per symbol; hand out full or old enough batches of them."""

    def __init__(self, max_ticks: int, max_age_s: float) -> None:
        self.max_ticks = max_ticks
        self.max_age_s = max_age_s
        self._pending: dict[tuple[str, str], _Pending] = {}

    def add(self, tick: Tick, now: float) -> list[Tick] | None:
        """Add a tick; return its symbol's batch if that is now full."""
        key = (tick.exchange, tick.symbol)
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(since=now)
        elif not pending.ticks:
            pending.since = now
        pending.ticks.append(tick)
        if len(pending.ticks) >= self.max_ticks:
            ticks, pending.ticks = pending.ticks, []
            return ticks
        return None

    def take(self, exchange: str, symbol: str) -> list[Tick]:
        """Return and clear one symbol's pending ticks (perhaps none)."""
        pending = self._pending.get((exchange, symbol))
        if pending is None:
            return []
        ticks, pending.ticks = pending.ticks, []
        return ticks

    def due(self, now: float) -> list[list[Tick]]:
        """Return and clear the batches that have waited ``max_age_s`` or longer."""
        out = []
        for pending in self._pending.values():
            if pending.ticks and now - pending.since >= self.max_age_s:
                out.append(pending.ticks)
                pending.ticks = []
        return out

    def drain(self) -> list[list[Tick]]:
        """Return and clear every pending batch."""
        out = [p.ticks for p in self._pending.values() if p.ticks]
        for pending in self._pending.values():
            pending.ticks = []
        return out

    def next_due(self) -> float | None:
        """Return when the oldest pending batch falls due (None if nothing is pending)."""
        times = [p.since + self.max_age_s for p in self._pending.values() if p.ticks]
        return min(times) if times else None
