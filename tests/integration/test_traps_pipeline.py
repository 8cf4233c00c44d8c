"""Traps and high-frequency mode through the real feeder, Redis and Celery workers."""

from omega_tasks.core.analysis import Fold
from omega_tasks.core.sweeps import SweepAnalysis
from omega_tasks.messages import Event, Tick
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from tests.pipeline import feed, settle


def test_workers_write_exactly_the_events_the_pure_fold_finds(store, app, worker):
    sim = simulate(SimulationParams(seed=9, hours=1.5))
    p = sim.params
    ticks = [Tick(p.exchange, p.symbol, i, price, size, side, t, t * 1_000_000)
             for i, t, price, size, side in sim.trades.rows()]
    report = feed(store, app, ticks, batch_max=500)
    settle(store, report, timeout_s=120)
    k = store.symbol(p.exchange, p.symbol)
    stored = {e.id: e for e in store.events(k)
              if e.detector in ("traps", "highfreq", "orderflow")}
    expected = {}
    fold = Fold(SweepAnalysis())
    for finding in fold.feed(sim.trades):
        event = Event.of(p.exchange, p.symbol, fold.analysis.detector(finding), finding)
        expected[event.id] = event
    assert {e.kind for e in expected.values()} >= {"liquidity_grab_high", "hf_mode_on",
                                                  "absorption"}
    assert stored == expected
    _, view = store.snapshots(k)["traps"]
    assert view["warm"] and view["last_trade_id"] == sim.trades.last_id
