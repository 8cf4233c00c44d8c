"""Multi-timeframe trend: direction, strength and regime per timeframe, and their alignment.

Each timeframe (1m, 5m, 15m, 1h, 4h) is built from closed 1m bars only. On it:

    direction  +1 when the EMA(20) of closes rises and DI+ > DI−, −1 when it falls and
               DI− > DI+, 0 otherwise (or while warming up: 20 bars for the EMA, 15 for DI)
    strength   ADX14 (Wilder), known after 28 bars
    regime     see ``core/regime.py``

The alignment score is the mean direction over the timeframes that are warm, −1..1: +1 when
every one of them points up. A regime change on any timeframe is a finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Self

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.bars import TIMEFRAMES, Resampler
from omega_tasks.core.indicators import Ewm
from omega_tasks.core.regime import Regime, RegimeChange
from omega_tasks.core.types import Bar, Finding
from omega_tasks.names import TREND

EMA_SPAN = 20
THRESHOLD_TIMEFRAME = "5m"


class TimeframeTrend:
    """Direction, strength and regime of one timeframe, fed that timeframe's closed bars."""

    __slots__ = ("bars", "ema", "regime", "slope")

    def __init__(self, minutes: int) -> None:
        self.ema = Ewm(EMA_SPAN)
        self.slope = math.nan
        self.regime = Regime(minutes)
        self.bars = 0

    def update(self, bar: Bar) -> RegimeChange | None:
        """Add a closed bar of this timeframe; return the regime change it confirms, if any."""
        before = self.ema.mean
        self.ema.update(bar.close)
        if self.ema.n > 1 and before > 0.0:
            self.slope = self.ema.mean / before - 1.0
        self.bars += 1
        return self.regime.update(bar)

    @property
    def warmup_bars(self) -> int:
        """Bars of this timeframe before it has a direction: the EMA's and DI±'s."""
        return max(EMA_SPAN, self.regime.dmi.period + 1)

    @property
    def ready(self) -> bool:
        return self.ema.n >= EMA_SPAN and self.regime.dmi.di_ready

    @property
    def direction(self) -> int:
        if not self.ready:
            return 0
        dmi = self.regime.dmi
        if self.slope > 0.0 and dmi.plus_di > dmi.minus_di:
            return 1
        if self.slope < 0.0 and dmi.minus_di > dmi.plus_di:
            return -1
        return 0

    def view(self) -> dict[str, Any]:
        dmi, regime = self.regime.dmi, self.regime
        return {
            "bars": self.bars,
            "ready": self.ready,
            "direction": self.direction,
            "ema_slope_bps": 1e4 * self.slope if self.ready else None,
            "plus_di": dmi.plus_di if dmi.di_ready else None,
            "minus_di": dmi.minus_di if dmi.di_ready else None,
            "adx14": _known(regime.adx),
            "chop14": _known(regime.chop.value),
            "vol_rank": _known(regime.vol_rank),
            "regime": regime.regime,
        }

    def dump(self) -> list[Any]:
        return [self.ema.dump(), self.slope, self.regime.dump(), self.bars]

    @classmethod
    def load(cls, data: list[Any]) -> TimeframeTrend:
        trend = cls.__new__(cls)
        trend.ema = Ewm.load(data[0])
        trend.slope = data[1]
        trend.regime = Regime.load(data[2])
        trend.bars = data[3]
        return trend


def _known(x: float) -> float | None:
    return None if math.isnan(x) else x


@dataclass(frozen=True, slots=True)
class TrendFrame:
    """One timeframe's resampler and trend."""

    name: str
    resampler: Resampler
    trend: TimeframeTrend


class TrendAnalysis(Analysis):
    """Trend and regime on every timeframe, from closed 1m bars."""

    name = TREND
    wants_trades = False

    def __init__(self) -> None:
        self.frames = [TrendFrame(tf, Resampler(m), TimeframeTrend(m))
                       for tf, m in TIMEFRAMES.items()]
        self.last_trade_id = 0
        self.bar_open_ms = 0

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.last_trade_id = max(self.last_trade_id, bar.last_id)
        self.bar_open_ms = bar.open_ms
        found = None
        for frame in self.frames:
            for closed in frame.resampler.update(bar):
                change = frame.trend.update(closed)
                if change is not None:
                    found = found or []
                    found.append(self._finding(frame.name, closed, change))
        return found

    def _finding(self, timeframe: str, bar: Bar, change: RegimeChange) -> Finding:
        return Finding(
            "regime_change",
            self.last_trade_id,
            bar.close_ms,
            {
                "timeframe": timeframe,
                "from": change.before,
                "to": change.after,
                "adx14": _known(change.adx),
                "chop14": _known(change.chop),
                "vol_rank": _known(change.vol_rank),
                "bar_open_ms": bar.open_ms,
            },
            key=f"{timeframe}:{bar.open_ms}",
        )

    def alignment(self) -> float | None:
        """Return the mean direction of the warm timeframes, or None when none is warm."""
        warm = [f.trend.direction for f in self.frames if f.trend.ready]
        return sum(warm) / len(warm) if warm else None

    def trend(self, timeframe: str) -> TimeframeTrend:
        return next(f.trend for f in self.frames if f.name == timeframe)

    def dump(self) -> Any:
        return [
            [[f.resampler.dump(), f.trend.dump()] for f in self.frames],
            self.last_trade_id,
            self.bar_open_ms,
        ]

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls()
        analysis.frames = [
            TrendFrame(f.name, Resampler.load(r), TimeframeTrend.load(t))
            for f, (r, t) in zip(analysis.frames, data[0], strict=True)
        ]
        analysis.last_trade_id, analysis.bar_open_ms = data[1], data[2]
        return analysis

    def view(self) -> dict[str, Any]:
        signs = {1: "+", -1: "-", 0: "0"}
        return {
            "last_bar_open_ms": self.bar_open_ms,
            "regime": self.trend(THRESHOLD_TIMEFRAME).regime.regime,
            "alignment": self.alignment(),
            "directions": " ".join(
                f"{f.name}:{signs[f.trend.direction] if f.trend.ready else '?'}"
                for f in self.frames
            ),
            "timeframes": {f.name: f.trend.view() for f in self.frames},
        }
