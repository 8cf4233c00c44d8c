import bisect
import itertools
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.analysis import Fold
from omega_tasks.core.orderflow import FLOW_KINDS
from omega_tasks.core.sweeps import HF_KINDS, TRAP_KINDS, SweepAnalysis
from omega_tasks.simulation.book import simulate_book
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams

ANALYSES = (SweepAnalysis,)


@pytest.fixture(scope="module")
def market():
    """Ninety minutes of simulated trades with sweeps and chop, the book around them, and
    what each analysis finds."""
    trades = simulate(SimulationParams(seed=9, hours=1.5)).trades
    book = simulate_book(trades, seed=9)
    runs = {}
    for kind in ANALYSES:
        fold = Fold(kind())
        runs[kind] = (fold.feed(trades, quotes=book.quotes, books=book.books), fold.dump())
    return Market(trades, book), runs


class Market:
    """Trades and the book, cut into batches as a feeder would: each batch carries what was
    placed before its trades."""

    def __init__(self, trades, book) -> None:
        self.trades, self.book = trades, book
        self.quote_ids = [q.before_trade_id for q in book.quotes]
        self.book_ids = [b.before_trade_id for b in book.books]

    def __len__(self) -> int:
        return len(self.trades)

    def batch(self, lo: int, hi: int) -> dict:
        part = self.trades[lo:hi]
        if not len(part):
            return {"trades": part}
        first, last = part.first_id, part.last_id

        def between(items, ids):
            return items[bisect.bisect_left(ids, first):bisect.bisect_right(ids, last)]

        return {"trades": part, "quotes": between(self.book.quotes, self.quote_ids),
                "books": between(self.book.books, self.book_ids)}


def test_the_simulated_market_gives_each_analysis_something_to_find(market):
    _, runs = market
    kinds = Counter(f.kind for kind in ANALYSES for f in runs[kind][0])
    assert {"liquidity_grab_high", "liquidity_grab_low", "hf_mode_on", "absorption",
            "liquidity_pulled", "cvd_divergence"} <= set(kinds)
    sweeps = SweepAnalysis()
    published = {sweeps.detector(f): set() for f in runs[SweepAnalysis][0]}
    for f in runs[SweepAnalysis][0]:
        published[sweeps.detector(f)].add(f.kind)
    assert published["traps"] <= TRAP_KINDS and published["highfreq"] <= HF_KINDS
    assert published["orderflow"] <= FLOW_KINDS


@settings(max_examples=6, deadline=None)
@given(st.sampled_from([1, 50, 1000]), st.lists(st.integers(0, 10**6), max_size=6))
def test_batches_of_any_size_give_the_same_findings_and_state(market, size, extra_cuts):
    market, runs = market
    n = len(market)
    edges = sorted({*range(0, n, size), n, *[c % n for c in extra_cuts]})
    for kind in ANALYSES:
        fold, found = Fold(kind()), []
        for lo, hi in itertools.pairwise(edges):
            if hi - lo > 200 or lo % 997 == 0:  # checkpoints often, not at every batch
                fold = Fold.load(kind, fold.dump())
            found += fold.feed(**market.batch(lo, hi))
        assert (found, fold.dump()) == runs[kind]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10**6))
def test_a_prefix_of_the_trades_gives_a_prefix_of_the_findings(market, cut):
    market, runs = market
    batch = market.batch(0, cut % len(market))
    prefix = batch["trades"]
    for kind in ANALYSES:
        part = Fold(kind()).feed(**batch)
        assert part == runs[kind][0][: len(part)]
        assert len(runs[kind][0]) == len(part) or runs[kind][0][len(part)].time_ms >= (
            prefix.times_ms[-1] if len(prefix) else 0)


def test_events_reference_only_trades_at_or_before_their_trigger(market):
    market, runs = market
    trades = market.trades
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
    seen = {}  # the book each flow event could have seen: nothing placed after its trade
    for found in (f for f in runs[SweepAnalysis][0] if f.kind in FLOW_KINDS):
        assert found.time_ms <= times[found.trade_id]
        if found.kind == "liquidity_pulled":
            seen[found.trade_id] = found.evidence["pulled_ms"]
    placed = {b.time_ms: b.before_trade_id for b in market.book.books}
    assert seen and all(placed[ms] <= trade_id for trade_id, ms in seen.items())


def test_every_grab_and_trap_carries_the_order_flow_in_force(market):
    _, runs = market
    traps = [f for f in runs[SweepAnalysis][0] if f.kind in TRAP_KINDS]
    for found in traps:
        flow = found.evidence["orderflow"]
        assert -1 <= flow["queue_imbalance"] <= 1 and flow["spread"] > 0
        assert flow["quote_age_ms"] <= 1_000  # quotes every 100 ms
        if found.kind.startswith("liquidity_grab"):  # at a trade: the quote came before it
            assert flow["quote_age_ms"] >= 0
        assert flow["cvd_slope"] is None or -1 <= flow["cvd_slope"] <= 1
    assert any(f.evidence["orderflow"]["cvd_divergence"] for f in traps)
