"""The simulated market as a feeder source: its trades replayed as ticks, and its book (when
given) as best bid/ask quotes and unnumbered depth updates between them, as an exchange
would send them."""

from __future__ import annotations

from feeder.sources import UNNUMBERED, DepthSnapshot, DepthUpdate, Item, Quote
from feeder.sources.replay import TradesSource
from omega_tasks.core.types import BookLevels, TopOfBook
from omega_tasks.simulation.book import Sample, SimulatedBook
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
        self._samples = iter(book.samples()) if book is not None else None
        self._next: Sample | None = None
        self._depth: BookLevels | None = None  # the last book sample sent
        self._updates = 0

    def _ticks(self, lo: int, hi: int) -> list[Item]:
        ticks = super()._ticks(lo, hi)
        if self._samples is None:
            return ticks
        out: list[Item] = []
        for tick in ticks:
            self._before(tick.trade_id, out)  # type: ignore[union-attr]
            out.append(tick)
        return out

    def _before(self, trade_id: int, out: list[Item]) -> None:
        """Send the samples placed before ``trade_id``, in the book's order: as messages."""
        assert self._samples is not None
        while True:
            if self._next is None:
                self._next = next(self._samples, None)
                if self._next is None:
                    return
            sample = self._next
            if sample.before_trade_id > trade_id:
                return
            out.append(self._message(sample))
            self._next = None

    def _message(self, sample: Sample) -> Item:
        ex, sym = self.exchange, self.symbol
        if isinstance(sample, TopOfBook):
            return Quote(ex, sym, sample.bid, sample.bid_size, sample.ask, sample.ask_size,
                         sample.time_ms * 1_000_000, sample.time_ms)
        before, self._depth = self._depth, sample
        received_ns = sample.time_ms * 1_000_000
        if before is None:  # the first: the book as a snapshot, as Coinbase's level2 sends
            return DepthSnapshot(ex, sym, 0, sample.bids, sample.asks, sample.time_ms,
                                 received_ns)
        self._updates += 1
        return DepthUpdate(ex, sym, self._updates, self._updates, None,
                           _changes(before.bids, sample.bids), _changes(before.asks, sample.asks),
                           sample.time_ms, received_ns, UNNUMBERED)


def _changes(before: tuple[tuple[float, float], ...],
             after: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    """The levels that changed from one sample to the next; a level gone has size 0."""
    now = dict(after)
    gone = tuple((p, 0.0) for p, _ in before if p not in now)
    was = dict(before)
    return gone + tuple((p, q) for p, q in after if was.get(p) != q)
