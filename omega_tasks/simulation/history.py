"""A warm-up history for a simulation: closed 1m bars of another simulated market that ends
where the simulation starts, at its start price, as a live feed's kline warm-up would."""

from __future__ import annotations

import dataclasses

from omega_tasks.core.bars import BarClock
from omega_tasks.core.types import MINUTE_MS, Bar
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


def preceding_bars(params: SimulationParams, hours: float) -> list[Bar]:
    """Return about ``hours`` of closed 1m bars ending at ``params.start_ms``."""
    before = SimulationParams(seed=params.seed + 1_000, hours=hours,
                              start_ms=params.start_ms - round(hours * 60) * MINUTE_MS,
                              start_price=params.start_price)
    clock = BarClock()
    bars = [b for row in simulate(before).trades.rows() for b in clock.update(*row)]
    scale = params.start_price / bars[-1].close
    return [dataclasses.replace(b, open=b.open * scale, high=b.high * scale, low=b.low * scale,
                                close=b.close * scale)
            for b in bars if b.open_ms < params.start_ms]
