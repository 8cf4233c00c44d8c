"""MMTrapDetector: liquidity grabs and bull/bear traps at confirmed swing levels.

For a swing high L, with ε = 0.05 · ATR14 (of closed bars, in force during the minute):

- a trade above L + ε starts a sweep of L (a touch by ε or less leaves L live);
- **liquidity grab** (bearish): the first trade back below L, before any 1m bar has closed
  above L + ε, detected at that very trade;
- **bull trap**: a 1m close above L + ε, then a close back below L within ``trap_bars``
  bars, detected at the confirming close; a close above the extreme the sweep had made by
  the breakout close invalidates it;
- a trade beyond L by more than the dynamic threshold in force (regime and high-frequency
  mode applied) is a breakout, not a hunt for stops: L is spent without an event;
- a sweep neither reclaimed nor closed beyond L + ε ``trap_bars`` bars after its minute is
  stale and L is spent.

Swing lows mirror all of it (a bullish grab, a bear trap). Each level fires once.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.indicators import Ewm
from omega_tasks.core.levels import BROKEN_OUT, LIVE, SWEEPING, LevelBook, SwingLevel
from omega_tasks.core.swings import Swing
from omega_tasks.core.types import MINUTE_MS, Bar, Finding, Liquidation

GRAB = {1: "liquidity_grab_high", -1: "liquidity_grab_low"}
TRAP = {1: "bull_trap", -1: "bear_trap"}
NOTHING: tuple[tuple[Finding, ...], tuple[SwingLevel, ...]] = ((), ())  # immutable: shared


@dataclass(frozen=True, slots=True)
class TrapParams:
    """Defaults of the trap rules."""

    epsilon_atr: float = 0.05
    trap_bars: int = 3
    levels_per_side: int = 8
    volume_span_bars: int = 60
    min_sweep_s: float = 10.0  # a sweep's volume rate is taken over at least this long
    liquidation_lead_ms: int = 5_000  # liquidations this long before a sweep still count
    liquidation_burst: int = 2  # liquidations on the squeezed side that make a burst
    liquidations_kept: int = 2_048


@dataclass(frozen=True, slots=True)
class Context:
    """What is in force at a trade: ATR14 and the dynamic threshold (a fraction of price)."""

    atr: float
    threshold: float
    hf_mode: bool = False
    regime: str = "unknown"


class TrapRules:
    """The level book and the rules that fire on it (see the module docstring)."""

    __slots__ = ("book", "epsilon", "liquidations", "moving", "params", "trip_high",
                 "trip_low", "volume")

    def __init__(self, params: TrapParams | None = None) -> None:
        self.params = params or TrapParams()
        self.book = LevelBook(self.params.levels_per_side)
        self.volume = Ewm(self.params.volume_span_bars)
        self.epsilon = math.nan
        self.liquidations: deque[tuple[int, int, float]] = deque(
            maxlen=self.params.liquidations_kept)
        self._retrip()

    def add(self, swing: Swing, source: str) -> None:
        """Put a newly confirmed swing in the book."""
        if self.book.add(SwingLevel.of(swing, source)):
            self._retrip()

    def set_atr(self, atr: float) -> None:
        """Take the ATR in force from the next trade on."""
        self.epsilon = self.params.epsilon_atr * atr
        self._retrip()

    def on_liquidation(self, liquidation: Liquidation) -> None:
        q = liquidation
        self.liquidations.append((q.time_ms, q.side, q.size))

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int, ctx: Context
    ) -> tuple[Sequence[Finding], Sequence[SwingLevel]]:
        """Take a trade; return the grabs it triggers and the levels whose sweep it starts."""
        if price > self.trip_high or price < self.trip_low:
            return self._scan(trade_id, time_ms, price, size, side, ctx)
        if not self.moving:
            return NOTHING
        # No live level is crossed: only the sweeps and breakouts in flight can change.
        reclaimed: list[SwingLevel] | None = None
        spent = False
        threshold = ctx.threshold
        for level in self.moving:
            beyond = level.take(price, size, side)
            if beyond > threshold * level.price:
                self.book.remove(level)
                spent = True
            elif beyond < 0 and level.phase == SWEEPING:
                if reclaimed is None:
                    reclaimed = []
                reclaimed.append(level)
        if reclaimed is None:
            if spent:
                self._retrip()
            return NOTHING
        found = self._grabs(reclaimed, trade_id, time_ms, price, ctx)
        self._retrip()
        return found, []

    def _scan(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int, ctx: Context
    ) -> tuple[list[Finding], list[SwingLevel]]:
        """Take a trade that crosses a live level's trip price: every level may change."""
        started: list[SwingLevel] = []
        reclaimed: list[SwingLevel] = []
        for level in self.book:
            if level.phase == LIVE:
                if level.beyond(price) <= self.epsilon:
                    continue
                level.start_sweep(trade_id, time_ms, price)
                started.append(level)
            beyond = level.take(price, size, side)
            if beyond > ctx.threshold * level.price:
                self.book.remove(level)
            elif level.phase == SWEEPING and beyond < 0:
                reclaimed.append(level)
        findings = self._grabs(reclaimed, trade_id, time_ms, price, ctx) if reclaimed else []
        self._retrip()
        return findings, started

    def _grabs(self, reclaimed: list[SwingLevel], trade_id: int, time_ms: int, price: float,
               ctx: Context) -> list[Finding]:
        """Fire one grab per side among the reclaimed levels."""
        return [
            self._fire(GRAB[s], [x for x in reclaimed if x.side == s], trade_id, time_ms,
                       price, ctx)
            for s in (1, -1) if any(x.side == s for x in reclaimed)
        ]

    def on_bar(self, bar: Bar, ctx: Context) -> list[Finding]:
        """Take a closed bar (with what was in force during it); return the traps it confirms."""
        window = self.params.trap_bars * MINUTE_MS
        confirmed: list[SwingLevel] = []
        for level in self.book:
            if level.phase == SWEEPING:
                if bar.trades and level.beyond(bar.close) > self.epsilon:
                    level.phase = BROKEN_OUT
                    level.breakout_ms, level.breakout_extreme = bar.open_ms, level.extreme
                elif bar.open_ms >= level.sweep_ms - level.sweep_ms % MINUTE_MS + window:
                    self.book.remove(level)
            elif level.phase == BROKEN_OUT:
                if bar.open_ms > level.breakout_ms + window:
                    self.book.remove(level)
                elif not bar.trades:
                    continue
                elif level.beyond(bar.close) > level.beyond(level.breakout_extreme):
                    self.book.remove(level)
                elif level.beyond(bar.close) < 0:
                    confirmed.append(level)
        findings = [
            self._fire(TRAP[s], [x for x in confirmed if x.side == s], bar.last_id,
                       bar.close_ms, bar.close, ctx)
            for s in (1, -1) if any(x.side == s for x in confirmed)
        ]
        self.volume.update(bar.volume)
        self._retrip()
        return findings

    def _fire(self, kind: str, levels: list[SwingLevel], trade_id: int, time_ms: int,
              price: float, ctx: Context) -> Finding:
        """Spend the levels; describe the outermost one (the others ride along)."""
        for level in levels:
            self.book.remove(level)
        main = max(levels, key=lambda x: x.side * x.price)
        others = [x.price for x in levels if x is not main]
        return Finding(kind, trade_id, time_ms, self._evidence(main, trade_id, time_ms, price,
                                                               ctx, others))

    def _evidence(self, level: SwingLevel, trade_id: int, time_ms: int, price: float, ctx: Context,
                  others: list[float]) -> dict[str, Any]:
        p = self.params
        atr = ctx.atr
        depth = level.beyond(level.extreme)
        volume = level.buy + level.sell
        per_minute = volume * MINUTE_MS / max(time_ms - level.sweep_ms, p.min_sweep_s * 1000)
        std = self.volume.std
        volume_z = (per_minute - self.volume.mean) / std if std > 0 else 0.0
        liquidations = [q for q in self.liquidations
                        if q[1] == level.side
                        and level.sweep_ms - p.liquidation_lead_ms <= q[0] <= time_ms]
        burst = len(liquidations) >= p.liquidation_burst
        rejection = -level.beyond(price) / atr
        facts: dict[str, Any] = {
            "direction": -level.side,
            "level": level.price,
            "swing": level.swing(),
            "extreme": level.extreme,
            "depth_atr": depth / atr,
            "atr14": atr,
            "epsilon": self.epsilon,
            "sweep_trade_id": level.sweep_id,
            "sweep_ms": level.sweep_ms,
            "duration_s": (time_ms - level.sweep_ms) / 1000,
            "trigger_trade_id": trade_id,
            "trigger_ms": time_ms,
            "trigger_price": price,
            "rejection_atr": rejection,
            "volume": volume,
            "volume_z": volume_z,
            "imbalance": (level.buy - level.sell) / volume if volume > 0 else 0.0,
            "liquidations": len(liquidations),
            "liquidation_size": sum(q[2] for q in liquidations),
            "liquidation_burst": burst,
            "threshold": ctx.threshold,
            "threshold_price": ctx.threshold * price,
            "hf_mode": ctx.hf_mode,
            "regime": ctx.regime,
            "also_spent": others,
        }
        facts["confidence"] = confidence(depth / atr, volume_z, rejection, burst)
        return facts

    def _retrip(self) -> None:
        """Cache the prices that can start a sweep, and the levels in flight, so that most
        trades cost two comparisons and a trade inside the trips touches only those levels."""
        eps = self.epsilon if math.isfinite(self.epsilon) else math.inf
        live = [x for x in self.book.levels if x.phase == LIVE]
        self.trip_high = min((x.price + eps for x in live if x.side > 0), default=math.inf)
        self.trip_low = max((x.price - eps for x in live if x.side < 0), default=-math.inf)
        self.moving = tuple(x for x in self.book.levels if x.phase != LIVE)

    def view(self) -> list[dict[str, Any]]:
        """Describe the levels in the book."""
        names = {LIVE: "live", SWEEPING: "sweeping", BROKEN_OUT: "broken_out"}
        return [{"side": "high" if x.side > 0 else "low", "price": x.price,
                 "phase": names[x.phase], "source": x.source, "pivot_ms": x.pivot_ms}
                for x in self.book.levels]

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), self.book.dump(), self.volume.dump(),
                self.epsilon, [list(q) for q in self.liquidations]]

    @classmethod
    def load(cls, data: list[Any]) -> TrapRules:
        rules = cls(TrapParams(*data[0]))
        rules.book = LevelBook.load(data[1])
        rules.volume = Ewm.load(data[2])
        rules.epsilon = data[3]
        rules.liquidations.extend((int(t), int(s), float(q)) for t, s, q in data[4])
        rules._retrip()
        return rules


def confidence(depth_atr: float, volume_z: float, rejection_atr: float, burst: bool,
               extra: float = 0.0) -> float:
    """Score a grab or trap in (0, 1) from its evidence; higher means more like a stop hunt.

    A logistic of hand-set weights: a sweep that went meaningfully past the level (up to one
    ATR), on heavy volume, that is already well back inside, with liquidations forced along
    the way. It orders events; it is not a calibrated probability (the evaluation reports
    how events of each confidence band turned out).
    """
    z = (-1.5 + 1.5 * min(max(depth_atr, 0.0), 1.0) + 0.4 * min(max(volume_z, -2.0), 3.0)
         + 1.0 * min(max(rejection_atr, 0.0), 1.0) + (0.8 if burst else 0.0) + extra)
    return 1.0 / (1.0 + math.exp(-z))
