"""Fibonacci levels per timeframe, their confluence across timeframes, and golden-ratio legs.

Per timeframe (1m … 4h; higher ones built from closed 1m bars only), confirmed fractal swings
are kept as an alternating sequence of pivots: a swing of the same kind as the last pivot
replaces it when it is more extreme and is ignored otherwise. The last two pivots A → B are
the timeframe's leg, and its level at ratio r is ``B − r·(B − A)``: retracements for r < 1,
extensions beyond A for r > 1 (1.272, 1.618). No leg, no levels.

Golden legs: three consecutive pivots A, B, C give the leg ratio |C − B| / |B − A|; it is
golden within ±3 % of 0.618 or 1.618. Confluence: levels of at least two timeframes within
``zone_atr``·ATR14 (1m) of each other form a zone (when they come from different moves), scored
by the moves that agree plus a bonus per golden ratio among its levels.

``fib_proximity.proximity`` is the one question other detectors ask of these levels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from omega_tasks.core.bars import TIMEFRAMES, Resampler
from omega_tasks.core.swings import HIGH, Fractal, Swing
from omega_tasks.core.types import Bar

RETRACEMENTS = (0.382, 0.5, 0.618, 0.786)
EXTENSIONS = (1.272, 1.618)
RATIOS = RETRACEMENTS + EXTENSIONS
GOLDEN = (0.618, 1.618)
NEAR_ATR = 0.25


@dataclass(frozen=True, slots=True)
class FibParams:
    """Which ratios and timeframes, and how close counts as together; distances in ATR14 (1m)."""

    ratios: tuple[float, ...] = RATIOS
    timeframes: tuple[str, ...] = tuple(TIMEFRAMES)
    fractal_k: int = 3
    zone_atr: float = 0.25
    golden_tolerance: float = 0.03
    golden_bonus: float = 0.5

    def __post_init__(self) -> None:
        unknown = [tf for tf in self.timeframes if tf not in TIMEFRAMES]
        if unknown:
            raise ValueError(f"unknown timeframes {unknown}; known: {list(TIMEFRAMES)}")
        if not self.ratios or any(r <= 0 for r in self.ratios):
            raise ValueError("ratios must be positive")

    def dump(self) -> list[Any]:
        return [list(self.ratios), list(self.timeframes), self.fractal_k, self.zone_atr,
                self.golden_tolerance, self.golden_bonus]

    @classmethod
    def load(cls, data: list[Any]) -> FibParams:
        return cls(tuple(data[0]), tuple(data[1]), *data[2:])


@dataclass(frozen=True, slots=True)
class Leg:
    """The move between two consecutive confirmed pivots of one timeframe."""

    timeframe: str
    start: Swing
    end: Swing
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key",
                           f"{self.timeframe}:{self.start.pivot_ms}:{self.end.pivot_ms}")

    @property
    def direction(self) -> int:
        """+1 for a leg up (ending at a high), -1 for a leg down."""
        return 1 if self.end.kind == HIGH else -1

    def level(self, ratio: float) -> float:
        return self.end.price - ratio * (self.end.price - self.start.price)

    @property
    def move(self) -> tuple[float, float]:
        """The prices the leg runs between: equal moves give equal levels on any timeframe."""
        return (self.start.price, self.end.price)

    def evidence(self) -> dict[str, Any]:
        return {
            "timeframe": self.timeframe, "direction": self.direction,
            "start_price": self.start.price, "start_ms": self.start.pivot_ms,
            "end_price": self.end.price, "end_ms": self.end.pivot_ms,
            "confirmed_ms": self.end.confirmed_ms,
        }


@dataclass(frozen=True, slots=True)
class FibLevel:
    """One ratio of one timeframe's leg."""

    leg: Leg
    ratio: float
    price: float
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.leg.key}:{self.ratio:g}")

    @property
    def timeframe(self) -> str:
        return self.leg.timeframe

    @property
    def golden(self) -> bool:
        return self.ratio in GOLDEN


