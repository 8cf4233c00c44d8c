"""The one question other detectors ask of the Fibonacci levels: is this price at or near a
golden level or a confluence zone, and which?"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from omega_tasks.core.fibonacci import GOLDEN, NEAR_ATR, FibonacciLevels


@dataclass(frozen=True, slots=True)
class Proximity:
    """A golden level or confluence zone near a price, and how near.

    ``members`` pairs each level with its timeframe and ratio: ``(timeframe, ratio, price)``.
    """

    kind: str
    lo: float
    hi: float
    distance_atr: float
    ratios: tuple[float, ...]
    timeframes: tuple[str, ...]
    score: float
    members: tuple[tuple[str, float, float], ...]

    def evidence(self) -> dict[str, Any]:
        """Return the JSON-friendly facts an event carries about it."""
        return {
            "kind": self.kind, "level": (self.lo + self.hi) / 2, "lo": self.lo, "hi": self.hi,
            "distance_atr": self.distance_atr, "ratios": list(self.ratios),
            "timeframes": list(self.timeframes), "score": self.score,
            "golden": any(r in GOLDEN for r in self.ratios),
            "members": [list(m) for m in self.members],
        }


def proximity(
    levels: FibonacciLevels, price: float, atr: float, within_atr: float = NEAR_ATR
) -> Proximity | None:
    """Return the nearest golden level or confluence zone within ``within_atr``·ATR of price.

    ``levels`` is any ``FibonacciLevels`` fed closed 1m bars up to now (with the same ATR14
    as ``atr``), so the answer uses no forming bar. Distance to a zone is 0 inside it; at
    equal distance a zone wins over a single level, then the higher score. None when nothing
    is that near, or the ATR is not known yet. Pure: it reads ``levels`` and changes nothing.
    """
    if not (math.isfinite(atr) and atr > 0):
        return None
    best: tuple[float, int, float] | None = None
    found: Proximity | None = None
    candidates: list[Proximity] = [
        Proximity("zone", z.lo, z.hi, _distance(price, z.lo, z.hi) / atr, z.ratios,
                  z.timeframes, z.score,
                  tuple((lv.timeframe, lv.ratio, lv.price) for lv in z.levels))
        for z in levels.zones
    ]
    candidates += [
        Proximity("golden_level", lv.price, lv.price, abs(price - lv.price) / atr, (lv.ratio,),
                  (lv.timeframe,), 1.0, ((lv.timeframe, lv.ratio, lv.price),))
        for lv in levels.levels() if lv.golden
    ]
    for candidate in candidates:
        if candidate.distance_atr > within_atr:
            continue
        rank = (candidate.distance_atr, 0 if candidate.kind == "zone" else 1, -candidate.score)
        if best is None or rank < best:
            best, found = rank, candidate
    return found


def _distance(price: float, lo: float, hi: float) -> float:
    if price < lo:
        return lo - price
    if price > hi:
        return price - hi
    return 0.0
