"""The one shape every analysis takes: a fold over a symbol's market data, declaring its inputs.

An ``Analysis`` sees closed 1m bars (``on_bar``) and, if it asks for them, every trade
(``on_trade``), always in trade order. Its state is plain data (``dump``/``load``), so a
``Fold`` can be checkpointed after any trade and resumed elsewhere with the same result:
processing trades in one run or in many batches gives identical findings and state.

What else an analysis needs it declares in ``needs``, and the worker supplies it before each
feed (``supply``): the trend models (``MODELS``), or other analyses' snapshots as of the
batch's last trade (``views(...)``). An analysis without ``TAPE`` reads no market data: it is
a reading of its inputs, taken at the end of each batch (``settle``). The findings of one
analysis may belong to several published detectors (``detector``, ``publishes``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar, BookLevels, Finding, Liquidation, TopOfBook, Trades


@dataclass(frozen=True, slots=True)
class Need:
    """An input an analysis declares; ``names`` says which analyses' views, for ``views``."""

    kind: str
    names: tuple[str, ...] = ()


TAPE = Need("tape")  # the symbol's trades and the bars they close, in trade order
QUOTES = Need("quotes")  # the top of book between trades, in the tape (TopOfBook)
BOOK = Need("book")  # the order book's top levels between trades, in the tape (BookLevels)
MODELS = Need("models")  # the symbol's kept trend models, by version
IN_TAPE = frozenset((TAPE, QUOTES, BOOK))  # what the batches carry: no one supplies it


def views(*names: str) -> Need:
    """Other analyses' snapshots as of the batch's last trade (None where one is not run)."""
    return Need("views", names)


class Analysis(ABC):
    """A stateful analysis; subclasses keep their state as plain attributes."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    wants_trades: ClassVar[bool] = True
    needs: ClassVar[tuple[Need, ...]] = (TAPE,)

    @classmethod
    def publishes(cls) -> tuple[str, ...]:
        """The snapshots this analysis writes (its view under each name): its own name."""
        return (cls.name,)

    def detector(self, finding: Finding) -> str:
        """The detector a finding is published under: the analysis's name."""
        return self.name

    def supply(self, inputs: Mapping[Need, Any]) -> None:  # noqa: B027 - most need nothing
        """Take the inputs declared in ``needs`` (besides the tape), before a feed."""

    @abstractmethod
    def on_bar(self, bar: Bar) -> list[Finding] | None:
        """Take a closed 1m bar; return findings, if any."""

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding] | None:
        """Take one trade (only called when ``wants_trades``); return findings, if any."""
        return None

    def on_liquidation(self, liquidation: Liquidation) -> list[Finding] | None:
        """Take a futures liquidation, just before the trade that followed it."""
        return None

    def on_quote(self, quote: TopOfBook) -> list[Finding] | None:
        """Take the top of book (only when it ``needs`` QUOTES), before the next trade."""
        return None

    def on_book(self, book: BookLevels) -> list[Finding] | None:
        """Take the book's top levels (only when it ``needs`` BOOK), before the next trade."""
        return None

    def settle(self, trade_id: int) -> list[Finding] | None:
        """Take the end of a batch at ``trade_id``: an analysis of its inputs reads them."""
        return None

    @abstractmethod
    def dump(self) -> Any:
        """Return the state as msgpack-friendly plain data."""

    @classmethod
    @abstractmethod
    def load(cls, data: Any) -> Self:
        """Rebuild an analysis from ``dump`` output."""

    @abstractmethod
    def view(self) -> dict[str, Any]:
        """Return the JSON-friendly snapshot users read."""


