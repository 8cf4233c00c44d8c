from collections import Counter

from omega_tasks.core.analysis import Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.fib_analysis import FibAnalysis
from omega_tasks.messages import Event
from omega_tasks.report import chart
from omega_tasks.report.layers import LAYERS
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


def test_the_chart_draws_fib_levels_zones_golden_legs_and_touches(tmp_path, monkeypatch):
    sim = simulate(SimulationParams(seed=7, hours=4))
    clock = BarClock()
    bars = [b for row in sim.trades.rows() for b in clock.update(*row)]
    events = [Event.of("sim", "BTC-USDT", "fib", f) for f in Fold(FibAnalysis()).feed(sim.trades)]
    kinds = Counter(e.kind for e in events)
    labels = []
    monkeypatch.setattr(chart.plt, "close", lambda fig: labels.extend(
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()))
    chart.render(str(tmp_path / "c.png"), bars, events, "fib", truth=sim)
    assert "fib" in LAYERS
    assert "fib 5m levels (golden solid)" in labels
    assert f"fib confluence zones ({kinds['zone_formed']})" in labels
    assert f"golden legs ({kinds['golden_leg']})" in labels and kinds["golden_leg"] > 0
    assert f"fib/touch ({kinds['touch']})" in labels
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
