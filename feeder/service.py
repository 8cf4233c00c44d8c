"""The feeder's loop: source → screen → sequencer → micro-batcher → publisher, on one thread.

The source runs on its own thread and hands items over through a bounded buffer; this loop
is the single writer of every symbol's ticks and bars, so stream order is trade order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from feeder.attachments import Attachments
from feeder.batcher import MicroBatcher
from feeder.observer import FeedObserver
from feeder.publisher import Publisher
from feeder.screen import Screen
from feeder.sequencer import Gap, Sequencer
from feeder.sources import (
    Connection,
    DepthSnapshot,
    DepthUpdate,
    Item,
    Liquidated,
    Quote,
    Rejected,
    Source,
)
from omega_tasks.core.types import Finding
from omega_tasks.errors import OmegaError
from omega_tasks.messages import Batch, Event, Tick
from omega_tasks.names import FEED, SymbolKeys
from omega_tasks.retry import failure_class, retrying
from omega_tasks.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
_END = object()
Backfill = Callable[[Gap], list[Tick]]
Snapshots = Callable[[str, str], DepthSnapshot]  # (exchange, symbol) → its book over REST
SNAPSHOT_EVERY_S = 10.0  # the least time between two snapshot requests for one book


@dataclass(slots=True)
class FeedReport:
    """What a feeder run did."""

    trades: int = 0
    batches: int = 0
    duplicates: int = 0
    gaps: int = 0
    gaps_closed: int = 0
    dead_letters: int = 0
    liquidations: int = 0
    reconnects: int = 0
    snapshots_failed: int = 0
    last_ids: dict[tuple[str, str], int] = field(default_factory=dict)


class Feeder:
    """Take items from a source and publish them as batches until the source ends or stops."""

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        batcher: MicroBatcher,
        backfill: Backfill | None = None,
        on_batch: Callable[[Batch], None] | None = None,
        buffer_chunks: int = 256,
        observer: FeedObserver | None = None,
        screen: Screen | None = None,
        attachments: Attachments | None = None,
        snapshots: Snapshots | None = None,
        snapshot_every_s: float = SNAPSHOT_EVERY_S,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.batcher = batcher
        self.backfill = backfill
        self.on_batch = on_batch
        self.observer = observer or FeedObserver()
        self.screen = screen or Screen()
        self._failing = False
        if publisher.on_failure is None:
            publisher.on_failure = self._writes_failing
        self.sequencer = Sequencer()
        self.report = FeedReport()
        self._buffer: queue.Queue[object] = queue.Queue(maxsize=buffer_chunks)
        self._resumed: set[tuple[str, str]] = set()
        self.attachments = attachments or Attachments()
        self.snapshots = snapshots
        self.snapshot_every_s = snapshot_every_s
        self._asked: dict[tuple[str, str], float] = {}  # when each book's snapshot was asked
        self._ready: list[list[Tick]] = []  # full batches, sent with the rest of the chunk's

    @property
    def stop(self) -> threading.Event:
        return self.publisher.stop

    def run(self, source: Source) -> FeedReport:
        """Feed everything the source emits; flush the last batches when it ends."""
        failure: list[BaseException] = []
        pump = threading.Thread(target=self._pump, args=(source, failure),
                                name=f"source-{source.name}", daemon=True)
        pump.start()
        try:
            while True:
                dues = [d for d in (self.batcher.next_due(), self.screen.next_due()) if d]
                wait = max(0.0, min(dues) - time.monotonic()) if dues else None
                try:
                    items = self._buffer.get(timeout=wait)
                except queue.Empty:
                    items = None
                if items is _END:
                    break
                if items is not None:
                    self._take(items)  # type: ignore[arg-type]
                    self._sync_books()
                self._screened(*self.screen.due(time.monotonic()))
                self._publish_all(self.batcher.due(time.monotonic()))
        finally:
            self._screened(*self.screen.drain(time.monotonic()))
            self.stop.set()
            self._publish_all(self.batcher.drain())
            pump.join(timeout=10)
        if failure:
            raise failure[0]
        self.report.duplicates = self.sequencer.duplicates + self.screen.repeats
        return self.report

    def _pump(self, source: Source, failure: list[BaseException]) -> None:
        try:
            source.run(self._buffer.put, self.stop)
        except OmegaError as exc:  # bad input or configuration: said once, by the caller
            failure.append(exc)
        except BaseException as exc:  # the loop must learn of it and end
            log.exception("source %s failed", source.name)
            failure.append(exc)
        finally:
            self._buffer.put(_END)

    def _take(self, items: list[Item]) -> None:
        now = time.monotonic()
        attachments = self.attachments
        for item in items:
            if isinstance(item, Quote):
                attachments.quote(item)
            elif isinstance(item, DepthUpdate):
                attachments.depth(item)
            elif isinstance(item, Tick):
                attachments.trade_arrived((item.exchange, item.symbol), item.trade_id)
                self.observer.trades_received(item.exchange, item.symbol, 1)
                repeats = self.screen.repeats
                self._screened(*self.screen.add(item, now))
                if self.screen.repeats > repeats:
                    self.observer.duplicate_dropped(item.exchange, item.symbol)
            elif isinstance(item, Rejected):
                self._reject(item)
            elif isinstance(item, Liquidated):
                self.report.liquidations += 1
                self.observer.liquidation(item.exchange, item.symbol)
                attachments.liquidation(item)
            elif isinstance(item, DepthSnapshot):
                attachments.snapshot(item)
            elif isinstance(item, Connection):
                self._connection(item)

    def _sync_books(self) -> None:
        """Ask for the snapshot of each book that waits for one, now and then."""
        if self.snapshots is None:
            return
        now = time.monotonic()
        for key in self.attachments.wanting_snapshot():
            asked = self._asked.get(key)
            if asked is not None and now - asked < self.snapshot_every_s:
                continue
            self._asked[key] = now
            try:
                snap = self.snapshots(*key)
            except Exception as exc:  # the book stays warmed from updates until the next try
                self.report.snapshots_failed += 1
                log.warning("book snapshot of %s %s failed: %s", *key, exc)
                continue
            self.attachments.snapshot(snap)

    def _screened(self, passed: list[Tick], rejected: list[Rejected]) -> None:
        """Go on with the trades the screen let through; dead-letter those it rejected."""
        for item in rejected:
            self._reject(item)
        now = time.monotonic()
        for tick in passed:
            self._tick(tick, now)

    def _connection(self, item: Connection) -> None:
        """Report a connection change and show it in every carried symbol's feed health."""
        self.observer.connection(item.exchange, item.state)
        reconnecting = item.state == "reconnecting"
        if reconnecting:
            self.report.reconnects += 1
            self.observer.reconnect(item.exchange, item.reason)
        for symbol in item.symbols:
            self._show(item.exchange, symbol, connection=item.state,
                       connection_reason=item.reason)
            if reconnecting:
                self._count_reconnect(self.store.symbol(item.exchange, symbol))

    def _write(self, what: str, operation: Callable[[], T]) -> T:
        """Run a Redis operation, retrying transient failures until it succeeds or we stop."""
        return retrying(what, operation, self.stop, on_failure=self._writes_failing)

    def _writes_failing(self, error: BaseException) -> None:
        self._failing = True
        self.observer.writes_failing(failure_class(error))

    def _count_reconnect(self, k: SymbolKeys) -> None:
        self._write("counting a reconnect", lambda: self.store.count_feed(k, "reconnects"))

    def _show(self, exchange: str, symbol: str, **fields: str | int | float) -> None:
        """Set feed-health fields of a symbol."""
        k = self.store.symbol(exchange, symbol)
        self._write("recording feed health", lambda: self.store.set_feed(k, **fields))

    def _show_book(self, key: tuple[str, str]) -> None:
        """Write the newest best bid/ask and the book's state along with a trade batch."""
        fields: dict[str, str | int | float] = {}
        quote = self.attachments.newest_quote(key)
        if quote is not None:
            fields.update(bid=quote.bid, bid_size=quote.bid_size, ask=quote.ask,
                          ask_size=quote.ask_size, quote_received_ns=quote.received_ns)
        book = self.attachments.book_health(key)
        if book is not None:
            fields.update(book_state=book.state, book_resyncs=book.resyncs,
                          book_update_id=book.update_id, book_levels=book.levels)
        if fields:
            k = self.store.symbol(*key)
            self._write("recording feed health", lambda: self.store.set_feed(k, **fields))

    def _reject(self, item: Rejected) -> None:
        self.report.dead_letters += 1
        self.observer.dead_letter(item.source, item.reason)
        self._write("dead-lettering",
                    lambda: self.store.dead_letter(item.source, item.reason, item.raw))

    def _tick(self, tick: Tick, now: float) -> None:
        key = (tick.exchange, tick.symbol)
        if key not in self._resumed:
            self._resume(tick)
        if self.sequencer.is_repeat(tick):
            self.observer.duplicate_dropped(tick.exchange, tick.symbol)
            return
        doubt = self.sequencer.doubt(tick)
        if doubt is not None:
            self._reject(Rejected(tick.exchange, doubt, repr(tick).encode()))
            return
        gap = self.sequencer.admit(tick)
        if gap is not None:
            # a stored batch is trimmed by its first trade id: never let one span a gap
            before = self.batcher.take(*key)
            if before:
                self._publish(before)
            for filled in self._fill(gap):
                self._batch(filled, now)
        self._batch(tick, now)

    def _batch(self, tick: Tick, now: float) -> None:
        self.attachments.place((tick.exchange, tick.symbol), tick.trade_id)
        full = self.batcher.add(tick, now)
        if full is not None:
            self._publish(full)

    def _resume(self, tick: Tick) -> None:
        """Continue a symbol where the store says the last run left it."""
        key = (tick.exchange, tick.symbol)
        k = self.store.symbol(*key)
        last = self._write("reading feed state", lambda: self.store.last_trade(k))
        if last is not None:
            self.sequencer.resume(tick.exchange, tick.symbol, *last)
        self._resumed.add(key)

    def _fill(self, gap: Gap) -> list[Tick]:
        """Backfill a gap if a backfill is configured; record it as an event either way."""
        filled: list[Tick] = []
        if self.backfill is not None:
            try:
                fetched = self.backfill(gap)
                filled = [t for t in fetched if gap.first_id <= t.trade_id <= gap.last_id]
            except Exception:
                log.exception("backfill of %s %s %d..%d failed", gap.exchange, gap.symbol,
                              gap.first_id, gap.last_id)
        filled.sort(key=lambda t: t.trade_id)
        closed = len({t.trade_id for t in filled}) == gap.missing
        self.report.gaps += 1
        self.report.gaps_closed += closed
        self.observer.gap(gap.exchange, gap.symbol, gap.missing, closed)
        evidence = {
            "first_missing_id": gap.first_id, "last_missing_id": gap.last_id,
            "missing": gap.missing, "backfilled": len(filled), "closed": closed,
            "before_ms": gap.before_ms, "after_ms": gap.after_ms,
        }
        k = self.store.symbol(gap.exchange, gap.symbol)
        event = Event.of(gap.exchange, gap.symbol, FEED,
                         Finding("gap", gap.first_id, gap.after_ms, evidence))
        self._write("recording gap", lambda: self.store.record_gap(k, event, closed))
        return filled

    def _publish(self, ticks: list[Tick]) -> None:
        """Publish a full batch with the others ready after this chunk of items."""
        self._ready.append(ticks)

    def _publish_all(self, due: list[list[Tick]]) -> None:
        """Publish the batches ready in this chunk and those due now: stored one by one, in
        order, then sent together (one task per queue, or per queue and shard)."""
        ready, self._ready = self._ready + due, []
        if not ready:
            return
        batches = []
        for ticks in ready:
            placed = self.attachments.take((ticks[0].exchange, ticks[0].symbol))
            batches.append(Batch.of(ticks, placed.liquidations, placed.quotes, placed.books))
        started = time.perf_counter()
        batches = self.publisher.publish_all(batches)
        took = (time.perf_counter() - started) / len(batches)
        if self._failing:
            self._failing = False
            self.observer.writes_ok()
        for batch in batches:
            self._show_book((batch.exchange, batch.symbol))
            self.observer.batch_published(batch, took)
            self.report.trades += len(batch)
            self.report.batches += 1
            self.report.last_ids[(batch.exchange, batch.symbol)] = batch.last_id
            if self.on_batch is not None:
                self.on_batch(batch)
