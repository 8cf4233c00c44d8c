"""The simulated market as a feeder source: its trades replayed as ticks, and its book (when
given) as best bid/ask quotes and unnumbered depth updates between them, as an exchange
would send them."""

from __future__ import annotations

from feeder.sources import UNNUMBERED, DepthSnapshot, DepthUpdate, Item, Quote
from feeder.sources.replay import TradesSource
from omega_tasks.core.types import BookLevels
from omega_tasks.simulation.book import SimulatedBook
from omega_tasks.simulation.params import Simulation


class SimulatorSource(TradesSource):
    """Replay a simulation as ticks (and its book's quotes and depth): as fast as the feeder
    takes them, or paced."""

    name = "simulator"

    def __init__(self, simulation: Simulation, speed: float | None = None,
                 chunk: int = 500, book: SimulatedBook | None = None) -> None:
        params = simulation.params
        super().__init__(simulation.trades, params.exchange, params.symbol, speed, chunk)
        self.simulation = simulation
        self._between: dict[int, list[Item]] = self._book_items(book) if book else {}

    def _book_items(self, book: SimulatedBook) -> dict[int, list[Item]]:
        """The quotes and depth messages that come before each trade, by its id."""
        ex, sym = self.exchange, self.symbol
        timed: list[tuple[int, int, int, Item]] = []
        for q in book.quotes:
            timed.append((q.before_trade_id, q.time_ms, 1, Quote(
                ex, sym, q.bid, q.bid_size, q.ask, q.ask_size, q.time_ms * 1_000_000,
                q.time_ms)))
        before: BookLevels | None = None
        for n, b in enumerate(book.books):
            item: Item
            if before is None:
                item = DepthSnapshot(ex, sym, n, b.bids, b.asks, b.time_ms, b.time_ms * 10**6)
            else:
                item = DepthUpdate(ex, sym, n, n, None, _changes(before.bids, b.bids),
                                   _changes(before.asks, b.asks), b.time_ms,
                                   b.time_ms * 1_000_000, UNNUMBERED)
            timed.append((b.before_trade_id, b.time_ms, 0, item))
            before = b
        out: dict[int, list[Item]] = {}
        for trade_id, _, _, item in sorted(timed, key=lambda x: x[:3]):
            out.setdefault(trade_id, []).append(item)
        return out

    def _ticks(self, lo: int, hi: int) -> list[Item]:
        ticks = super()._ticks(lo, hi)
        if not self._between:
            return ticks
        out: list[Item] = []
        for tick in ticks:
            out += self._between.get(tick.trade_id, ())  # type: ignore[union-attr]
            out.append(tick)
        return out


def _changes(before: tuple[tuple[float, float], ...],
             after: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    """The levels that changed from one sample to the next; a level gone has size 0."""
    now = dict(after)
    gone = tuple((p, 0.0) for p, _ in before if p not in now)
    was = dict(before)
    return gone + tuple((p, q) for p, q in after if was.get(p) != q)