@dataclass(frozen=True, slots=True)
class Zone:
    """Levels of at least two timeframes lying close together, with its score."""

    levels: tuple[FibLevel, ...]
    score: float
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", "|".join(lv.key for lv in self.levels))

    @property
    def lo(self) -> float:
        return self.levels[0].price

    @property
    def hi(self) -> float:
        return self.levels[-1].price

    @property
    def timeframes(self) -> tuple[str, ...]:
        return tuple(tf for tf in TIMEFRAMES if any(lv.timeframe == tf for lv in self.levels))

    @property
    def ratios(self) -> tuple[float, ...]:
        return tuple(sorted({lv.ratio for lv in self.levels}))

    def evidence(self) -> dict[str, Any]:
        return {
            "lo": self.lo, "hi": self.hi, "level": (self.lo + self.hi) / 2, "score": self.score,
            "timeframes": list(self.timeframes), "ratios": list(self.ratios),
            "members": [[lv.timeframe, lv.ratio, lv.price] for lv in self.levels],
        }


@dataclass(frozen=True, slots=True)
class GoldenLeg:
    """Three consecutive pivots whose second leg is a golden fraction of the first."""

    timeframe: str
    a: Swing
    b: Swing
    c: Swing
    ratio: float
    golden: float

    def evidence(self) -> dict[str, Any]:
        return {
            "timeframe": self.timeframe, "ratio": self.ratio, "golden": self.golden,
            "deviation": self.ratio / self.golden - 1.0,
            "a": [self.a.price, self.a.pivot_ms], "b": [self.b.price, self.b.pivot_ms],
            "c": [self.c.price, self.c.pivot_ms], "price": self.c.price,
        }


def leg_ratio(a: Swing, b: Swing, c: Swing) -> float:
    """Return |C − B| / |B − A| (inf for a flat first leg)."""
    first = abs(b.price - a.price)
    return abs(c.price - b.price) / first if first > 0 else math.inf


def golden_match(ratio: float, tolerance: float) -> float | None:
    """Return the golden ratio ``ratio`` lies within ±``tolerance`` (relative) of, if any."""
    for golden in GOLDEN:
        if abs(ratio / golden - 1.0) <= tolerance:
            return golden
    return None


def confluence(levels: Sequence[FibLevel], width: float, golden_bonus: float) -> list[Zone]:
    """Group levels lying within ``width`` of each other; keep those where timeframes agree.

    From the lowest level up, a group takes every level within ``width`` of its first one. It
    is a zone when its levels come from at least two timeframes and two different moves: a
    swing seen alike on 5m and 15m gives the same levels twice, which is no agreement. The
    score counts the different moves, plus ``golden_bonus`` per level at a golden ratio.
    Otherwise the next level starts a new attempt.
    """
    ordered = sorted(levels, key=lambda lv: (lv.price, lv.key))
    zones: list[Zone] = []
    i = 0
    while i < len(ordered):
        j = i + 1
        while j < len(ordered) and ordered[j].price - ordered[i].price <= width:
            j += 1
        group = tuple(ordered[i:j])
        moves = {lv.leg.move for lv in group}
        if len({lv.timeframe for lv in group}) >= 2 and len(moves) >= 2:
            golden = sum(1 for lv in group if lv.golden)
            zones.append(Zone(group, len(moves) + golden_bonus * golden))
            i = j
        else:
            i += 1
    return zones


