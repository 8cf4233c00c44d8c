"""Levels, trap rules and the high-frequency mode run as one fold, published as two analyses.

The burst mode scales the threshold the trap rules use, and opposite-side sweeps feed the
burst rule, so they cannot run apart without one guessing the other. Both analyses fold the
same detector, so the mode the ``highfreq`` queue reports is exactly the mode the ``traps``
queue applied; each publishes its own kinds of finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.highfreq import OFF, ON, Burst, BurstParams
from omega_tasks.core.swings import Fractal, ZigZag
from omega_tasks.core.threshold import ThresholdParams, Volatility
from omega_tasks.core.traps import GRAB, TRAP, Context, TrapParams, TrapRules
from omega_tasks.core.types import Bar, Finding, Liquidation

TRAP_KINDS = frozenset((*GRAB.values(), *TRAP.values()))
HF_KINDS = frozenset((ON, OFF))


@dataclass(frozen=True, slots=True)
class SweepParams:
    """Everything the detector can be tuned by."""

    threshold: ThresholdParams = field(default_factory=ThresholdParams)
    traps: TrapParams = field(default_factory=TrapParams)
    burst: BurstParams = field(default_factory=BurstParams)
    fractal_bars: int = 3
    zigzag_step_rate: float = 0.002
    zigzag_atr: float = 3.0


class SweepDetector:
    """Volatility, swings, the level book with its rules, and the burst mode, in one fold."""

    __slots__ = ("burst", "contexts", "fractal", "rules", "sigma", "volatility", "zigzag")

    def __init__(self, params: SweepParams | None = None) -> None:
        p = params or SweepParams()
        self.volatility = Volatility(p.threshold)
        self.fractal = Fractal(p.fractal_bars)
        self.zigzag = ZigZag(p.zigzag_step_rate, p.zigzag_atr)
        self.rules = TrapRules(p.traps)
        self.burst = Burst(p.burst)
        self._in_force()

    def _in_force(self) -> None:
        """Fix what holds until the next bar closes: σ, and the context with the mode off/on."""
        vol = self.volatility
        self.sigma = vol.sigma
        self.contexts = tuple(Context(vol.atr.value, vol.threshold(hf_mode=on), on)
                              for on in (False, True))

    def context(self) -> Context:
        return self.contexts[self.burst.on]

    def on_bar(self, bar: Bar) -> list[Finding]:
        vol = self.volatility
        found = self.rules.on_bar(bar, self.context()) if vol.warm else []
        vol.update(bar)
        self.burst.on_bar()
        for swing in self.fractal.update(bar):
            self.rules.add(swing, "fractal")
        if vol.atr.ready:
            for swing in self.zigzag.update(bar, vol.atr.value):
                self.rules.add(swing, "zigzag")
            self.rules.set_atr(vol.atr.value)
        self._in_force()
        return found

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding]:
        vol = self.volatility
        if not vol.warm:
            return []
        found = self.burst.on_trade(time_ms, price, self.sigma)
        grabs, started = self.rules.on_trade(trade_id, time_ms, price, size, side,
                                             self.contexts[self.burst.on])
        for s in dict.fromkeys(started):
            found += self.burst.note_sweep(time_ms, s)
        if found:
            found = [_stamped(f, trade_id) for f in found]
        return found + grabs if grabs else found

    def on_liquidation(self, liquidation: Liquidation) -> None:
        self.rules.on_liquidation(liquidation)

    def dump(self) -> list[Any]:
        return [self.volatility.dump(), self.fractal.dump(), self.zigzag.dump(),
                self.rules.dump(), self.burst.dump()]

    @classmethod
    def load(cls, data: list[Any]) -> SweepDetector:
        made = cls.__new__(cls)
        made.volatility = Volatility.load(data[0])
        made.fractal = Fractal.load(data[1])
        made.zigzag = ZigZag.load(data[2])
        made.rules = TrapRules.load(data[3])
        made.burst = Burst.load(data[4])
        made._in_force()
        return made

    def view(self) -> dict[str, Any]:
        vol = self.volatility
        ctx = self.context()
        return {
            "warm": vol.warm,
            "atr14": ctx.atr if vol.atr.ready else None,
            "threshold": ctx.threshold,
            "hf_mode": self.burst.on,
            "hf_mode_since_ms": self.burst.on_ms if self.burst.on else None,
            "levels": self.rules.view(),
        }


def _stamped(finding: Finding, trade_id: int) -> Finding:
    return Finding(finding.kind, trade_id, finding.time_ms, finding.evidence, finding.key)


class _SweepAnalysis(Analysis):
    """An analysis publishing the detector's findings of some kinds."""

    kinds: ClassVar[frozenset[str]]

    def __init__(self, params: SweepParams | None = None) -> None:
        self.detector = SweepDetector(params)

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        found = self.detector.on_bar(bar)
        return [f for f in found if f.kind in self.kinds] if found else None

    def on_trade(
        self, trade_id: int, time_ms: int, price: float, size: float, side: int
    ) -> list[Finding] | None:
        found = self.detector.on_trade(trade_id, time_ms, price, size, side)
        return [f for f in found if f.kind in self.kinds] if found else None

    def on_liquidation(self, liquidation: Liquidation) -> list[Finding] | None:
        self.detector.on_liquidation(liquidation)
        return None

    def dump(self) -> Any:
        return self.detector.dump()

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls.__new__(cls)
        analysis.detector = SweepDetector.load(data)
        return analysis

    def view(self) -> dict[str, Any]:
        return self.detector.view()


class TrapAnalysis(_SweepAnalysis):
    """Liquidity grabs and bull/bear traps (queue ``traps``)."""

    name = "traps"
    kinds = TRAP_KINDS


class HighFreqAnalysis(_SweepAnalysis):
    """High-frequency trap mode on and off (queue ``highfreq``)."""

    name = "highfreq"
    kinds = HF_KINDS
