"""Trade-id bookkeeping per symbol: drop repeats, notice skipped ranges."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.messages import Tick


@dataclass(frozen=True, slots=True)
class Gap:
    """Trade ids that never arrived: ``first_id`` to ``last_id`` inclusive."""

    exchange: str
    symbol: str
    first_id: int
    last_id: int
    before_ms: int
    after_ms: int

    @property
    def missing(self) -> int:
        return self.last_id - self.first_id + 1


class Sequencer:
    """Check that each symbol's trade ids arrive once and without holes."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], tuple[int, int]] = {}
        self.duplicates = 0

    def resume(self, exchange: str, symbol: str, last_id: int, last_ms: int) -> None:
        """Continue after a trade already stored (e.g. by an earlier run)."""
        self.last[(exchange, symbol)] = (last_id, last_ms)

    def is_repeat(self, tick: Tick) -> bool:
        """Whether the tick's id was seen already (a repeat is counted and must be dropped)."""
        seen = self.last.get((tick.exchange, tick.symbol))
        if seen is not None and tick.trade_id <= seen[0]:
            self.duplicates += 1
            return True
        return False

    def admit(self, tick: Tick) -> Gap | None:
        """Record a tick that is not a repeat; return the gap before it, if there is one."""
        key = (tick.exchange, tick.symbol)
        seen = self.last.get(key)
        self.last[key] = (tick.trade_id, tick.exchange_ms)
        if seen is not None and tick.trade_id > seen[0] + 1:
            return Gap(tick.exchange, tick.symbol, seen[0] + 1, tick.trade_id - 1,
                       seen[1], tick.exchange_ms)
        return None