class FibFrame:
    """One timeframe: its bars from closed 1m bars, its pivots and its leg."""

    __slots__ = ("fractal", "leg", "pivots", "resampler", "timeframe")

    def __init__(self, timeframe: str, fractal_k: int) -> None:
        self.timeframe = timeframe
        self.resampler = Resampler(TIMEFRAMES[timeframe])
        self.fractal = Fractal(fractal_k)
        self.pivots: list[Swing] = []
        self.leg: Leg | None = None

    def update(self, bar: Bar) -> list[Swing]:
        """Add a closed 1m bar; return the pivots it set (new or replaced), in order."""
        moved = []
        for frame_bar in self.resampler.update(bar):
            for swing in self.fractal.update(frame_bar):
                if self._add(swing):
                    moved.append(swing)
        if moved:
            self._relink()
        return moved

    def _relink(self) -> None:
        """Name the leg between the last two pivots."""
        pivots = self.pivots
        self.leg = Leg(self.timeframe, pivots[-2], pivots[-1]) if len(pivots) >= 2 else None

    def _add(self, swing: Swing) -> bool:
        pivots = self.pivots
        if pivots and pivots[-1].kind == swing.kind:
            last = pivots[-1]
            higher = swing.price > last.price if swing.kind == HIGH else swing.price < last.price
            if not higher:
                return False
            pivots[-1] = swing
            return True
        pivots.append(swing)
        del pivots[:-3]
        return True

    def dump(self) -> list[Any]:
        return [self.timeframe, self.resampler.dump(), self.fractal.dump(),
                [p.dump() for p in self.pivots]]

    @classmethod
    def load(cls, data: list[Any]) -> FibFrame:
        frame = cls(data[0], 1)
        frame.resampler = Resampler.load(data[1])
        frame.fractal = Fractal.load(data[2])
        frame.pivots = [Swing.load(p) for p in data[3]]
        frame._relink()
        return frame


@dataclass(frozen=True, slots=True)
class Changes:
    """What one closed 1m bar changed."""

    legs: tuple[Leg, ...] = ()
    golden_legs: tuple[GoldenLeg, ...] = ()
    zones_changed: bool = False


class FibonacciLevels:
    """Legs, levels and confluence zones of every timeframe, folded over closed 1m bars."""

    __slots__ = ("_levels", "frames", "params", "width", "zones")

    def __init__(self, params: FibParams | None = None) -> None:
        self.params = params or FibParams()
        self.frames = [FibFrame(tf, self.params.fractal_k) for tf in self.params.timeframes]
        self.zones: tuple[Zone, ...] = ()
        self.width = math.nan
        self._levels: list[FibLevel] = []

    def update(self, bar: Bar, atr: float) -> Changes:
        """Add a closed 1m bar, with the 1m ATR in force (NaN while warming up)."""
        legs: list[Leg] = []
        golden: list[GoldenLeg] = []
        for frame in self.frames:
            moved = frame.update(bar)
            if not moved:
                continue
            if frame.leg is not None:
                legs.append(frame.leg)
            for pivot in moved:
                found = self._golden(frame, pivot)
                if found is not None:
                    golden.append(found)
        if legs:
            self._relevel()
        zones_changed = False
        if math.isfinite(atr) and (legs or not self.zones):
            before = [z.key for z in self.zones]
            self.width = self.params.zone_atr * atr
            self.zones = self._confluence()
            zones_changed = [z.key for z in self.zones] != before
        return Changes(tuple(legs), tuple(golden), zones_changed)

    def _confluence(self) -> tuple[Zone, ...]:
        if not math.isfinite(self.width):
            return ()
        return tuple(confluence(self._levels, self.width, self.params.golden_bonus))

    def _golden(self, frame: FibFrame, pivot: Swing) -> GoldenLeg | None:
        if len(frame.pivots) < 3 or frame.pivots[-1] != pivot:
            return None
        a, b, c = frame.pivots[-3:]
        ratio = leg_ratio(a, b, c)
        match = golden_match(ratio, self.params.golden_tolerance)
        return GoldenLeg(frame.timeframe, a, b, c, ratio, match) if match is not None else None

    def legs(self) -> list[Leg]:
        return [leg for frame in self.frames if (leg := frame.leg) is not None]

    def levels(self) -> list[FibLevel]:
        """Return every current level, timeframe by timeframe."""
        return list(self._levels)

    def _relevel(self) -> None:
        self._levels = [FibLevel(leg, r, leg.level(r)) for leg in self.legs()
                        for r in self.params.ratios]

    def dump(self) -> list[Any]:
        return [self.params.dump(), [f.dump() for f in self.frames], self.width]

    @classmethod
    def load(cls, data: list[Any]) -> FibonacciLevels:
        """Rebuild from ``dump`` output; zones are rebuilt with the width they were built with."""
        levels = cls(FibParams.load(data[0]))
        levels.frames = [FibFrame.load(f) for f in data[1]]
        levels.width = data[2]
        levels._relevel()
        levels.zones = levels._confluence()
        return levels
