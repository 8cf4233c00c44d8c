"""Publishing: one Redis script per batch (ticks, closed bars, feed health), then one task
per analysis queue carrying the msgpack blobs of every batch due at once; with shards, one
per queue and shard, to the symbols' shard, so one worker at a time takes a symbol's batches
and its held folds stay hot. Queues whose analyses read neither the top of book nor the book
get the batches without them (a catch-up from the store reads the stored ones and skips what
it does not need)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from celery import Celery

from omega_tasks.catalog import reads_book
from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar
from omega_tasks.messages import Batch
from omega_tasks.names import SymbolKeys, analyse_task, shard_of, shard_queue
from omega_tasks.retry import retrying
from omega_tasks.store import Store


@dataclass(frozen=True, slots=True)
class _Stored:
    """A batch as stored, its blob, and the blob without quotes and book samples."""

    batch: Batch
    blob: bytes
    slim: bytes


class Publisher:
    """Write batches to the store and hand them to the analysis queues."""

    def __init__(
        self, store: Store, app: Celery | None, queues: Sequence[str], stop: threading.Event,
        on_failure: Callable[[BaseException], None] | None = None, shards: int = 1,
        bundle_ticks: int = 1000,
    ) -> None:
        self.store = store
        self.shards = shards
        self.bundle_ticks = bundle_ticks
        self.app = app
        self.queues = tuple(queues)
        self.stop = stop
        self.on_failure = on_failure
        self.clocks: dict[str, BarClock] = {}
        self.batches = 0

    def publish(self, batch: Batch) -> Batch:
        """Store the batch with the 1m bars it closes and send its tasks; return it so."""
        return self.publish_all([batch])[0]

    def publish_all(self, batches: Sequence[Batch]) -> list[Batch]:
        """Store each batch with the 1m bars it closes, then send them together: one task
        per queue (and shard) carries every batch bound for it, so the cost of a task is
        shared by the symbols whose batches were due at once. Return them as stored."""
        stored = [self._store(batch) for batch in batches]
        if self.queues and self.app is not None:
            first = stored[0].batch
            retrying(f"sending {len(stored)} batches from {first.exchange}:{first.symbol}"
                     f"@{first.first_id}", lambda: self._send(stored), self.stop,
                     on_failure=self.on_failure)
        self.batches += len(stored)
        return [s.batch for s in stored]

    def _store(self, batch: Batch) -> _Stored:
        k = self.store.symbol(batch.exchange, batch.symbol)
        clock = self._clock(k)
        closed: list[tuple[int, Bar]] = []
        update = clock.update
        for row in batch.trades.rows():
            bars = update(*row)
            if bars:
                closed += [(row[0], bar) for bar in bars]
        batch = dataclasses.replace(batch, bars=tuple(closed))
        blob = batch.encode()
        retrying(
            f"storing batch {k.member}@{batch.first_id}",
            lambda: self.store.append(batch, blob, [bar for _, bar in closed], clock),
            self.stop,
            on_failure=self.on_failure,
        )
        slim = (blob if not (batch.quotes or batch.books) or all(map(reads_book, self.queues))
                else dataclasses.replace(batch, quotes=(), books=()).encode())
        return _Stored(batch, blob, slim)

    def _send(self, stored: Sequence[_Stored]) -> None:
        assert self.app is not None
        by_shard: dict[int, list[list[_Stored]]] = {}
        ticks: dict[int, int] = {}
        for one in stored:
            batch = one.batch
            shard = shard_of(f"{batch.exchange}:{batch.symbol}", self.shards)
            bundles = by_shard.setdefault(shard, [[]])
            # a task carries at most a full batch's worth of trades: never a larger message
            if bundles[-1] and ticks[shard] + len(batch) > self.bundle_ticks:
                bundles.append([])
                ticks[shard] = 0
            bundles[-1].append(one)
            ticks[shard] = ticks.get(shard, 0) + len(batch)
        sends = [(shard, bundle) for shard, bundles in by_shard.items() for bundle in bundles]
        with self.app.producer_or_acquire() as producer:
            for shard, bundle in sends:
                for queue in self.queues:  # results live in the store: no result subscription
                    to = queue if self.shards == 1 else shard_queue(queue, shard)
                    blobs = [s.blob if reads_book(queue) else s.slim for s in bundle]
                    # a lone batch travels as itself, several as a list
                    self.app.send_task(analyse_task(queue), args=(blobs[0] if len(blobs) == 1
                                                                  else blobs,),
                                       queue=to, producer=producer, ignore_result=True)

    def _clock(self, k: SymbolKeys) -> BarClock:
        clock = self.clocks.get(k.member)
        if clock is None:
            clock = self.store.bar_clock(k) or BarClock()
            self.clocks[k.member] = clock
        return clock
