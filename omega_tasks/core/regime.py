"""Market regime of one timeframe: trending, ranging or volatile, with hysteresis.

Each closed bar is classified from ADX14, CHOP14 and the percentile of realised volatility
in the trailing 7 days:

    volatile  realised volatility above the 80th percentile of the trailing window
    trending  ADX > 25 and CHOP < 38.2
    ranging   ADX < 20 and CHOP > 61.8
    neutral   none of these
    unknown   ADX or CHOP still warming up (2 · 14 bars)

in that order of precedence. The regime in force changes only after the same new class has
held for ``confirm_bars`` consecutive bars, so a single odd bar never flips it.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.bars import Resampler
from omega_tasks.core.indicators import Chop, Dmi, RealisedVol, TrailingRank
from omega_tasks.core.types import MINUTE_MS, Bar

UNKNOWN = "unknown"
TRENDING = "trending"
RANGING = "ranging"
VOLATILE = "volatile"
NEUTRAL = "neutral"
REGIMES = (UNKNOWN, TRENDING, RANGING, VOLATILE, NEUTRAL)
RANK_SAMPLES = 672  # trailing-window samples kept: a week of 15m bars


@dataclass(frozen=True, slots=True)
class RegimeParams:
    """Regime rule defaults (DESIGN.md); the window is in days of market time."""

    adx_period: int = 14
    chop_period: int = 14
    vol_period: int = 14
    trending_adx: float = 25.0
    ranging_adx: float = 20.0
    trending_chop: float = 38.2
    ranging_chop: float = 61.8
    volatile_rank: float = 0.8
    window_days: float = 7.0
    confirm_bars: int = 3


def classify(adx: float, chop: float, vol_rank: float, params: RegimeParams) -> str:
    """Return one bar's regime class; NaN inputs count as not yet known."""
    if vol_rank > params.volatile_rank:  # False for NaN
        return VOLATILE
    if math.isnan(adx) or math.isnan(chop):
        return UNKNOWN
    if adx > params.trending_adx and chop < params.trending_chop:
        return TRENDING
    if adx < params.ranging_adx and chop > params.ranging_chop:
        return RANGING
    return NEUTRAL


class Hysteresis:
    """A state that moves to a new value only after it held for ``confirm`` updates in a row."""

    __slots__ = ("candidate", "confirm", "held", "state")

    def __init__(self, confirm: int, state: str = UNKNOWN) -> None:
        self.confirm = confirm
        self.state = state
        self.candidate = state
        self.held = 0

    def update(self, raw: str) -> str | None:
        """Add one observation; return the state it left when it confirms a change."""
        if raw == self.state:
            self.candidate, self.held = raw, 0
            return None
        self.held = self.held + 1 if raw == self.candidate else 1
        self.candidate = raw
        if self.held < self.confirm:
            return None
        before, self.state, self.held = self.state, raw, 0
        return before

    def dump(self) -> list[Any]:
        return [self.confirm, self.state, self.candidate, self.held]

    @classmethod
    def load(cls, data: list[Any]) -> Hysteresis:
        hysteresis = cls(data[0], data[1])
        hysteresis.candidate, hysteresis.held = data[2], data[3]
        return hysteresis


@dataclass(frozen=True, slots=True)
class RegimeChange:
    """The regime in force changed at the close of the bar opened at ``bar_open_ms``."""

    minutes: int
    before: str
    after: str
    bar_open_ms: int
    adx: float
    chop: float
    vol_rank: float


class Regime:
    """The regime of one timeframe, folded over its closed bars."""

    __slots__ = ("chop", "dmi", "hysteresis", "last_rank", "minutes", "params", "rank", "stride",
                 "vol")

    def __init__(self, minutes: int = 1, params: RegimeParams | None = None) -> None:
        self.params = params = params or RegimeParams()
        self.minutes = minutes
        window_bars = max(1, round(params.window_days * 24 * 60 / minutes))
        self.stride = max(1, math.ceil(window_bars / RANK_SAMPLES))
        capacity = max(1, window_bars // self.stride)
        self.dmi = Dmi(params.adx_period)
        self.chop = Chop(params.chop_period)
        self.vol = RealisedVol(params.vol_period)
        self.rank = TrailingRank(capacity, max(1, math.ceil(capacity / params.window_days)))
        self.hysteresis = Hysteresis(params.confirm_bars)
        self.last_rank = math.nan

    @property
    def warmup_bars(self) -> int:
        """Bars before ADX and CHOP are known (volatility needs a day of its window more)."""
        return max(self.dmi.warmup_bars, self.chop.warmup_bars)

    def update(self, bar: Bar) -> RegimeChange | None:
        """Add a closed bar of this timeframe; return the change it confirms, if any."""
        self.dmi.update(bar)
        self.chop.update(bar)
        self.vol.update(bar.close)
        rank = math.nan
        if self.vol.ready:
            rank = self.rank.rank(self.vol.value)
            if (bar.open_ms // (self.minutes * MINUTE_MS)) % self.stride == 0:
                self.rank.add(self.vol.value)
        self.last_rank = rank
        raw = classify(self.adx, self.chop.value, rank, self.params)
        before = self.hysteresis.update(raw)
        if before is None:
            return None
        return RegimeChange(self.minutes, before, raw, bar.open_ms, self.adx, self.chop.value, rank)

    @property
    def regime(self) -> str:
        """The regime in force."""
        return self.hysteresis.state

    @property
    def adx(self) -> float:
        return self.dmi.adx if self.dmi.ready else math.nan

    @property
    def vol_rank(self) -> float:
        """Where the last bar's realised volatility sat in the window before it, 0..1."""
        return self.last_rank

    def dump(self) -> list[Any]:
        return [
            self.minutes,
            list(astuple(self.params)),
            self.dmi.dump(),
            self.chop.dump(),
            self.vol.dump(),
            self.rank.dump(),
            self.hysteresis.dump(),
            self.last_rank,
        ]

    @classmethod
    def load(cls, data: list[Any]) -> Regime:
        regime = cls(data[0], RegimeParams(*data[1]))
        regime.dmi = Dmi.load(data[2])
        regime.chop = Chop.load(data[3])
        regime.vol = RealisedVol.load(data[4])
        regime.rank = TrailingRank.load(data[5])
        regime.hysteresis = Hysteresis.load(data[6])
        # a checkpoint from before the rank was kept knows it again at the next bar
        regime.last_rank = data[7] if len(data) > 7 else math.nan
        return regime


class RegimeTracker:
    """The regime of one timeframe, fed closed 1m bars: what thresholds compose."""

    __slots__ = ("regime", "resampler")

    def __init__(self, minutes: int = 5, params: RegimeParams | None = None) -> None:
        self.resampler = Resampler(minutes)
        self.regime = Regime(minutes, params)

    def update(self, bar: Bar) -> RegimeChange | None:
        """Add a closed 1m bar; return the regime change it confirms, if any."""
        change = None
        for closed in self.resampler.update(bar):
            change = self.regime.update(closed) or change
        return change

    @property
    def current(self) -> str:
        """The regime in force."""
        return self.regime.regime

    def dump(self) -> list[Any]:
        return [self.resampler.dump(), self.regime.dump()]

    @classmethod
    def load(cls, data: list[Any]) -> RegimeTracker:
        tracker = cls.__new__(cls)
        tracker.resampler = Resampler.load(data[0])
        tracker.regime = Regime.load(data[1])
        return tracker
