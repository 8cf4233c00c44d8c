"""What to simulate, and what a simulation returns: its trades and what was injected."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.core.types import MINUTE_MS, Trades


@dataclass(frozen=True, slots=True)
class SimulationParams:
    """What to simulate; ``vol_1m`` is the long-run std of 1m log returns."""

    seed: int = 7
    hours: float = 4.0
    start_ms: int = 1_736_208_000_000  # a UTC minute boundary
    start_price: float = 60_000.0
    exchange: str = "sim"
    symbol: str = "BTC-USDT"
    tick_size: float = 0.01
    trades_per_s: float = 4.0  # long-run mean arrival rate
    sweeps_per_hour: float = 3.0  # injected sweep-and-reclaim episodes
    bursts_per_hour: float = 1.0  # injected high-frequency chop bursts
    first_trade_id: int = 1
    vol_1m: float = 0.0008

    def __post_init__(self) -> None:
        for name in ("hours", "start_price", "tick_size", "trades_per_s", "vol_1m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SimulationParams.{name} must be positive")
        if self.start_ms % MINUTE_MS:
            raise ValueError("SimulationParams.start_ms must be a minute boundary")


@dataclass(frozen=True, slots=True)
class InjectedSweep:
    """A swing swept then reclaimed, as it happened in the trades.

    ``side`` "high": a swing high swept then reclaimed (bearish); "low": the mirror.
    ``start_ms``/``end_ms`` bound the whole episode, approach and move away included.
    """

    side: str
    level: float
    pivot_ms: int
    confirmed_ms: int
    extreme: float
    sweep_trade_id: int
    reclaim_trade_id: int
    reclaim_ms: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class InjectedBurst:
    """A stretch of high-frequency chop: the trades in [start_ms, end_ms)."""

    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Simulation:
    """The simulated trades and what was injected into them."""

    params: SimulationParams
    trades: Trades
    sweeps: tuple[InjectedSweep, ...]
    bursts: tuple[InjectedBurst, ...]
