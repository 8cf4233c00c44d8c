import itertools
import threading
import time
from decimal import Decimal

import numpy as np
import pytest

from feeder.sources.simulator import SimulatorSource
from omega_tasks.core.bars import BarClock
from omega_tasks.core.indicators import Atr
from omega_tasks.core.swings import Fractal
from omega_tasks.core.types import MINUTE_MS
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import Simulation, SimulationParams


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(SimulationParams())


@pytest.fixture(scope="module")
def cols(sim):
    t = sim.trades
    return {
        "t": np.array(t.times_ms), "p": np.array(t.prices), "q": np.array(t.sizes),
        "s": np.array(t.sides), "id": np.array(t.ids),
    }


@pytest.fixture(scope="module")
def structure(sim):
    """Run BarClock + Fractal(3) + ATR14 over the trades, as a causal detector would."""
    clock, fractal, atr = BarClock(), Fractal(3), Atr(14)
    swings, atr_at = {}, {}
    for i, row in enumerate(sim.trades.rows()):
        for bar in clock.update(*row):
            atr.update(bar)
            if atr.ready:
                atr_at[bar.close_ms] = atr.value
            for swing in fractal.update(bar):
                swings[(swing.kind, swing.price, swing.pivot_ms)] = (swing, i)
    return swings, atr_at


def one_minute_returns(cols, start_ms):
    minute = (cols["t"] - start_ms) // MINUTE_MS
    last = np.searchsorted(minute, np.arange(minute.max() + 1), side="right") - 1
    return np.diff(np.log(cols["p"][last]))


def per_second_prices(cols, start_ms, end_ms):
    """Return the last trade price of each second in [start_ms, end_ms)."""
    lo, hi = np.searchsorted(cols["t"], (start_ms, end_ms))
    t, p = cols["t"][lo:hi], cols["p"][lo:hi]
    sec = (t - start_ms) // 1000
    return p[np.searchsorted(sec, np.unique(sec), side="right") - 1]


def efficiency_ratio(prices):
    moves = np.abs(np.diff(prices)).sum()
    return abs(prices[-1] - prices[0]) / moves if moves else 1.0


def realised_vol(prices, seconds):
    return float(np.sum(np.diff(np.log(prices)) ** 2) / seconds)


def test_the_same_seed_gives_identical_trades_and_truth():
    params = SimulationParams(hours=1.0)
    first, second = simulate(params), simulate(params)
    assert first.sweeps and first.bursts
    assert first == second
    assert repr(first.trades.prices) == repr(second.trades.prices)


def test_different_seeds_give_different_markets():
    one = simulate(SimulationParams(seed=1, hours=1.0))
    two = simulate(SimulationParams(seed=2, hours=1.0))
    assert one.trades.prices != two.trades.prices
    assert one.sweeps != two.sweeps


def test_trades_are_well_formed(sim, cols):
    p, trades = sim.params, sim.trades
    assert 50_000 <= len(trades) <= 70_000
    assert trades.ids == tuple(range(p.first_trade_id, p.first_trade_id + len(trades)))
    assert np.all(np.diff(cols["t"]) >= 0)
    assert p.start_ms <= cols["t"][0] and cols["t"][-1] < p.start_ms + p.hours * 3_600_000
    assert all(type(x) is float for x in trades.prices + trades.sizes)
    assert all(type(x) is int for x in trades.times_ms + trades.sides)
    assert set(trades.sides) == {1, -1}
    assert np.all(cols["p"] > 0) and np.all(cols["q"] > 0)
    assert all(round(q, 8) == q for q in trades.sizes)
    assert all(round(x, 2) == x for x in trades.prices)


def test_params_that_cannot_be_simulated_are_refused():
    with pytest.raises(ValueError, match="hours"):
        SimulationParams(hours=0)
    with pytest.raises(ValueError, match="minute boundary"):
        SimulationParams(start_ms=1_736_208_000_001)


def test_prices_lie_on_any_tick_grid_asked_for():
    sim = simulate(SimulationParams(hours=0.5, tick_size=0.5, first_trade_id=1_000))
    assert sim.trades.first_id == 1_000
    assert all(Decimal(repr(x)) % Decimal("0.5") == 0 for x in sim.trades.prices)


