"""OmegaAlgo: the volatility-scaled dynamic threshold every detector shares.

    thr = k · σ · √h · m_regime · m_hf, floored at 2 · fee + spread

σ is the EWM standard deviation (span 100) of 1m log returns from closed bars only, so the
value in force during a minute was known when it opened (lagged one bar). thr is a fraction
of price; ``thr · price`` is the move it stands for. The regime is that of the 5m bars
(``core/regime.py``): a 1m regime flips too often to steer a five-minute threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any, Self

import numpy as np

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.indicators import Atr, Ewm
from omega_tasks.core.regime import RegimeChange, RegimeTracker
from omega_tasks.core.types import Bar, Finding
from omega_tasks.names import THRESHOLD

REGIME_MINUTES = 5


@dataclass(frozen=True, slots=True)
class ThresholdParams:
    """Defaults of the dynamic threshold; fractions are of price."""

    k: float = 1.5
    horizon_bars: int = 5
    span_bars: int = 100
    atr_bars: int = 14
    warmup_bars: int = 30
    fee_rate: float = 0.0004
    spread_rate: float = 0.0001
    trending_multiplier: float = 1.5
    volatile_multiplier: float = 0.75
    hf_mode_multiplier: float = 0.6

    def __post_init__(self) -> None:
        if not 1.0 <= self.k <= 2.0:
            raise ValueError("k must lie in [1, 2]")

    @property
    def floor(self) -> float:
        return 2.0 * self.fee_rate + self.spread_rate


def regime_multiplier(regime: str, params: ThresholdParams) -> float:
    """Return the threshold multiplier for a market regime."""
    if regime == "trending":
        return params.trending_multiplier
    if regime == "volatile":
        return params.volatile_multiplier
    return 1.0


def dynamic_threshold(
    sigma: float, params: ThresholdParams, regime: str = "unknown", hf_mode: bool = False
) -> float:
    """Return the threshold as a fraction of price."""
    thr = params.k * sigma * math.sqrt(params.horizon_bars) * regime_multiplier(regime, params)
    if hf_mode:
        thr *= params.hf_mode_multiplier
    return max(thr, params.floor)


class Volatility:
    """σ of 1m log returns and ATR, folded over closed 1m bars."""

    __slots__ = ("atr", "bars", "last_close", "params", "returns")

    def __init__(self, params: ThresholdParams) -> None:
        self.params = params
        self.returns = Ewm(params.span_bars)
        self.atr = Atr(params.atr_bars)
        self.last_close = math.nan
        self.bars = 0

    def update(self, bar: Bar) -> None:
        if self.bars and self.last_close > 0 and bar.close > 0:
            self.returns.update(math.log(bar.close / self.last_close))
        self.atr.update(bar)
        self.last_close = bar.close
        self.bars += 1

    @property
    def warm(self) -> bool:
        """Whether enough bars were seen for σ and ATR to mean something."""
        return self.bars >= max(self.params.warmup_bars, self.params.atr_bars + 1)

    @property
    def sigma(self) -> float:
        return self.returns.std

    def threshold(self, regime: str = "unknown", hf_mode: bool = False) -> float:
        return dynamic_threshold(self.sigma, self.params, regime, hf_mode)

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), self.returns.dump(), self.atr.dump(),
                self.last_close, self.bars]

    @classmethod
    def load(cls, data: list[Any]) -> Volatility:
        vol = cls(ThresholdParams(*data[0]))
        vol.returns = Ewm.load(data[1])
        vol.atr = Atr.load(data[2])
        vol.last_close, vol.bars = data[3], data[4]
        return vol


class DynamicThreshold:
    """Volatility and the 5m regime, folded over closed 1m bars: the threshold in force."""

    __slots__ = ("regime", "volatility")

    def __init__(self, params: ThresholdParams | None = None) -> None:
        self.volatility = Volatility(params or ThresholdParams())
        self.regime = RegimeTracker(REGIME_MINUTES)

    def update(self, bar: Bar) -> RegimeChange | None:
        """Add a closed 1m bar; return the regime change it confirms, if any."""
        self.volatility.update(bar)
        return self.regime.update(bar)

    @property
    def warm(self) -> bool:
        return self.volatility.warm

    def value(self, hf_mode: bool = False) -> float:
        """Return the threshold in force, a fraction of price."""
        return self.volatility.threshold(self.regime.current, hf_mode)

    def dump(self) -> list[Any]:
        return [self.volatility.dump(), self.regime.dump()]

    @classmethod
    def load(cls, data: list[Any]) -> DynamicThreshold:
        thr = cls.__new__(cls)
        thr.volatility = Volatility.load(data[0])
        thr.regime = RegimeTracker.load(data[1])
        return thr


def threshold_path(bars: Sequence[Bar], params: ThresholdParams | None = None) -> np.ndarray:
    """Return the threshold in force after each count of closed bars, a fraction of price.

    ``out[i]`` holds once the first ``i`` bars closed (NaN until warm): it is in force during
    bar ``i``, and ``out[len(bars)]`` after the last. Labels, evaluations and charts all read
    the threshold from this one fold.
    """
    thr = DynamicThreshold(params)
    out = np.full(len(bars) + 1, np.nan)
    for i, bar in enumerate(bars):
        thr.update(bar)
        if thr.warm:
            out[i + 1] = thr.value()
    return out


class ThresholdAnalysis(Analysis):
    """The dynamic threshold and volatility state, as a snapshot per symbol."""

    name = THRESHOLD
    version = 2
    wants_trades = False

    def __init__(self, params: ThresholdParams | None = None) -> None:
        self.threshold = DynamicThreshold(params)
        self.bar_open_ms = 0

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.threshold.update(bar)
        self.bar_open_ms = bar.open_ms
        return None

    def dump(self) -> Any:
        return [self.threshold.dump(), self.bar_open_ms]

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls()
        analysis.threshold = DynamicThreshold.load(data[0])
        analysis.bar_open_ms = data[1]
        return analysis

    def view(self) -> dict[str, Any]:
        vol = self.threshold.volatility
        thr = self.threshold.value()
        close = vol.last_close if vol.bars else None
        return {
            "warm": vol.warm,
            "bars": vol.bars,
            "last_bar_open_ms": self.bar_open_ms,
            "close": close,
            "sigma_1m": vol.sigma,
            "atr14": vol.atr.value if vol.atr.ready else None,
            "regime": self.threshold.regime.current,
            "threshold": thr,
            "threshold_price": thr * close if close is not None else None,
            "floor": vol.params.floor,
        }
