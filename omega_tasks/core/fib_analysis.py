"""The Fibonacci analysis: levels and zones as they change, their touches and the reactions.

A target is a confluence zone or a level in no zone. It is touched at the trade that comes
within ``touch_atr``·ATR14 (1m) of it or crosses it from the previous trade, once per target.
The reaction is the move away from the target on the side price came from: it counts when it
reaches one dynamic threshold (in force at the touch, 5m regime included) within
``reaction_bars`` 1m bars after the touch's bar, and is reported at the trade that reaches it.

Findings known at a bar close (legs, golden legs, zones forming and breaking) are reported at
the trade that closed the bar, so every finding names the trade that made it known.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from typing import Any, Self

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.fib_touch import Reactions, Target, Watch, side_of
from omega_tasks.core.fibonacci import Changes, FibonacciLevels, FibParams
from omega_tasks.core.threshold import DynamicThreshold, ThresholdParams
from omega_tasks.core.types import MINUTE_MS, Bar, Finding
from omega_tasks.names import FIB


@dataclass(frozen=True, slots=True)
class TouchParams:
    """How near counts as a touch (in ATR14, 1m) and how long a reaction may take (1m bars)."""

    touch_atr: float = 0.1
    reaction_bars: int = 5


class FibAnalysis(Analysis):
    """Fibonacci levels, confluence zones and golden legs per symbol, with touches and reactions."""

    name = FIB
    version = 2

    def __init__(self, params: FibParams | None = None, touch: TouchParams | None = None,
                 threshold: ThresholdParams | None = None) -> None:
        self.levels = FibonacciLevels(params)
        self.touch = touch or TouchParams()
        self.threshold = DynamicThreshold(threshold)
        self.targets: list[Target] = []
        self.touched: set[str] = set()
        self.sides: dict[str, int] = {}
        self.reactions = Reactions()
        self.pending: list[tuple[str, dict[str, Any], str]] = []
        self.last_price = math.nan
        self.trading = False
        self.tolerance = math.nan
        self.gate = (math.inf, -math.inf)
        self.counts = [0, 0]
        self.quiet_lo, self.quiet_hi, self.quiet_until_ms = math.inf, -math.inf, -1

    # -- bars ---------------------------------------------------------------------------

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.threshold.update(bar)
        vol = self.threshold.volatility
        atr = vol.atr.value if vol.warm else math.nan
        changes = self.levels.update(bar, atr)
        self.tolerance = self.touch.touch_atr * atr if math.isfinite(atr) else math.nan
        if changes.zones_changed or changes.legs:
            self._retarget(bar.close, changes)
        self._breaks(bar)
        self._regate()
        self._quiet()
        return None

    def _retarget(self, close: float, changes: Changes) -> None:
        zones = self.levels.zones
        known = set(self.sides)
        self._build_targets()
        self.touched &= {t.key for t in self.targets}
        self.sides = {z.key: self.sides.get(z.key, side_of(close, z.lo, z.hi)) for z in zones}
        for leg in changes.legs:
            levels = {f"{r:g}": leg.level(r) for r in self.levels.params.ratios}
            self._later("leg", leg.evidence() | {"levels": levels}, leg.timeframe)
        for golden in changes.golden_legs:
            self._later("golden_leg", golden.evidence(), golden.timeframe)
        for zone in zones:
            if zone.key not in known:
                target = Target.of_zone(zone)
                self._later("zone_formed", zone.evidence(), target.label)

    def _build_targets(self) -> None:
        zones = self.levels.zones
        in_zone = {lv.key for z in zones for lv in z.levels}
        self.targets = [Target.of_zone(z) for z in zones] + [
            Target(lv.key, "level", lv.price, lv.price, (lv.ratio,), (lv.timeframe,), 1.0)
            for lv in self.levels.levels() if lv.key not in in_zone
        ]

    def _breaks(self, bar: Bar) -> None:
        """Report zones a 1m close went through, having last closed beyond the other side."""
        for zone in self.levels.zones:
            side = side_of(bar.close, zone.lo, zone.hi)
            before = self.sides.get(zone.key, 0)
            if side and before and side != before:
                evidence = zone.evidence() | {"close": bar.close, "direction": side}
                self._later("zone_broken", evidence, Target.of_zone(zone).label)
            if side:
                self.sides[zone.key] = side

    def _later(self, kind: str, evidence: dict[str, Any], key: str) -> None:
        if self.trading:  # warm-up bars before the first trade report nothing
            self.pending.append((kind, evidence, key))

    # -- trades -------------------------------------------------------------------------

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding] | None:
        if self.quiet_lo < price < self.quiet_hi and time_ms < self.quiet_until_ms:
            self.last_price = price  # the common trade: near no target, no watch, nothing due
            return None
        return self._look(trade_id, time_ms, price)

    def _look(self, trade_id: int, time_ms: int, price: float) -> list[Finding] | None:
        self.trading = True
        found: list[Finding] | None = None
        if self.pending:
            found = [Finding(kind, trade_id, time_ms, evidence, key)
                     for kind, evidence, key in self.pending]
            self.pending = []
        if self.reactions.watches:
            reacted = self.reactions.update(time_ms, price)
            if reacted:
                found = self._reacted(reacted, trade_id, time_ms, price, found)
        prev = self.last_price
        self.last_price = price
        lo, hi = (prev, price) if prev <= price else (price, prev)
        if hi >= self.gate[0] or lo <= self.gate[1]:
            found = self._touch(trade_id, time_ms, price, prev, found)
            self._regate()
        self._quiet()
        return found

    def _touch(self, trade_id: int, time_ms: int, price: float, prev: float,
               found: list[Finding] | None) -> list[Finding] | None:
        tol = self.tolerance
        lo, hi = (prev, price) if prev <= price else (price, prev)
        threshold = self.threshold.value()
        deadline = time_ms - time_ms % MINUTE_MS + (self.touch.reaction_bars + 1) * MINUTE_MS
        for target in self.targets:
            if target.key in self.touched or hi < target.lo - tol or lo > target.hi + tol:
                continue
            self.touched.add(target.key)
            side = side_of(prev, target.lo, target.hi) or (1 if prev >= price else -1)
            ref = target.hi if side > 0 else target.lo
            self.reactions.watch(Watch(target, side, ref, threshold * ref, deadline, trade_id))
            self.counts[0] += 1
            evidence = {
                "target": target.kind, "level": ref, "lo": target.lo, "hi": target.hi,
                "ratios": list(target.ratios), "timeframes": list(target.timeframes),
                "score": target.score, "side": side, "price": price,
                "threshold_price": threshold * ref,
            }
            found = (found or []) + [Finding("touch", trade_id, time_ms, evidence, target.label)]
        return found

    def _reacted(self, reacted: list[Watch], trade_id: int, time_ms: int, price: float,
                 found: list[Finding] | None) -> list[Finding] | None:
        for w in reacted:
            self.counts[1] += 1
            evidence = {
                "target": w.target.kind, "level": w.ref, "ratios": list(w.target.ratios),
                "timeframes": list(w.target.timeframes), "score": w.target.score,
                "side": w.side, "price": price, "touch_trade_id": w.trade_id,
                "move_thr": w.side * (price - w.ref) / w.threshold,
                "adverse_thr": max(0.0, -w.worst) / w.threshold,
            }
            key = f"{w.target.label}:{w.trade_id}"
            found = (found or []) + [Finding("reaction", trade_id, time_ms, evidence, key)]
        return found

    def _regate(self) -> None:
        """Find the nearest untouched target edges around the last price: only a trade
        reaching one of them needs the full scan."""
        tol, last = self.tolerance, self.last_price
        if not (math.isfinite(tol) and math.isfinite(last)):
            self.gate = (math.inf, -math.inf)
            return
        up, down = math.inf, -math.inf
        for t in self.targets:
            if t.key in self.touched:
                continue
            if t.lo - tol > last:
                up = min(up, t.lo - tol)
            elif t.hi + tol < last:
                down = max(down, t.hi + tol)
            else:
                up, down = -math.inf, math.inf  # price sits in a fresh target: look at once
                break
        self.gate = (up, down)

    def _quiet(self) -> None:
        """Join the touch gate and the reaction band into the one test most trades pass.

        The last price lies inside the touch gate (else it would have been scanned), so a
        trade inside both bands, before any deadline and with nothing pending, changes nothing
        but the last price.
        """
        reactions = self.reactions
        self.quiet_hi = min(self.gate[0], reactions.up)
        self.quiet_lo = max(self.gate[1], reactions.down)
        self.quiet_until_ms = reactions.due_ms if self.trading and not self.pending else -1

    # -- state --------------------------------------------------------------------------

    def dump(self) -> Any:
        return [
            self.levels.dump(), self.threshold.dump(), list(astuple(self.touch)),
            sorted(self.touched), sorted([k, s] for k, s in self.sides.items()),
            self.reactions.dump(), self.last_price, self.trading, self.tolerance,
            list(self.counts),
        ]

    @classmethod
    def load(cls, data: Any) -> Self:
        made = cls(touch=TouchParams(*data[2]))
        made.levels = FibonacciLevels.load(data[0])
        made.threshold = DynamicThreshold.load(data[1])
        made._build_targets()
        made.touched = set(data[3])
        made.sides = {k: s for k, s in data[4]}
        made.reactions = Reactions.load(data[5])
        made.last_price, made.trading, made.tolerance = data[6], data[7], data[8]
        made.counts = list(data[9])
        made._regate()
        made._quiet()
        return made

    def view(self) -> dict[str, Any]:
        vol = self.threshold.volatility
        frames = {}
        for leg in self.levels.legs():
            levels = {f"{r:g}": leg.level(r) for r in self.levels.params.ratios}
            frames[leg.timeframe] = leg.evidence() | {"levels": levels}
        zones = sorted(self.levels.zones, key=lambda z: -z.score)
        return {
            "warm": vol.warm,
            "atr14": vol.atr.value if vol.atr.ready else None,
            "regime": self.threshold.regime.current,
            "legs": len(frames),
            "zones": len(zones),
            "touches": self.counts[0],
            "reactions": self.counts[1],
            "watching": len(self.reactions),
            "timeframes": frames,
            "confluence": [z.evidence() for z in zones],
        }

