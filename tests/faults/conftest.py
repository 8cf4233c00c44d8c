import pytest

from omega_tasks.messages import Tick
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


@pytest.fixture(scope="session")
def market() -> list[Tick]:
    """Ninety minutes of simulated market, as ticks."""
    sim = simulate(SimulationParams(seed=11, hours=1.5))
    t = sim.trades
    return [Tick("sim", "BTC-USDT", i, p, q, s, ms, ms * 1_000_000)
            for i, ms, p, q, s in t.rows()]