class Fold:
    """An analysis, the id of the last trade it has seen, and (only while it is fed bare trades)
    a 1m bar clock of its own.

    The feeder builds each symbol's 1m bars once and sends the bars a batch closes with it,
    each with the id of the trade that closed it; a fold fed those bars builds none. Fed
    trades alone (a batch stored before batches carried bars, a test, an evaluation), it
    closes bars with its own clock, exactly as the feeder would.

    What arrived between two trades (liquidations, book levels, top of book) is seen just
    before the second one, in that order of kinds and each kind in arrival order, and before
    the bars that trade closes: the same order whatever the batches.
    """

    __slots__ = ("analysis", "clock", "last_id")

    def __init__(self, analysis: Analysis, clock: BarClock | None = None, last_id: int = 0):
        self.analysis = analysis
        self.clock = clock
        self.last_id = last_id

    @classmethod
    def start(cls, analysis: Analysis, history: Iterable[Bar] = ()) -> Fold:
        """Warm a fresh analysis up on closed bars from before its first trade."""
        for bar in history:
            analysis.on_bar(bar)
        return cls(analysis)

    def feed(
        self,
        trades: Trades,
        liquidations: Sequence[Liquidation] = (),
        bars: Sequence[tuple[int, Bar]] | None = None,
        quotes: Sequence[TopOfBook] = (),
        books: Sequence[BookLevels] = (),
    ) -> list[Finding]:
        """Fold trades newer than the last one seen; return what they triggered.

        ``bars`` are the 1m bars these trades close, each with the id of the trade that
        closed it (None: close them here). Quotes and book levels reach the analysis only
        if it needs them (``QUOTES``, ``BOOK``).
        """
        if len(trades) and trades.first_id <= self.last_id:
            trades = trades.between(self.last_id + 1, trades.last_id)
        if not len(trades):
            return []
        first, last = trades.first_id, trades.last_id
        if bars is None:
            bars = self._close(trades)
        else:
            self.clock = None  # bars come with the trades from now on
            bars = [b for b in bars if first <= b[0] <= last]
        extras = self._extras(first, liquidations, quotes, books)
        findings: list[Finding] = []
        if self.analysis.wants_trades:
            self._walk_trades(trades, bars, extras, findings)
        else:
            self._walk_bars(bars, extras, last, findings)
        self.last_id = last
        return findings

    def settle(self, trade_id: int) -> list[Finding]:
        """End a batch at ``trade_id``: the fold has seen everything up to it."""
        found = self.analysis.settle(trade_id)
        self.last_id = max(self.last_id, trade_id)
        return list(found or ())

    def _extras(self, first: int, liquidations: Sequence[Liquidation],
                quotes: Sequence[TopOfBook], books: Sequence[BookLevels]) -> list[Extra]:
        """What the analysis sees between trades, in the order it sees it."""
        a = self.analysis
        extras: list[Extra] = [(q.before_trade_id, 0, i, a.on_liquidation, q)
                               for i, q in enumerate(liquidations)]
        if BOOK in a.needs:
            extras += [(b.before_trade_id, 1, i, a.on_book, b) for i, b in enumerate(books)]
        if QUOTES in a.needs:
            extras += [(q.before_trade_id, 2, i, a.on_quote, q) for i, q in enumerate(quotes)]
        return sorted((e for e in extras if e[0] >= first), key=lambda e: e[:3])

    def _close(self, trades: Trades) -> list[tuple[int, Bar]]:
        """Close bars with this fold's own clock: (id of the closing trade, bar)."""
        if self.clock is None:
            self.clock = BarClock()
        update = self.clock.update
        closed: list[tuple[int, Bar]] = []
        for row in trades.rows():
            for bar in update(*row):
                closed.append((row[0], bar))
        return closed

    def _walk_trades(self, trades: Trades, bars: Sequence[tuple[int, Bar]],
                     extras: list[Extra], findings: list[Finding]) -> None:
        on_bar, on_trade = self.analysis.on_bar, self.analysis.on_trade
        e, m = 0, len(extras)
        due = extras[0][0] if extras else None
        k, n = 0, len(bars)
        closes = bars[0][0] if bars else None
        for row in trades.rows():
            trade_id = row[0]
            if due is not None and trade_id >= due:
                e = _hand_over(extras, e, trade_id, findings)
                due = extras[e][0] if e < m else None
            if trade_id == closes:
                while k < n and bars[k][0] == trade_id:
                    found = on_bar(bars[k][1])
                    if found:
                        findings.extend(found)
                    k += 1
                closes = bars[k][0] if k < n else None
            found = on_trade(*row)
            if found:
                findings.extend(found)

    def _walk_bars(self, bars: Sequence[tuple[int, Bar]], extras: list[Extra], last: int,
                   findings: list[Finding]) -> None:
        on_bar = self.analysis.on_bar
        e = 0
        for closed_by, bar in bars:
            e = _hand_over(extras, e, closed_by, findings)
            found = on_bar(bar)
            if found:
                findings.extend(found)
        _hand_over(extras, e, last, findings)

    def dump(self) -> list[Any]:
        clock = self.clock.dump() if self.clock is not None else None
        return [self.analysis.version, self.last_id, clock, self.analysis.dump()]

    @classmethod
    def load(cls, kind: type[Analysis], data: list[Any]) -> Fold | None:
        """Rebuild a fold; None when the checkpoint was written by another version."""
        version, last_id, clock, state = data
        if version != kind.version:
            return None
        return cls(kind.load(state), BarClock.load(clock) if clock is not None else None,
                   last_id)


# (before trade id, kind rank, arrival, handler, item): what arrived between two trades
Extra = tuple[int, int, int, Callable[[Any], list[Finding] | None], Any]


def _hand_over(extras: list[Extra], start: int, trade_id: int, findings: list[Finding]) -> int:
    """Hand the analysis what is due before ``trade_id``; return where the rest starts."""
    i = start
    while i < len(extras) and extras[i][0] <= trade_id:
        found = extras[i][3](extras[i][4])
        if found:
            findings.extend(found)
        i += 1
    return i
