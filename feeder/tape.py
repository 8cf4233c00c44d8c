"""A recording read whole, offline: each symbol's trades with what arrived between them.

The feeder's own steps without a store or batches: the exchange's parser, the screen (id
order, implausible prices held and judged), the sequencer (repeats and implausible ids
dropped; a gap stays open, nothing backfills it) and the attachments, which place top of
book, book samples and liquidations before the first trade that arrived after them. What
an analysis folds from a tape is what it would fold from the same recording replayed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from feeder.attachments import Attachments, AttachParams, Key
from feeder.exchanges import Exchange
from feeder.recordings import frames
from feeder.screen import Screen
from feeder.sequencer import Sequencer
from feeder.sources import DepthSnapshot, DepthUpdate, Liquidated, Quote
from omega_tasks.core.types import BookLevels, Liquidation, TopOfBook, Trades
from omega_tasks.messages import Tick


@dataclass(slots=True)
class Tape:
    """One symbol's trades, in id order, and what was placed before them."""

    exchange: str
    symbol: str
    trades: Trades
    liquidations: list[Liquidation] = field(default_factory=list)
    quotes: list[TopOfBook] = field(default_factory=list)
    books: list[BookLevels] = field(default_factory=list)


class _Reader:
    def __init__(self, params: AttachParams) -> None:
        self.attachments = Attachments(params)
        self.screen = Screen()
        self.sequencer = Sequencer()
        self.rows: dict[Key, list[tuple[int, int, float, float, int]]] = {}

    def take(self, item: object, now: float) -> None:
        attachments = self.attachments
        if isinstance(item, Tick):
            attachments.trade_arrived((item.exchange, item.symbol), item.trade_id)
            self.admit(self.screen.add(item, now)[0])
        elif isinstance(item, Quote):
            attachments.quote(item)
        elif isinstance(item, DepthUpdate):
            attachments.depth(item)
        elif isinstance(item, DepthSnapshot):
            attachments.snapshot(item)
        elif isinstance(item, Liquidated):
            attachments.liquidation(item)

    def admit(self, ticks: list[Tick]) -> None:
        for tick in ticks:
            if self.sequencer.is_repeat(tick) or self.sequencer.doubt(tick) is not None:
                continue
            self.sequencer.admit(tick)
            key = (tick.exchange, tick.symbol)
            self.attachments.place(key, tick.trade_id)
            self.rows.setdefault(key, []).append(
                (tick.trade_id, tick.exchange_ms, tick.price, tick.size, tick.side))


def read_tape(path: Path, exchange: Exchange, params: AttachParams | None = None
              ) -> dict[Key, Tape]:
    """Read a recording into one tape per symbol that traded in it."""
    reader = _Reader(params or AttachParams())
    now = 0.0
    for received_ns, frame in frames(path):
        now = received_ns / 1e9
        for item in exchange.parse(frame, received_ns):
            reader.take(item, now)
        reader.admit(reader.screen.due(now)[0])
    reader.admit(reader.screen.drain(now)[0])
    tapes = {}
    for key, rows in reader.rows.items():
        placed = reader.attachments.take(key)
        tapes[key] = Tape(*key, Trades.from_rows(rows), placed.liquidations, placed.quotes,
                          placed.books)
    return tapes