def test_one_minute_returns_have_realistic_volatility_and_fat_tails(sim, cols):
    r = one_minute_returns(cols, sim.params.start_ms)
    excess_kurtosis = np.mean((r - r.mean()) ** 4) / r.var() ** 2 - 3
    assert 0.0005 <= r.std() <= 0.0012
    assert excess_kurtosis > 1


def test_volatility_clusters(sim, cols):
    size = np.abs(one_minute_returns(cols, sim.params.start_ms))
    autocorrelation = [np.corrcoef(size[:-lag], size[lag:])[0, 1] for lag in range(1, 6)]
    assert np.mean(autocorrelation) > 0.1


def test_the_market_has_quiet_and_busy_periods(sim, cols):
    per_minute = np.bincount((cols["t"] - sim.params.start_ms) // MINUTE_MS)
    quiet, busy = np.percentile(per_minute, [10, 90])
    assert busy > 2.5 * quiet


def test_trends_and_ranges_both_occur(sim, cols):
    # On real BTC 1m closes, the most efficient 30-minute stretch of a 4-hour window has a
    # median efficiency ratio of about 0.4, the least efficient about 0.01.
    closes = np.cumsum(one_minute_returns(cols, sim.params.start_ms))
    ers = [efficiency_ratio(closes[i : i + 31]) for i in range(0, len(closes) - 30, 10)]
    assert max(ers) > 0.4 and min(ers) < 0.1


def test_trade_sizes_have_a_heavy_tail(cols):
    q = cols["q"]
    assert q.mean() > 2 * np.median(q)
    assert q.max() > 200 * np.median(q)


def test_a_tick_up_is_usually_a_buy(cols):
    move = np.diff(cols["p"])
    assert np.mean(cols["s"][1:][move > 0] == 1) > 0.8
    assert np.mean(cols["s"][1:][move < 0] == -1) > 0.8


def test_sweeps_number_close_to_the_rate_asked_for(sim):
    expected = sim.params.sweeps_per_hour * sim.params.hours
    assert 0.75 * expected <= len(sim.sweeps) <= expected
    assert {s.side for s in sim.sweeps} == {"high", "low"}


def test_every_sweep_is_at_a_swing_the_fractal_confirmed_before_it(sim, cols, structure):
    swings, _ = structure
    for sweep in sim.sweeps:
        swing, emitted_at = swings[(sweep.side, sweep.level, sweep.pivot_ms)]
        first = sweep.sweep_trade_id - sim.params.first_trade_id
        assert swing.confirmed_ms == sweep.confirmed_ms
        assert emitted_at < first
        assert sweep.confirmed_ms < cols["t"][first]


def test_every_sweep_agrees_with_the_trades(sim, cols):
    base = sim.params.first_trade_id
    for s in sim.sweeps:
        sign = 1 if s.side == "high" else -1
        first, reclaim = s.sweep_trade_id - base, s.reclaim_trade_id - base
        since_confirmed = np.searchsorted(cols["t"], s.confirmed_ms)
        beyond = sign * (cols["p"][first:reclaim] - s.level)
        assert np.all(sign * (cols["p"][since_confirmed:first] - s.level) <= 0)
        assert beyond[0] > 0 and np.all(beyond >= 0)
        assert s.extreme == sign * max(sign * cols["p"][first:reclaim])
        assert sign * (cols["p"][reclaim] - s.level) < 0
        assert cols["t"][reclaim] == s.reclaim_ms
        assert s.start_ms <= cols["t"][first] < s.reclaim_ms < s.end_ms


def test_every_sweep_goes_a_fraction_of_an_atr_beyond_and_then_reverses(sim, cols, structure):
    _, atr_at = structure
    for s in sim.sweeps:
        sign = 1 if s.side == "high" else -1
        atr = atr_at[max(ms for ms in atr_at if ms <= s.reclaim_ms - 1)]
        assert 0.1 <= sign * (s.extreme - s.level) / atr <= 1.0
        lo, hi = np.searchsorted(cols["t"], (s.reclaim_ms, s.end_ms))
        after = sign * (cols["p"][lo:hi] - s.level)
        assert np.all(after <= 0)
        assert -after.min() / s.level >= 0.001


def test_sweeps_are_pushed_by_one_sided_heavier_flow(sim, cols):
    base = sim.params.first_trade_id
    per_ms = len(cols["t"]) / (cols["t"][-1] - cols["t"][0])
    in_sweeps = []
    for s in sim.sweeps:
        sign = 1 if s.side == "high" else -1
        first, reclaim = s.sweep_trade_id - base, s.reclaim_trade_id - base
        extreme = first + int(np.argmax(sign * cols["p"][first:reclaim]))
        assert np.mean(cols["s"][first : extreme + 1] == sign) > 0.75
        assert np.mean(cols["s"][extreme + 1 : reclaim + 1] == -sign) > 0.75
        assert (reclaim - first) / (s.reclaim_ms - cols["t"][first]) > 1.5 * per_ms
        in_sweeps.append(cols["q"][first : reclaim + 1])
    assert np.median(np.concatenate(in_sweeps)) > 1.5 * np.median(cols["q"])


def test_episodes_never_overlap(sim):
    spans = sorted([(s.start_ms, s.end_ms) for s in sim.sweeps]
                   + [(b.start_ms, b.end_ms) for b in sim.bursts])
    assert all(end <= nxt for (_, end), (nxt, _) in itertools.pairwise(spans))


def test_bursts_chop_fast_and_violently_compared_with_the_rest(sim, cols):
    p = sim.params
    assert len(sim.bursts) == round(p.bursts_per_hour * p.hours)
    windows = range(p.start_ms + 1_800_000, p.start_ms + int(p.hours * 3_600_000), 60_000)
    rest = [per_second_prices(cols, w, w + 60_000) for w in windows
            if not any(b.start_ms < w + 60_000 and w < b.end_ms for b in sim.bursts)]
    rest_er = np.median([efficiency_ratio(x) for x in rest])
    rest_rv = np.percentile([realised_vol(x, 60) for x in rest], 80)
    mean_rate = len(sim.trades) / (p.hours * 3600)
    for b in sim.bursts:
        seconds = (b.end_ms - b.start_ms) / 1000
        assert 30 <= seconds <= 120
        prices = per_second_prices(cols, b.start_ms, b.end_ms)
        assert efficiency_ratio(prices) < min(0.3, rest_er)
        assert realised_vol(prices, seconds) > rest_rv
        count = np.diff(np.searchsorted(cols["t"], (b.start_ms, b.end_ms)))[0]
        assert count / seconds > 2.5 * mean_rate


def test_generation_runs_at_well_over_100k_trades_per_second():
    params = SimulationParams()
    best = 0.0
    for _ in range(2):
        started = time.perf_counter()
        n = len(simulate(params).trades)
        best = max(best, n / (time.perf_counter() - started))
    assert best >= 100_000


def test_the_source_at_full_speed_emits_every_trade_once_in_order(sim):
    chunks = []
    before = time.time_ns()
    SimulatorSource(sim).run(chunks.append, threading.Event())
    ticks = [tick for chunk in chunks for tick in chunk]
    assert all(0 < len(chunk) <= 500 for chunk in chunks)
    assert [t.trade_id for t in ticks] == list(sim.trades.ids)
    assert [(t.exchange_ms, t.price, t.size, t.side) for t in ticks] == [
        row[1:] for row in sim.trades.rows()
    ]
    assert {(t.exchange, t.symbol) for t in ticks} == {("sim", "BTC-USDT")}
    assert all(before <= t.received_ns <= time.time_ns() for t in ticks)


def test_the_source_stops_when_stop_is_set(sim):
    stop, chunks = threading.Event(), []

    def emit(chunk):
        chunks.append(chunk)
        stop.set()

    SimulatorSource(sim).run(emit, stop)
    assert len(chunks) == 1 and len(chunks[0]) == 500


def test_a_paced_source_emits_in_order_and_stops_without_waiting_for_the_next_tick():
    sim = simulate(SimulationParams(hours=0.1, sweeps_per_hour=0, bursts_per_hour=0))
    fast = []
    SimulatorSource(sim, speed=1e9).run(fast.append, threading.Event())
    assert [t.trade_id for chunk in fast for t in chunk] == list(sim.trades.ids)

    stop, chunks = threading.Event(), []

    def emit(chunk):
        chunks.append(chunk)
        stop.set()

    started = time.monotonic()
    SimulatorSource(sim, speed=1.0).run(emit, stop)
    assert len(chunks) == 1 and chunks[0][0].trade_id == sim.trades.first_id
    assert time.monotonic() - started < 1.0
