from omega_tasks.core.analysis import Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.sweeps import SweepAnalysis
from omega_tasks.messages import Event
from omega_tasks.report import chart
from omega_tasks.report.layers import LAYERS
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


def test_the_chart_draws_trap_levels_markers_and_mode_spans(tmp_path, monkeypatch):
    sim = simulate(SimulationParams(seed=9, hours=1.5))
    clock = BarClock()
    bars = [b for row in sim.trades.rows() for b in clock.update(*row)]
    sweeps = SweepAnalysis()
    events = [Event.of("sim", "BTC-USDT", sweeps.detector(f), f)
              for f in Fold(sweeps).feed(sim.trades)]
    labels = []
    monkeypatch.setattr(chart.plt, "close", lambda fig: labels.extend(
        t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()))
    chart.render(str(tmp_path / "c.png"), bars, events, "traps", truth=sim)
    assert {"traps", "highfreq"} <= set(LAYERS)
    assert any(label.startswith("traps/grab of a high") for label in labels)
    assert any(label.startswith("highfreq/trap mode on") for label in labels)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
