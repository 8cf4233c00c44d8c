"""Several exchanges in one feeder: one source (one connection) per venue, each on a thread of
its own, all emitting into the one feeder loop that stays the single writer of every symbol.

Items of different venues interleave in arrival order; everything downstream (the screen,
the sequencer, the batcher, the books) keys by exchange and symbol, so they never mix. The
REST side (gap backfill, book snapshots) is the venue's own, picked by the item's exchange.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from feeder.sequencer import Gap
from feeder.service import Backfill, Snapshots
from feeder.sources import DepthSnapshot, Emit, Source
from omega_tasks.errors import ConfigError
from omega_tasks.messages import Tick

log = logging.getLogger(__name__)


class VenuesSource(Source):
    """Run the sources of several venues at once until all end or ``stop`` is set.

    A source that fails stops the others: the feeder ends and reports the first failure.
    """

    name = "venues"

    def __init__(self, sources: Sequence[Source]) -> None:
        if not sources:
            raise ConfigError("no venue to feed from")
        self.sources = tuple(sources)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        failures: list[BaseException] = []

        def run_one(source: Source) -> None:
            try:
                source.run(emit, stop)
            except BaseException as exc:
                log.error("source %s failed: %s", source.name, exc)
                failures.append(exc)
                stop.set()

        threads = [threading.Thread(target=run_one, args=(source,), daemon=True,
                                    name=f"source-{source.name}") for source in self.sources]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise failures[0]


def backfill_by_exchange(per_venue: Mapping[str, Backfill]) -> Backfill:
    """One gap backfill for the feeder, made of each venue's own."""
    def backfill(gap: Gap) -> list[Tick]:
        return per_venue[gap.exchange](gap)

    return backfill


def snapshots_by_exchange(per_venue: Mapping[str, Snapshots]) -> Snapshots:
    """One book-snapshot request for the feeder, made of each venue's own."""
    def snapshot(exchange: str, symbol: str) -> DepthSnapshot:
        return per_venue[exchange](exchange, symbol)

    return snapshot
