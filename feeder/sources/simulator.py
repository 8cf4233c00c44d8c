"""The simulated market as a feeder source: its trades replayed as ticks."""

from __future__ import annotations

from feeder.sources.replay import TradesSource
from omega_tasks.simulation.params import Simulation


class SimulatorSource(TradesSource):
    """Replay a simulation as ticks: as fast as the feeder takes them, or paced."""

    name = "simulator"

    def __init__(self, simulation: Simulation, speed: float | None = None,
                 chunk: int = 500) -> None:
        params = simulation.params
        super().__init__(simulation.trades, params.exchange, params.symbol, speed, chunk)
        self.simulation = simulation
