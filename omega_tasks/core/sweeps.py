"""Levels, trap rules, the high-frequency mode and the order flow run as one fold, published
as three detectors.

The burst mode scales the threshold the trap rules use, opposite-side sweeps feed the burst
rule, and a sweep is where CVD divergence is judged and each grab and trap takes the order
flow in force: they cannot run apart without one guessing the other. One fold on queue
``traps`` owns them, and publishes its grabs and traps under ``traps``, its mode changes
under ``highfreq`` and its order-flow events under ``orderflow``, so what an event reports is
exactly what the rules applied.

Grabs and traps carry the 5m regime in force (through the shared dynamic threshold) and, when
their level lies at or near a golden Fibonacci level or a confluence zone of the levels known
at the time, that proximity (``fibonacci.proximity``); otherwise ``fibonacci`` is None.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

from omega_tasks.core.analysis import BOOK, QUOTES, TAPE, Analysis
from omega_tasks.core.fib_proximity import proximity
from omega_tasks.core.fibonacci import FibonacciLevels, FibParams
from omega_tasks.core.highfreq import OFF, ON, Burst, BurstParams
from omega_tasks.core.levels import SwingLevel
from omega_tasks.core.orderflow import FLOW_KINDS, OrderFlow, OrderFlowParams
from omega_tasks.core.swings import Fractal, ZigZag
from omega_tasks.core.threshold import DynamicThreshold, ThresholdParams
from omega_tasks.core.traps import GRAB, TRAP, Context, TrapParams, TrapRules
from omega_tasks.core.types import Bar, BookLevels, Finding, Liquidation, TopOfBook
from omega_tasks.names import HIGHFREQ, ORDERFLOW, TRAPS

TRAP_KINDS = frozenset((*GRAB.values(), *TRAP.values()))
HF_KINDS = frozenset((ON, OFF))


@dataclass(frozen=True, slots=True)
class SweepParams:
    """Everything the detector can be tuned by."""

    threshold: ThresholdParams = field(default_factory=ThresholdParams)
    traps: TrapParams = field(default_factory=TrapParams)
    burst: BurstParams = field(default_factory=BurstParams)
    fib: FibParams = field(default_factory=FibParams)
    orderflow: OrderFlowParams = field(default_factory=OrderFlowParams)
    fractal_bars: int = 3
    zigzag_step_rate: float = 0.002
    zigzag_atr: float = 3.0


class SweepDetector:
    """Threshold, swings, the level book with its rules, the burst mode, the Fibonacci
    levels and the order flow, in one fold."""

    __slots__ = ("burst", "contexts", "fib", "flow", "fractal", "last_trap", "rules", "sigma",
                 "threshold", "warm", "zigzag")

    def __init__(self, params: SweepParams | None = None) -> None:
        p = params or SweepParams()
        self.threshold = DynamicThreshold(p.threshold)
        self.fib = FibonacciLevels(p.fib)
        self.fractal = Fractal(p.fractal_bars)
        self.zigzag = ZigZag(p.zigzag_step_rate, p.zigzag_atr)
        self.rules = TrapRules(p.traps)
        self.burst = Burst(p.burst)
        self.flow = OrderFlow(p.orderflow)
        self.warm = False
        self.last_trap: dict[str, Any] | None = None
        self._in_force()

    def _in_force(self) -> None:
        """Fix what holds until the next bar closes: σ, and the context with the mode off/on."""
        thr = self.threshold
        vol = thr.volatility
        self.sigma = vol.sigma
        self.contexts = tuple(Context(vol.atr.value, thr.value(hf_mode=on), on,
                                      thr.regime.current)
                              for on in (False, True))

    def context(self) -> Context:
        return self.contexts[self.burst.on]

    def on_bar(self, bar: Bar) -> list[Finding]:
        thr = self.threshold
        vol = thr.volatility
        found = self._explained(self.rules.on_bar(bar, self.context())) if vol.warm else []
        thr.update(bar)
        self.flow.on_bar(bar.close_ms)
        self.fib.update(bar, vol.atr.value if vol.warm else math.nan)
        self.burst.on_bar()
        for swing in self.fractal.update(bar):
            self.rules.add(swing, "fractal")
        if vol.atr.ready:
            for swing in self.zigzag.update(bar, vol.atr.value):
                self.rules.add(swing, "zigzag")
            self.rules.set_atr(vol.atr.value)
        self._in_force()
        self.warm = vol.warm
        return found

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding] | None:
        """Take a trade; return what it triggered, or None (the common case)."""
        ctx = self.contexts[self.burst.on]
        flows = self.flow.on_trade(trade_id, time_ms, price, size, side, ctx.atr,
                                   self.rules.volume)
        if not self.warm:
            return flows
        burst, rules = self.burst, self.rules
        if time_ms // 1000 == burst.second:
            burst.second_price = price  # inside the second being sampled
            found: Sequence[Finding] = ()
        else:
            found = burst.on_trade(time_ms, price, self.sigma)
        grabs: Sequence[Finding] = ()
        if rules.moving or price > rules.trip_high or price < rules.trip_low:
            grabs, started = rules.on_trade(trade_id, time_ms, price, size, side,
                                            self.contexts[burst.on])
            if started:
                found = [*found, *(f for s in dict.fromkeys(x.side for x in started)
                                   for f in burst.note_sweep(time_ms, s))]
                flows = [*(flows or ()), *self._sweeps_started(started, trade_id, time_ms,
                                                                price)]
        # else no level in reach: the common case
        if grabs:
            return [_stamped(f, trade_id) for f in found] + self._explained(grabs) + \
                list(flows or ())
        if found:
            return [_stamped(f, trade_id) for f in found] + list(flows or ())
        return flows or None

    def _sweeps_started(self, levels: Sequence[SwingLevel], trade_id: int, time_ms: int,
                        price: float) -> list[Finding]:
        """Judge the CVD at each sweep this trade starts."""
        judged = (self.flow.sweep_started(x, trade_id, time_ms, price) for x in levels)
        return [f for f in judged if f is not None]

    def _explained(self, findings: Sequence[Finding]) -> list[Finding]:
        """Add to each grab or trap the order flow in force and the golden level or zone at
        or near its level, if any; remember the last as the newest trap."""
        out = []
        for f in findings:
            near = proximity(self.fib, f.evidence["level"], f.evidence["atr14"])
            evidence = {**f.evidence, "fibonacci": near.evidence() if near is not None else None,
                        "orderflow": self.flow.evidence(dict(f.evidence))}
            out.append(Finding(f.kind, f.trade_id, f.time_ms, evidence, f.key))
            self.last_trap = {"kind": f.kind, "trade_id": f.trade_id, "time_ms": f.time_ms,
                              "direction": int(f.evidence["direction"])}
        return out

    def on_liquidation(self, liquidation: Liquidation) -> list[Finding] | None:
        self.rules.on_liquidation(liquidation)
        return self.flow.on_liquidation(liquidation)

    def dump(self) -> list[Any]:
        return [self.threshold.dump(), self.fractal.dump(), self.zigzag.dump(),
                self.rules.dump(), self.burst.dump(), self.fib.dump(), self.last_trap,
                self.flow.dump()]

    @classmethod
    def load(cls, data: list[Any]) -> SweepDetector:
        made = cls.__new__(cls)
        made.threshold = DynamicThreshold.load(data[0])
        made.fractal = Fractal.load(data[1])
        made.zigzag = ZigZag.load(data[2])
        made.rules = TrapRules.load(data[3])
        made.burst = Burst.load(data[4])
        made.fib = FibonacciLevels.load(data[5])
        made.last_trap = data[6]
        made.flow = OrderFlow.load(data[7])
        made.warm = made.threshold.warm
        made._in_force()
        return made

    def view(self) -> dict[str, Any]:
        vol = self.threshold.volatility
        ctx = self.context()
        return {
            "warm": vol.warm,
            "regime": ctx.regime,
            "atr14": ctx.atr if vol.atr.ready else None,
            "threshold": ctx.threshold,
            "hf_mode": self.burst.on,
            "hf_mode_since_ms": self.burst.on_ms if self.burst.on else None,
            "levels": self.rules.view(),
            "last_trap": self.last_trap,
            "orderflow": self.flow.view(),
        }


def _stamped(finding: Finding, trade_id: int) -> Finding:
    return Finding(finding.kind, trade_id, finding.time_ms, finding.evidence, finding.key)


class SweepAnalysis(Analysis):
    """Liquidity grabs, bull/bear traps, high-frequency trap mode and order flow, as one fold
    (queue ``traps``) published as three detectors and snapshots: ``traps``, ``highfreq``
    and ``orderflow``."""

    name = TRAPS
    version = 3
    needs = (TAPE, QUOTES, BOOK)

    def __init__(self, params: SweepParams | None = None) -> None:
        self.sweeps = SweepDetector(params)

    @classmethod
    def publishes(cls) -> tuple[str, ...]:
        return (TRAPS, HIGHFREQ, ORDERFLOW)

    def detector(self, finding: Finding) -> str:
        if finding.kind in HF_KINDS:
            return HIGHFREQ
        return ORDERFLOW if finding.kind in FLOW_KINDS else TRAPS

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        return self.sweeps.on_bar(bar) or None

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding] | None:
        return self.sweeps.on_trade(trade_id, time_ms, price, size, side)

    def on_liquidation(self, liquidation: Liquidation) -> list[Finding] | None:
        return self.sweeps.on_liquidation(liquidation)

    def on_quote(self, quote: TopOfBook) -> list[Finding] | None:
        self.sweeps.flow.on_quote(quote)
        return None

    def on_book(self, book: BookLevels) -> list[Finding] | None:
        self.sweeps.flow.on_book(book)
        return None

    def dump(self) -> Any:
        return self.sweeps.dump()

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls.__new__(cls)
        analysis.sweeps = SweepDetector.load(data)
        return analysis

    def view(self) -> dict[str, Any]:
        return self.sweeps.view()
