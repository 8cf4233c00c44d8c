"""Order flow and the order book, as the sweep fold sees them: its own events, and the
evidence each grab and trap carries.

The events (detector ``orderflow``) are defined in ``flow`` (absorption, liquidation
cascades, CVD divergence at a sweep) and ``walls`` (liquidity pulled). Each grab and trap
gains, as ``orderflow``, what was in force at its trigger:

- ``queue_imbalance`` (bid size − ask size over both, at the touch), ``microprice``,
  ``spread`` and ``quote_age_ms``: the top of book last seen before the trigger (None
  without quotes). A trap is confirmed at a 1m close, known at the trade that closes the
  bar: a quote between the two is newer than the close, and its age negative;
- ``cvd_slope``: net aggression over the last minute, ΔCVD / volume, −1..1;
- ``cvd_divergence``: the CVD since the swing's bar against the sweep (``strength``, and
  whether it ``diverges``), judged when the sweep began (None: swing too old);
- ``absorption``: the newest absorption on the trap's side (its direction), and
  ``pulled``: the newest liquidity pulled on either side, from ``flow.window_s`` before the
  sweep began to the trigger (None: none).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from omega_tasks.core.flow import ABSORPTION, CASCADE, DIVERGENCE, Flow, FlowParams
from omega_tasks.core.indicators import Ewm
from omega_tasks.core.levels import SwingLevel
from omega_tasks.core.types import BookLevels, Finding, Liquidation, TopOfBook
from omega_tasks.core.walls import PULLED, WallParams, Walls

FLOW_KINDS = frozenset((ABSORPTION, CASCADE, DIVERGENCE, PULLED))
KEPT = 64  # divergences judged at sweeps, and recent events, kept for the evidence
SHOWN_LEVELS = 5  # book levels per side in the snapshot


@dataclass(frozen=True, slots=True)
class OrderFlowParams:
    flow: FlowParams = field(default_factory=FlowParams)
    walls: WallParams = field(default_factory=WallParams)


class OrderFlow:
    """Aggressor flow, the top of book, book samples and walls, of one symbol."""

    __slots__ = ("book", "divergences", "flow", "recent", "top", "walls")

    def __init__(self, params: OrderFlowParams | None = None) -> None:
        p = params or OrderFlowParams()
        self.flow = Flow(p.flow)
        self.walls = Walls(p.walls)
        self.top: TopOfBook | None = None
        self.book: BookLevels | None = None
        self.divergences: dict[tuple[int, float], dict[str, Any]] = {}
        self.recent: deque[Finding] = deque(maxlen=KEPT)  # absorptions and pulls

    def on_trade(self, trade_id: int, time_ms: int, price: float, size: float, side: int,
                 atr: float, volume: Ewm) -> list[Finding] | None:
        absorbed = self.flow.on_trade(time_ms, price, size, side, atr, volume)
        pulled = self.walls.on_trade(time_ms, price, size) if self.walls.walls or \
            self.walls.pulled else None
        if absorbed is None and pulled is None:
            return None
        found = [_at(f, trade_id) for f in (*([absorbed] if absorbed else ()), *(pulled or ()))]
        self.recent.extend(found)
        return found

    def on_bar(self, close_ms: int) -> None:
        self.flow.on_bar(close_ms)

    def on_quote(self, quote: TopOfBook) -> None:
        self.top = quote

    def on_book(self, book: BookLevels) -> None:
        self.book = book
        self.walls.on_book(book)

    def on_liquidation(self, liquidation: Liquidation) -> list[Finding] | None:
        found = self.flow.on_liquidation(liquidation)
        return [found] if found is not None else None

    def sweep_started(self, level: SwingLevel, trade_id: int, time_ms: int,
                      price: float) -> Finding | None:
        """Judge the CVD at the start of a sweep; return a divergence event if it diverges."""
        judged = self.flow.divergence(level.side, level.price, level.pivot_ms, level.minutes,
                                      price)
        if judged is None:
            return None
        self.divergences[(level.sweep_id, level.price)] = judged
        while len(self.divergences) > KEPT:
            del self.divergences[next(iter(self.divergences))]
        if not judged["diverges"]:
            return None
        return Finding(DIVERGENCE, trade_id, time_ms, {
            "direction": -level.side, "level": level.price, "sweep_price": price,
            "pivot_ms": level.pivot_ms, **judged,
        }, key=f"{level.side}:{level.price}")

    def evidence(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The order flow in force at a grab's or trap's trigger (see the module docstring)."""
        since = facts["sweep_ms"] - self.flow.params.window_s * 1000
        until = facts["trigger_ms"]
        direction = facts["direction"]
        recent = [f for f in self.recent if since <= f.time_ms <= until]
        absorption = next((f for f in reversed(recent) if f.kind == ABSORPTION
                           and f.evidence["direction"] == direction), None)
        pulled = next((f for f in reversed(recent) if f.kind == PULLED), None)
        top = self.top
        divergence = self.divergences.get((facts["sweep_trade_id"], facts["level"]))
        return {
            "queue_imbalance": top.imbalance if top else None,
            "microprice": top.microprice if top else None,
            "spread": top.spread if top else None,
            "quote_age_ms": until - top.time_ms if top else None,
            "cvd_slope": self.flow.slope(),
            "cvd_divergence": {"strength": divergence["strength"],
                               "diverges": divergence["diverges"]} if divergence else None,
            "absorption": _brief(absorption),
            "pulled": _brief(pulled),
        }

    def view(self) -> dict[str, Any]:
        top, book = self.top, self.book
        return {
            "cvd": self.flow.cvd,
            "cvd_slope": self.flow.slope(),
            "top": None if top is None else {
                "time_ms": top.time_ms, "bid": top.bid, "bid_size": top.bid_size,
                "ask": top.ask, "ask_size": top.ask_size, "spread": top.spread,
                "imbalance": top.imbalance, "microprice": top.microprice},
            "book": None if book is None else {
                "time_ms": book.time_ms, "synced": book.synced,
                "bids": [list(b) for b in book.bids[:SHOWN_LEVELS]],
                "asks": [list(a) for a in book.asks[:SHOWN_LEVELS]]},
            "walls": self.walls.view(),
            "last_event": _brief(self.recent[-1]) if self.recent else None,
        }

    def dump(self) -> list[Any]:
        return [self.flow.dump(), self.walls.dump(),
                self.top.dump() if self.top else None,
                self.book.dump() if self.book else None,
                [[list(k), v] for k, v in self.divergences.items()],
                [[f.kind, f.trade_id, f.time_ms, dict(f.evidence), f.key] for f in self.recent]]

    @classmethod
    def load(cls, data: list[Any]) -> OrderFlow:
        made = cls.__new__(cls)
        made.flow = Flow.load(data[0])
        made.walls = Walls.load(data[1])
        made.top = TopOfBook(*data[2]) if data[2] else None
        made.book = BookLevels(data[3][0], tuple(tuple(b) for b in data[3][1]),
                               tuple(tuple(a) for a in data[3][2]), data[3][3],
                               data[3][4]) if data[3] else None
        made.divergences = {(int(k[0]), float(k[1])): v for k, v in data[4]}
        made.recent = deque((Finding(*row) for row in data[5]), maxlen=KEPT)
        return made


def _at(finding: Finding, trade_id: int) -> Finding:
    return Finding(finding.kind, trade_id, finding.time_ms, finding.evidence, finding.key)


def _brief(finding: Finding | None) -> dict[str, Any] | None:
    if finding is None:
        return None
    e = finding.evidence
    return {"kind": finding.kind, "time_ms": finding.time_ms, "trade_id": finding.trade_id,
            "direction": e["direction"], "level": e["level"]}
