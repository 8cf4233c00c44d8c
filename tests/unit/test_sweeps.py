import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.analysis import Fold
from omega_tasks.core.sweeps import HF_KINDS, TRAP_KINDS, SweepAnalysis
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams

ANALYSES = (SweepAnalysis,)


@pytest.fixture(scope="module")
def market():
    """Ninety minutes of simulated trades with sweeps and chop, and what each analysis finds."""
    trades = simulate(SimulationParams(seed=9, hours=1.5)).trades
    runs = {}
    for kind in ANALYSES:
        fold = Fold(kind())
        runs[kind] = (fold.feed(trades), fold.dump())
    return trades, runs


def test_the_simulated_market_gives_each_analysis_something_to_find(market):
    _, runs = market
    kinds = Counter(f.kind for kind in ANALYSES for f in runs[kind][0])
    assert {"liquidity_grab_high", "liquidity_grab_low", "hf_mode_on"} <= set(kinds)
    sweeps = SweepAnalysis()
    published = {sweeps.detector(f): set() for f in runs[SweepAnalysis][0]}
    for f in runs[SweepAnalysis][0]:
        published[sweeps.detector(f)].add(f.kind)
    assert published["traps"] <= TRAP_KINDS and published["highfreq"] <= HF_KINDS


@settings(max_examples=6, deadline=None)
@given(st.sampled_from([1, 50, 1000]), st.lists(st.integers(0, 10**6), max_size=6))
def test_batches_of_any_size_give_the_same_findings_and_state(market, size, extra_cuts):
    trades, runs = market
    n = len(trades)
    edges = sorted({*range(0, n, size), n, *[c % n for c in extra_cuts]})
    for kind in ANALYSES:
        fold, found = Fold(kind()), []
        for lo, hi in itertools.pairwise(edges):
            if hi - lo > 200 or lo % 997 == 0:  # checkpoints often, not at every batch
                fold = Fold.load(kind, fold.dump())
            found += fold.feed(trades[lo:hi])
        assert (found, fold.dump()) == runs[kind]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10**6))
def test_a_prefix_of_the_trades_gives_a_prefix_of_the_findings(market, cut):
    trades, runs = market
    prefix = trades[: cut % len(trades)]
    for kind in ANALYSES:
        part = Fold(kind()).feed(prefix)
        assert part == runs[kind][0][: len(part)]
        assert len(runs[kind][0]) == len(part) or runs[kind][0][len(part)].time_ms >= (
            prefix.times_ms[-1] if len(prefix) else 0)


def test_events_reference_only_trades_at_or_before_their_trigger(market):
    trades, runs = market
    times = dict(zip(trades.ids, trades.times_ms, strict=True))
    for found in (f for f in runs[SweepAnalysis][0] if f.kind in TRAP_KINDS):
        ev = found.evidence
        assert ev["sweep_trade_id"] <= found.trade_id == ev["trigger_trade_id"]
        assert ev["sweep_ms"] <= ev["trigger_ms"] == found.time_ms
        assert ev["swing"]["confirmed_ms"] <= ev["sweep_ms"]
        assert times[found.trade_id] <= found.time_ms
    for found in (f for f in runs[SweepAnalysis][0] if f.kind in HF_KINDS):
        assert times[found.trade_id] == found.time_ms
        assert found.evidence.get("on_ms", 0) <= found.time_ms
