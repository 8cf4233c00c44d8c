"""Screening each symbol's trades before they are sequenced: id order, and plausible prices.

**Order.** Trades that arrive with their ids out of order (two messages swapped on the way)
are put back in order: a trade whose id is not the next expected one waits until the missing
ids arrive, or until ``reorder_trades`` trades wait or the oldest has waited ``reorder_ms``;
then they go on in id order and the sequencer sees whatever gap is left.

**Plausibility.** A price is doubted when it lies further from the last accepted price than
the market moves in the time between them: more than ``jump_sigmas`` · σ · √(seconds, at least
one), and more than ``jump_min`` (log) in any case, with σ the recent volatility per √second
(an exponentially weighted mean over accepted trades of r² / seconds, at least 1 bp). A
doubted trade waits for the next ``CONFIRM_TRADES`` trades: if one of them lies nearer the
doubted price than the old one, the market moved and every trade goes on; if none does, the
doubted trade is dead-lettered with its reason. A trade still waiting after ``HOLD_MS`` or at
the end of the feed is decided by the trades that came. A price that is not a positive
number is rejected at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from feeder.sources import Rejected
from omega_tasks.messages import Tick

CONFIRM_TRADES = 2
HOLD_MS = 2_000
SIGMA_FLOOR = 1e-4  # 1 bp per √second: the least volatility a price is measured against
SIGMA_WEIGHT = 0.02  # of each accepted trade in the volatility's mean (about 50 trades)


@dataclass(frozen=True, slots=True)
class ScreenParams:
    """How long trades may wait to be put in order, and what makes a price doubtful."""

    reorder_trades: int = 32
    reorder_ms: int = 250
    jump_sigmas: float = 50.0
    jump_min: float = 0.02


@dataclass(slots=True)
class _Symbol:
    """One symbol's screening state."""

    next_id: int | None = None
    waiting: dict[int, tuple[Tick, float]] = field(default_factory=dict)  # id: (tick, since)
    price: float = 0.0  # the last accepted price and its exchange time
    time_ms: int = 0
    variance: float = SIGMA_FLOOR**2  # per second
    doubted: list[Tick] = field(default_factory=list)  # the doubted trade, then its followers
    doubted_since: float = 0.0
    reason: str = ""


