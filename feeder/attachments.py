"""What arrives between a symbol's trades: liquidations, the top of book, the order book.

Each is placed before the first trade that arrived after it (arrival order on the
connection: the order the exchange sent them), so a batch carries it with the id of that
trade and every fold sees it at the same point of the tape, whatever the batch sizes. The
place is fixed when the item arrives, by the newest trade id received so far, so a trade
held back by the screen does not move what arrived after it. Binance's spot best bid/ask
carries no time of its own; where a message has one, it is kept as the item's time.

Top of book is conflated: a quote is kept when ``quote_sample_ms`` of its time have passed
since the last one kept (0: every change), and the newest quote not kept is kept anyway
when a trade arrives after it, so the top of book a trade met is always there. The order
book is sampled (its top ``book_levels`` per side) at most once per ``book_sample_ms`` of
exchange time. What arrives after a symbol's last trade of a run is not stored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from feeder.book import BookHealth, BookSync
from feeder.sources import UNNUMBERED, DepthSnapshot, DepthUpdate, Liquidated, Quote
from omega_tasks.core.types import BookLevels, Liquidation, TopOfBook

Key = tuple[str, str]  # (exchange, symbol)
Arrived = Liquidated | Quote | BookLevels


@dataclass(frozen=True, slots=True)
class AttachParams:
    """How the top of book and the order book are sampled."""

    quote_sample_ms: int = 100
    book_sample_ms: int = 250
    book_levels: int = 10
    books: bool = True  # keep order books from depth updates


@dataclass(slots=True)
class Placed:
    """Items placed before trades and not yet published."""

    liquidations: list[Liquidation] = field(default_factory=list)
    quotes: list[TopOfBook] = field(default_factory=list)
    books: list[BookLevels] = field(default_factory=list)


class _Symbol:
    """One symbol's items on their way to a batch."""

    __slots__ = ("book", "held", "kept_ms", "newest", "pending", "placed", "seen")

    def __init__(self) -> None:
        self.seen = -1  # the newest trade id received
        self.pending: deque[tuple[int, Arrived]] = deque()  # (seen at arrival, item)
        self.placed = Placed()
        self.held: Quote | None = None  # the newest quote not kept
        self.kept_ms = -1
        self.newest: Quote | None = None  # for feed health
        self.book: BookSync | None = None


class Attachments:
    """Place liquidations, quotes and book samples before the trades that follow them."""

    def __init__(self, params: AttachParams | None = None) -> None:
        self.params = params or AttachParams()
        self._symbols: dict[Key, _Symbol] = {}

    def _of(self, key: Key) -> _Symbol:
        state = self._symbols.get(key)
        if state is None:
            state = self._symbols[key] = _Symbol()
        return state

    def trade_arrived(self, key: Key, trade_id: int) -> None:
        """Note a trade as it arrives (before screening): later items follow it."""
        state = self._of(key)
        if state.held is not None:
            state.pending.append((state.seen, state.held))
            state.held = None
        if trade_id > state.seen:
            state.seen = trade_id

    def liquidation(self, item: Liquidated) -> None:
        state = self._of((item.exchange, item.symbol))
        state.pending.append((state.seen, item))

    def quote(self, item: Quote) -> None:
        state = self._of((item.exchange, item.symbol))
        state.newest = item
        if item.time_ms >= state.kept_ms + self.params.quote_sample_ms:
            state.pending.append((state.seen, item))
            state.kept_ms, state.held = item.time_ms, None
        else:
            state.held = item

    def depth(self, item: DepthUpdate) -> None:
        """Apply a depth update to its book; sample the book if a sample is due."""
        if not self.params.books:
            return
        state = self._of((item.exchange, item.symbol))
        if state.book is None:
            p = self.params
            state.book = BookSync(item.chaining, p.book_levels, p.book_sample_ms)
        state.book.update(item)
        sample = state.book.sample(item.time_ms)
        if sample is not None:
            state.pending.append((state.seen, sample))

    def snapshot(self, snap: DepthSnapshot) -> Key | None:
        """Sync a book with a snapshot; return whose it was (None: no book it fits).

        A snapshot naming a symbol whose book has not started yet comes on the socket
        before any update (Coinbase): the updates that follow it are not numbered.
        """
        if not self.params.books:
            return None
        key = (snap.exchange, snap.symbol) if snap.symbol else self._fitting(snap)
        if key is None:
            return None
        state = self._of(key)
        if state.book is None:
            if not snap.symbol:
                return None
            p = self.params
            state.book = BookSync(UNNUMBERED, p.book_levels, p.book_sample_ms)
        state.book.snapshot(snap)
        return key

    def _fitting(self, snap: DepthSnapshot) -> Key | None:
        """The book a snapshot naming no symbol belongs to: the one of its exchange whose
        buffered updates its id falls among, else the exchange's only book."""
        books = [(key, s.book) for key, s in self._symbols.items()
                 if key[0] == snap.exchange and s.book is not None]
        for key, book in books:
            if book.buffer and book.buffer[0].first_id - 1 <= snap.last_id <= \
                    book.buffer[-1].last_id:
                return key
        return books[0][0] if len(books) == 1 else None

    def wanting_snapshot(self) -> list[Key]:
        """The books waiting for a snapshot, with updates buffered for it."""
        return [key for key, s in self._symbols.items()
                if s.book is not None and s.book.wants_snapshot and s.book.buffer]

    def place(self, key: Key, trade_id: int) -> None:
        """Place what arrived before trade ``trade_id`` (on its way to a batch) before it."""
        state = self._symbols.get(key)
        if state is None:
            return
        pending, placed = state.pending, state.placed
        while pending and pending[0][0] < trade_id:
            item = pending.popleft()[1]
            if isinstance(item, Quote):
                placed.quotes.append(TopOfBook(item.time_ms, item.bid, item.bid_size,
                                               item.ask, item.ask_size, trade_id))
            elif isinstance(item, BookLevels):
                placed.books.append(BookLevels(item.time_ms, item.bids, item.asks,
                                               item.synced, trade_id))
            else:
                placed.liquidations.append(Liquidation(item.time_ms, item.side, item.price,
                                                       item.size, trade_id))

    def take(self, key: Key) -> Placed:
        """Return and forget what has been placed for a symbol (for the batch being sent)."""
        state = self._symbols.get(key)
        if state is None:
            return Placed()
        placed, state.placed = state.placed, Placed()
        return placed

    def newest_quote(self, key: Key) -> Quote | None:
        """Return the newest quote since the last call (for feed health)."""
        state = self._symbols.get(key)
        if state is None:
            return None
        quote, state.newest = state.newest, None
        return quote

    def book_health(self, key: Key) -> BookHealth | None:
        state = self._symbols.get(key)
        return state.book.health() if state is not None and state.book is not None else None
