"""Order books from numbered depth updates, synced with a snapshot as the exchange documents.

Binance (its "How to manage a local order book correctly"): buffer the updates; take a
snapshot (``lastUpdateId``); drop the updates it already holds (``u`` ≤ lastUpdateId); the
first update applied must straddle it (spot: ``U`` ≤ lastUpdateId + 1 ≤ ``u``; USD-M futures:
``U`` ≤ lastUpdateId ≤ ``u``), and every later one must continue the one before (spot: ``U``
= previous ``u`` + 1; futures: ``pu`` = previous ``u``). A size of 0 removes a level. A
snapshot older than the first buffered update, a break in the numbering, or a crossed book
(best bid at or above best ask) is a **resync**: counted, shown in the feed health, and the
book is warmed from the updates again until the next snapshot. Coinbase sends its snapshot
on the socket and numbers messages across channels, so only its crossed books resync.

Before any snapshot (a recording without one, a snapshot that failed) the book is **warmed**
from the updates alone: only the levels an update named are known, and the samples say so
(``synced`` False).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from sortedcontainers import SortedList

from feeder.sources import NEXT_ID, PREV_ID, UNNUMBERED, DepthSnapshot, DepthUpdate, Levels
from omega_tasks.core.types import BookLevels

WARMING, SYNCED, RESYNCING = "warming", "synced", "resyncing"
BUFFERED = 2_000  # updates kept while waiting for a snapshot


class OrderBook:
    """Price levels of both sides: size by price, and the prices kept sorted, so the best of
    a side is found in O(1), a new or removed level costs O(log n) and a new size at a
    level already there costs one dict assignment."""

    __slots__ = ("ask_prices", "asks", "bid_prices", "bids")

    def __init__(self) -> None:
        self.replace((), ())

    def replace(self, bids: Levels, asks: Levels) -> None:
        self.bids = {p: q for p, q in bids if q > 0}
        self.asks = {p: q for p, q in asks if q > 0}
        self.bid_prices = SortedList(self.bids)
        self.ask_prices = SortedList(self.asks)

    def apply(self, bids: Levels, asks: Levels) -> None:
        for sizes, prices, levels in ((self.bids, self.bid_prices, bids),
                                      (self.asks, self.ask_prices, asks)):
            for price, size in levels:
                if size > 0:
                    if price not in sizes:
                        prices.add(price)
                    sizes[price] = size
                elif sizes.pop(price, None) is not None:
                    prices.remove(price)

    def crossed(self) -> bool:
        return bool(self.bids and self.asks) and self.bid_prices[-1] >= self.ask_prices[0]

    def top(self, levels: int) -> tuple[Levels, Levels]:
        """The best ``levels`` of each side, best first."""
        bids, asks = self.bids, self.asks
        return (tuple((p, bids[p]) for p in reversed(self.bid_prices[-levels:])),
                tuple((p, asks[p]) for p in self.ask_prices[:levels]))


@dataclass(slots=True)
class BookHealth:
    """What the feed health shows of a book."""

    state: str
    resyncs: int
    update_id: int
    levels: int


class BookSync:
    """One symbol's book: synced from a snapshot and numbered updates, or warmed without."""

    def __init__(self, chaining: str, levels: int, sample_ms: int) -> None:
        self.chaining = chaining
        self.levels = levels
        self.sample_ms = sample_ms
        self.book = OrderBook()
        self.state = WARMING
        self.resyncs = 0
        self.last_id: int | None = None  # the snapshot's, then the last update applied
        self.awaiting_first = False  # the first update after a snapshot must straddle it
        self.buffer: deque[DepthUpdate] = deque(maxlen=BUFFERED)
        self.sampled_ms = -1

    @property
    def wants_snapshot(self) -> bool:
        return self.state != SYNCED and self.chaining != UNNUMBERED

    def health(self) -> BookHealth:
        return BookHealth(self.state, self.resyncs, self.last_id or 0,
                          len(self.book.bids) + len(self.book.asks))

    def snapshot(self, snap: DepthSnapshot) -> None:
        """Take a whole book; apply the buffered updates that follow it."""
        self.book.replace(snap.bids, snap.asks)
        self.last_id, self.awaiting_first, self.state = snap.last_id, True, SYNCED
        pending = [u for u in self.buffer if u.last_id > snap.last_id]
        self.buffer.clear()
        for i, update in enumerate(pending):
            if not self._continue(update):
                for later in pending[i + 1:]:  # warm on them, for the next snapshot
                    self.update(later)
                return
        if self.book.crossed():
            self._resync()

    def update(self, update: DepthUpdate) -> None:
        """Apply an update (synced: only one that continues the last; else warm the book)."""
        if self.state == SYNCED:
            if self.last_id is not None and update.last_id <= self.last_id:
                return  # the snapshot already holds it
            if self._continue(update) and self.book.crossed():
                self._resync()
            return
        self.buffer.append(update)
        self.book.apply(update.bids, update.asks)  # warming: the levels named are known

    def sample(self, time_ms: int) -> BookLevels | None:
        """The book's top levels, at most once per ``sample_ms`` of exchange time (not yet
        placed in the tape: ``before_trade_id`` is -1)."""
        if self.sampled_ms >= 0 and time_ms < self.sampled_ms + self.sample_ms:
            return None
        self.sampled_ms = time_ms
        bids, asks = self.book.top(self.levels)
        return BookLevels(time_ms, bids, asks, self.state == SYNCED, -1)

    def _continue(self, update: DepthUpdate) -> bool:
        """Apply an update that must continue the book; resync (and warm) if it does not."""
        chained = self._straddles(update) if self.awaiting_first else self._follows(update)
        self.book.apply(update.bids, update.asks)
        if not chained:
            self._resync()
            self.buffer.append(update)
            return False
        self.last_id, self.awaiting_first = update.last_id, False
        return True

    def _straddles(self, update: DepthUpdate) -> bool:
        """Whether the first update after the snapshot covers the snapshot's id."""
        snapshot_id = self.last_id if self.last_id is not None else -1
        if self.chaining == PREV_ID:
            return update.first_id <= snapshot_id <= update.last_id
        if self.chaining == NEXT_ID:
            return update.first_id <= snapshot_id + 1 <= update.last_id
        return True

    def _follows(self, update: DepthUpdate) -> bool:
        if self.chaining == PREV_ID:
            return update.prev_id == self.last_id
        if self.chaining == NEXT_ID:
            return self.last_id is not None and update.first_id == self.last_id + 1
        return True

    def _resync(self) -> None:
        self.state = RESYNCING
        self.resyncs += 1
        self.last_id, self.awaiting_first = None, False