class Screen:
    """Put each symbol's trades in id order and hold implausible prices for confirmation."""

    def __init__(self, params: ScreenParams | None = None) -> None:
        self.params = params or ScreenParams()
        self.repeats = 0  # trades dropped because the same id was already waiting
        self._symbols: dict[tuple[str, str], _Symbol] = {}

    def add(self, tick: Tick, now: float) -> tuple[list[Tick], list[Rejected]]:
        """Take a trade; return the trades that go on (in id order) and those rejected.

        A trade whose id is already waiting is a repeat: dropped here and counted.
        """
        sym = self._symbols.get((tick.exchange, tick.symbol))
        if sym is None:
            sym = self._symbols[(tick.exchange, tick.symbol)] = _Symbol()
        passed: list[Tick] = []
        rejected: list[Rejected] = []
        if tick.price <= 0.0 or not math.isfinite(tick.price):
            rejected.append(Rejected(tick.exchange, f"implausible price {tick.price!r}",
                                     repr(tick).encode()))
        elif sym.next_id is not None and tick.trade_id < sym.next_id:
            passed.append(tick)  # a repeat: the sequencer counts and drops it
        elif (sym.next_id is None or tick.trade_id == sym.next_id) and not sym.waiting:
            self._judge(sym, tick, now, passed, rejected)  # the common case: in order
        elif tick.trade_id in sym.waiting:
            self.repeats += 1
        else:
            sym.waiting[tick.trade_id] = (tick, now)
            self._release(sym, now, passed, rejected, force=False)
        return passed, rejected

    def due(self, now: float) -> tuple[list[Tick], list[Rejected]]:
        """Release what has waited long enough; return it as ``add`` does."""
        passed: list[Tick] = []
        rejected: list[Rejected] = []
        for sym in self._symbols.values():
            if sym.waiting:
                self._release(sym, now, passed, rejected, force=False)
            if sym.doubted and now - sym.doubted_since >= HOLD_MS / 1000:
                self._decide(sym, now, passed, rejected)
        return passed, rejected

    def drain(self, now: float) -> tuple[list[Tick], list[Rejected]]:
        """Release everything waiting (the feed ends); return it as ``add`` does."""
        passed: list[Tick] = []
        rejected: list[Rejected] = []
        for sym in self._symbols.values():
            self._release(sym, now, passed, rejected, force=True)
            if sym.doubted:
                self._decide(sym, now, passed, rejected)
        return passed, rejected

    def next_due(self) -> float | None:
        """When the next waiting trade or doubted price falls due (monotonic seconds)."""
        times = [since + self.params.reorder_ms / 1000 for sym in self._symbols.values()
                 for _, since in sym.waiting.values()]
        times += [sym.doubted_since + HOLD_MS / 1000 for sym in self._symbols.values()
                  if sym.doubted]
        return min(times) if times else None

    # -- order --------------------------------------------------------------------------

    def _release(self, sym: _Symbol, now: float, passed: list[Tick], rejected: list[Rejected],
                 force: bool) -> None:
        """Let waiting trades go on in id order: the next expected ones, and all of them when
        too many wait, the oldest waited too long, or ``force``."""
        while sym.waiting:
            first = min(sym.waiting)
            oldest = min(since for _, since in sym.waiting.values())
            stale = now - oldest >= self.params.reorder_ms / 1000
            if first != sym.next_id and not (
                    force or stale or len(sym.waiting) >= self.params.reorder_trades):
                return
            tick, _ = sym.waiting.pop(first)
            self._judge(sym, tick, now, passed, rejected)

    # -- plausibility -------------------------------------------------------------------

    def _judge(self, sym: _Symbol, tick: Tick, now: float, passed: list[Tick],
               rejected: list[Rejected]) -> None:
        sym.next_id = tick.trade_id + 1
        if sym.doubted:
            sym.doubted.append(tick)
            self._confirm(sym, now, passed, rejected)
            return
        why = self._doubt(sym, tick)
        if why is None:
            self._accept(sym, tick, passed)
        else:
            sym.doubted, sym.doubted_since, sym.reason = [tick], now, why

    def _doubt(self, sym: _Symbol, tick: Tick) -> str | None:
        """Say why a price is implausibly far from the last accepted one, or None."""
        if sym.price <= 0.0:  # the symbol's first trade
            return None
        move = abs(math.log(tick.price / sym.price))
        if move <= self.params.jump_min:  # the common case: one comparison after the log
            return None
        seconds = max(1.0, (tick.exchange_ms - sym.time_ms) / 1000)
        sigmas = move / (math.sqrt(sym.variance) * math.sqrt(seconds))
        if sigmas <= self.params.jump_sigmas:
            return None
        return (f"implausible price {tick.price!r}: {sigmas:,.0f} σ from {sym.price!r} in "
                f"{seconds:,.1f} s (σ {math.sqrt(sym.variance):.2e} per √s)")

    def _confirm(self, sym: _Symbol, now: float, passed: list[Tick],
                 rejected: list[Rejected]) -> None:
        doubted, followers = sym.doubted[0], sym.doubted[1:]
        if any(_nearer(f.price, doubted.price, sym.price) for f in followers):
            self._settle(sym, now, passed, rejected, confirmed=True)
        elif len(followers) >= CONFIRM_TRADES:
            self._settle(sym, now, passed, rejected, confirmed=False)

    def _decide(self, sym: _Symbol, now: float, passed: list[Tick],
                rejected: list[Rejected]) -> None:
        """Decide a doubted price with the followers that came, however few."""
        doubted, followers = sym.doubted[0], sym.doubted[1:]
        confirmed = any(_nearer(f.price, doubted.price, sym.price) for f in followers)
        self._settle(sym, now, passed, rejected, confirmed)

    def _settle(self, sym: _Symbol, now: float, passed: list[Tick], rejected: list[Rejected],
                confirmed: bool) -> None:
        held, sym.doubted = sym.doubted, []
        if confirmed:
            for tick in held:
                self._accept(sym, tick, passed)
            return
        doubted = held[0]
        rejected.append(Rejected(doubted.exchange,
                                 f"{sym.reason}, not confirmed by the trades after it",
                                 repr(doubted).encode()))
        for tick in held[1:]:  # judged afresh against the price before the doubted one
            self._judge(sym, tick, now, passed, rejected)

    def _accept(self, sym: _Symbol, tick: Tick, passed: list[Tick]) -> None:
        if sym.price > 0.0:
            r = math.log(tick.price / sym.price)
            seconds = max(1.0, (tick.exchange_ms - sym.time_ms) / 1000)
            sample = max(r * r / seconds, SIGMA_FLOOR**2)
            sym.variance += SIGMA_WEIGHT * (sample - sym.variance)
        sym.price, sym.time_ms = tick.price, tick.exchange_ms
        passed.append(tick)


def _nearer(price: float, doubted: float, before: float) -> bool:
    """Whether ``price`` lies nearer (in log) the doubted price than the one before it."""
    return abs(math.log(price / doubted)) < abs(math.log(price / before))
