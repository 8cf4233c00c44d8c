"""What the feeder reports as it works: metrics and logs hook in here, not in the loop."""

from __future__ import annotations

from omega_tasks.messages import Batch


class FeedObserver:
    """Hears about the feeder's work; every method is a no-op until overridden."""

    def trades_received(self, exchange: str, symbol: str, count: int) -> None:
        """Trades arrived from a source (before repeats are dropped)."""

    def duplicate_dropped(self, exchange: str, symbol: str) -> None:
        """A trade id already seen arrived again and was dropped."""

    def gap(self, exchange: str, symbol: str, missing: int, closed: bool) -> None:
        """A skipped trade-id range was found; ``closed`` if backfill recovered all of it."""

    def liquidation(self, exchange: str, symbol: str) -> None:
        """A futures exchange reported a forced liquidation order."""

    def dead_letter(self, source: str, reason: str) -> None:
        """A message could not be used and went to the dead-letter stream."""

    def batch_published(self, batch: Batch, seconds: float) -> None:
        """A batch was stored and sent to the queues, taking ``seconds``."""

    def connection(self, exchange: str, state: str) -> None:
        """A source's connection changed state (connecting, connected, stale, closed)."""

    def reconnect(self, exchange: str, reason: str) -> None:
        """A source reconnected, saying why."""

    def writes_failing(self, reason: str) -> None:
        """Storing or sending failed and is being retried (``reason``: e.g. "redis full")."""

    def writes_ok(self) -> None:
        """A batch was stored and sent again after failures."""
