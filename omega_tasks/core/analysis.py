"""The shape every stateful analysis takes: a fold over trades with its own 1m bar clock.

An ``Analysis`` sees closed 1m bars (``on_bar``) and, if it asks for them, every trade
(``on_trade``), always in trade order. Its state is plain data (``dump``/``load``), so a
``Fold`` can be checkpointed after any trade and resumed elsewhere with the same result:
processing trades in one run or in many batches gives identical findings and state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self

from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import Bar, Finding, Liquidation, Trades


class Analysis(ABC):
    """A stateful analysis; subclasses keep their state as plain attributes."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    wants_trades: ClassVar[bool] = True

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
    """An analysis, its bar clock and the id of the last trade it has seen."""

    __slots__ = ("analysis", "clock", "last_id")

    def __init__(self, analysis: Analysis, clock: BarClock | None = None, last_id: int = 0):
        self.analysis = analysis
        self.clock = clock or BarClock()
        self.last_id = last_id

    @classmethod
    def start(cls, analysis: Analysis, history: Iterable[Bar] = ()) -> Fold:
        """Warm a fresh analysis up on closed bars from before its first trade."""
        for bar in history:
            analysis.on_bar(bar)
        return cls(analysis)

    def feed(
        self, trades: Trades, liquidations: Sequence[Liquidation] = ()
    ) -> list[Finding]:
        """Fold trades newer than the last one seen; return what they triggered.

        Each liquidation is seen just before the trade named by its ``before_trade_id``.
        """
        if len(trades) and trades.first_id <= self.last_id:
            trades = trades.between(self.last_id + 1, trades.last_id)
        if not len(trades):
            return []
        findings: list[Finding] = []
        clock = self.clock.update
        on_bar = self.analysis.on_bar
        on_trade = self.analysis.on_trade if self.analysis.wants_trades else None
        pending = sorted((q for q in liquidations if q.before_trade_id >= trades.first_id),
                         key=lambda q: q.before_trade_id)
        due = pending[0].before_trade_id if pending else None
        for row in trades.rows():
            if due is not None and row[0] >= due:
                due = self._liquidations(pending, row[0], findings)
            closed = clock(*row)
            if closed:
                for bar in closed:
                    found = on_bar(bar)
                    if found:
                        findings.extend(found)
            if on_trade is not None:
                found = on_trade(*row)
                if found:
                    findings.extend(found)
        self.last_id = trades.last_id
        return findings

    def _liquidations(
        self, pending: list[Liquidation], trade_id: int, findings: list[Finding]
    ) -> int | None:
        """Hand over the liquidations due before ``trade_id``; return when the next is due."""
        while pending and pending[0].before_trade_id <= trade_id:
            found = self.analysis.on_liquidation(pending.pop(0))
            if found:
                findings.extend(found)
        return pending[0].before_trade_id if pending else None

    def dump(self) -> list[Any]:
        return [self.analysis.version, self.last_id, self.clock.dump(), self.analysis.dump()]

    @classmethod
    def load(cls, kind: type[Analysis], data: list[Any]) -> Fold | None:
        """Rebuild a fold; None when the checkpoint was written by another version."""
        version, last_id, clock, state = data
        if version != kind.version:
            return None
        return cls(kind.load(state), BarClock.load(clock), last_id)
