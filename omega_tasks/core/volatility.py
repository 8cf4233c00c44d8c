"""The volatility forecast as an analysis: queue ``ml``, snapshot ``volatility``.

At each closed 1m bar: the realised variance forecast over the next 5, 15 and 60 minutes and
the probability of a one-threshold move within 5 bars (``core/vol_forecast.py``), beside the
EWMA σ the dynamic threshold uses, scaled to the same horizons.

Regime: the forecast σ over the next 15 minutes ranked among samples of the trailing 7 days
(every 15th bar; known once a day of samples is held): *calm* below the 50th percentile,
*active* up to the 90th, *extreme* above. The regime in force changes only after a new class
has held for 3 bars in a row (the trend regime's hysteresis); each change is a
``regime_change`` finding.
"""

from __future__ import annotations

import math
from typing import Any, Self

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.indicators import TrailingRank
from omega_tasks.core.regime import RANK_SAMPLES, UNKNOWN, Hysteresis
from omega_tasks.core.threshold import DynamicThreshold
from omega_tasks.core.types import MINUTE_MS, Bar, Finding
from omega_tasks.core.vol_forecast import HORIZONS, Forecast, ForecastParams, VolatilityForecaster
from omega_tasks.names import VOLATILITY

CALM = "calm"
ACTIVE = "active"
EXTREME = "extreme"
LEVELS = (UNKNOWN, CALM, ACTIVE, EXTREME)
ACTIVE_RANK = 0.5
EXTREME_RANK = 0.9
RANK_EVERY_BARS = 15
CONFIRM_BARS = 3


def level(rank: float) -> str:
    """The class of one bar's forecast rank (NaN: not known yet)."""
    if math.isnan(rank):
        return UNKNOWN
    if rank >= EXTREME_RANK:
        return EXTREME
    if rank >= ACTIVE_RANK:
        return ACTIVE
    return CALM


def _known(x: float) -> float | None:
    return None if math.isnan(x) else x


class VolatilityAnalysis(Analysis):
    """Realised variance forecasts, the move odds and the volatility regime per closed bar."""

    name = VOLATILITY
    wants_trades = False

    def __init__(self, params: ForecastParams | None = None) -> None:
        self.threshold = DynamicThreshold()
        self.forecaster = VolatilityForecaster(params)
        self.rank = TrailingRank(RANK_SAMPLES, RANK_SAMPLES // 7)
        self.regime = Hysteresis(CONFIRM_BARS)
        self.last = Forecast(0, (math.nan,) * len(HORIZONS), math.nan, math.nan)
        self.last_rank = math.nan
        self.last_threshold = math.nan
        self.last_trade_id = 0

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.threshold.update(bar)
        thr = self.threshold.value() if self.threshold.warm else math.nan
        self.last = forecast = self.forecaster.update(bar, thr)
        self.last_threshold = thr
        self.last_trade_id = max(self.last_trade_id, bar.last_id)
        rank = math.nan
        if math.isfinite(forecast.rv[1]):
            sigma = math.sqrt(forecast.rv[1])
            rank = self.rank.rank(sigma)
            if (bar.open_ms // MINUTE_MS) % RANK_EVERY_BARS == 0:
                self.rank.add(sigma)
        self.last_rank = rank
        before = self.regime.update(level(rank))
        if before is None:
            return None
        return [Finding("regime_change", self.last_trade_id, bar.close_ms, {
            "from": before, "to": self.regime.state, "rank": rank,
            "sigma_15m": math.sqrt(forecast.rv[1]), "bar_open_ms": bar.open_ms,
        })]

    def dump(self) -> Any:
        f = self.last
        return [self.threshold.dump(), self.forecaster.dump(), self.rank.dump(),
                self.regime.dump(), [f.bar_open_ms, list(f.rv), f.p_move, f.z],
                self.last_rank, self.last_threshold, self.last_trade_id]

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls()
        analysis.threshold = DynamicThreshold.load(data[0])
        analysis.forecaster = VolatilityForecaster.load(data[1])
        analysis.rank = TrailingRank.load(data[2])
        analysis.regime = Hysteresis.load(data[3])
        f = data[4]
        analysis.last = Forecast(f[0], tuple(f[1]), f[2], f[3])
        analysis.last_rank, analysis.last_threshold, analysis.last_trade_id = data[5:8]
        return analysis

    def view(self) -> dict[str, Any]:
        f = self.last
        sigma = self.threshold.volatility.sigma
        ewma = self.threshold.volatility.bars > 1
        return {
            "warm": self.forecaster.warm,
            "bars": self.forecaster.bars,
            "bar_open_ms": f.bar_open_ms,
            "horizons_min": list(HORIZONS),
            "rv": {f"{h}m": _known(v) for h, v in zip(HORIZONS, f.rv, strict=True)},
            "sigma": {f"{h}m": _known(math.sqrt(v)) for h, v in zip(HORIZONS, f.rv, strict=True)},
            "ewma_sigma": {f"{h}m": sigma * math.sqrt(h) if ewma else None for h in HORIZONS},
            "p_move_5": _known(f.p_move),
            "threshold": _known(self.last_threshold),
            "regime": self.regime.state,
            "rank": _known(self.last_rank),
        }
