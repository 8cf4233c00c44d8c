"""Trade-id bookkeeping per symbol: drop repeats, notice skipped ranges, doubt wild jumps.

A trade id far ahead of the last one, further than any market trades in the time between
them, is far more likely a corrupt message than a real trade; taken at face value it would
turn every real trade after it into a "repeat". Such a trade is doubted (dead-lettered) until
the next one continues from it, which a corrupt id never does and a real renumbering does.
The time allowed for a jump is the lesser of the exchange-time and receive-time gaps, so a
corrupt message cannot make room for its id with a corrupt time.
"""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.messages import Tick

JUMP_SLACK_IDS = 100_000  # a jump this big is always plausible (a reconnect after a while)
MAX_IDS_PER_MS = 1_000  # no market trades a million times a second


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
        self.last: dict[tuple[str, str], tuple[int, int, int]] = {}  # id, exchange, receive ms
        self.duplicates = 0
        self._doubted: dict[tuple[str, str], int] = {}

    def resume(self, exchange: str, symbol: str, last_id: int, last_ms: int) -> None:
        """Continue after a trade already stored (e.g. by an earlier run)."""
        self.last[(exchange, symbol)] = (last_id, last_ms, last_ms)

    def is_repeat(self, tick: Tick) -> bool:
        """Whether the tick's id was seen already (a repeat is counted and must be dropped)."""
        seen = self.last.get((tick.exchange, tick.symbol))
        if seen is not None and tick.trade_id <= seen[0]:
            self.duplicates += 1
            return True
        return False

    def doubt(self, tick: Tick) -> str | None:
        """Say why a tick that is not a repeat is implausibly far ahead, or None if it is not.

        A doubted tick must be dropped; the next tick that continues from it is believed.
        """
        key = (tick.exchange, tick.symbol)
        seen = self.last.get(key)
        if seen is None:
            return None
        jump = tick.trade_id - seen[0]
        elapsed_ms = max(0, min(tick.exchange_ms - seen[1],
                                tick.received_ns // 1_000_000 - seen[2]))
        if jump <= JUMP_SLACK_IDS + MAX_IDS_PER_MS * elapsed_ms:
            if self._doubted:  # almost always empty: the common path stays two comparisons
                self._doubted.pop(key, None)
            return None
        if self._doubted.pop(key, None) == tick.trade_id - 1:
            return None
        self._doubted[key] = tick.trade_id
        return (f"implausible trade id {tick.trade_id}: {jump:,} ids after trade {seen[0]} "
                f"in {elapsed_ms:,} ms")

    def admit(self, tick: Tick) -> Gap | None:
        """Record a tick that is not a repeat; return the gap before it, if there is one."""
        key = (tick.exchange, tick.symbol)
        seen = self.last.get(key)
        self.last[key] = (tick.trade_id, tick.exchange_ms, tick.received_ns // 1_000_000)
        if seen is not None and tick.trade_id > seen[0] + 1:
            return Gap(tick.exchange, tick.symbol, seen[0] + 1, tick.trade_id - 1,
                       seen[1], tick.exchange_ms)
        return None
