import itertools
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.analysis import Fold
from omega_tasks.core.fib_analysis import FibAnalysis, TouchParams
from omega_tasks.core.fibonacci import FibParams
from omega_tasks.core.threshold import ThresholdParams
from omega_tasks.core.types import MINUTE_MS, Trades
from tests.unit.test_fibonacci import T0, path

QUICK = ThresholdParams(warmup_bars=5, atr_bars=3)


class QuickFib(FibAnalysis):
    """One timeframe, a short warm-up: small hand-built tapes reach levels quickly."""

    def __init__(self, params: Any = None, touch: Any = None, threshold: Any = None) -> None:
        super().__init__(params or FibParams(timeframes=("1m", "5m")), touch, threshold or QUICK)


def tape(minutes):
    """Trades: for each minute, its prices, spread evenly through the minute."""
    rows, n = [], 0
    for m, prices in enumerate(minutes):
        for k, p in enumerate(prices):
            n += 1
            rows.append((n, T0 + m * MINUTE_MS + k * (MINUTE_MS // (len(prices) + 1)), p, 1.0, 1))
    return Trades.from_rows(rows)


def leg_up_then(minutes_after):
    """A confirmed 1m leg from 98 to 202 (levels 202 − r·104), then the given minutes."""
    bars = path([150, 100, 200, 170])
    return tape([[b.open, b.low, b.high, b.close] for b in bars] + minutes_after)


def test_a_touch_is_reported_at_the_trade_that_crosses_the_level_and_only_once():
    level = 202 - 0.382 * 104  # 162.27
    trades = leg_up_then([[170, 166, 161.5, 165], [163, 161, 164], [180, 181]])
    found = Fold(QuickFib(FibParams(timeframes=("1m",)))).feed(trades)
    touches = [f for f in found if f.kind == "touch" and f.evidence["ratios"] == [0.382]]
    assert len(touches) == 1
    (touch,) = touches
    assert trades.prices[trades.ids.index(touch.trade_id)] == 161.5
    assert touch.evidence["level"] == pytest.approx(level)
    assert touch.evidence["side"] == 1 and touch.key == "1m:0.382"


def test_a_reaction_is_reported_at_the_trade_one_threshold_away_from_the_touched_level():
    probe = Fold(QuickFib(FibParams(timeframes=("1m",))))
    touch = next(f for f in probe.feed(leg_up_then([[170, 166, 161.5]]))
                 if f.kind == "touch" and f.evidence["ratios"] == [0.382])
    away = touch.evidence["level"] + touch.evidence["threshold_price"]
    trades = leg_up_then([[170, 166, 161.5, away - 0.5], [away - 0.2, away + 0.1, away + 2]])
    found = Fold(QuickFib(FibParams(timeframes=("1m",)))).feed(trades)
    reactions = [f for f in found if f.kind == "reaction" and f.evidence["ratios"] == [0.382]]
    assert len(reactions) == 1
    assert trades.prices[trades.ids.index(reactions[0].trade_id)] == away + 0.1
    assert reactions[0].evidence["touch_trade_id"] == touch.trade_id
    assert reactions[0].evidence["move_thr"] >= 1.0


def test_no_reaction_is_reported_after_the_window_closes():
    probe = Fold(QuickFib(FibParams(timeframes=("1m",)), TouchParams(reaction_bars=1)))
    touch = next(f for f in probe.feed(leg_up_then([[170, 166, 161.5]]))
                 if f.kind == "touch" and f.evidence["ratios"] == [0.382])
    away = touch.evidence["level"] + touch.evidence["threshold_price"] + 1
    late = leg_up_then([[170, 166, 161.5, 163], [163], [away]])
    found = Fold(QuickFib(FibParams(timeframes=("1m",)), TouchParams(reaction_bars=1))).feed(late)
    assert not [f for f in found if f.kind == "reaction" and f.evidence["ratios"] == [0.382]]


def test_bar_findings_name_the_trade_that_closed_the_bar():
    trades = leg_up_then([[170]])
    found = Fold(QuickFib(FibParams(timeframes=("1m",)))).feed(trades)
    legs = [f for f in found if f.kind == "leg"]
    assert legs and all(f.time_ms % MINUTE_MS < MINUTE_MS // 4 for f in legs)
    assert legs[-1].evidence["end_price"] == 202.0


def test_warm_up_bars_report_nothing():
    bars = path([150, 100, 200, 170])
    fold = Fold.start(QuickFib(), bars)
    assert fold.analysis.view()["legs"] == 1
    found = fold.feed(tape([[171]]))  # a fresh trade in the next minute
    assert [f.kind for f in found if f.kind == "leg"] == []


steps = st.lists(
    st.tuples(st.integers(0, 30_000), st.floats(-6, 6).map(lambda x: round(x, 1))),
    min_size=1, max_size=500,
)


def walk(steps):
    rows, t, p = [], T0, 100.0
    for i, (dt, dp) in enumerate(steps, start=1):
        t += dt
        p = max(1.0, round(p + dp, 1))
        rows.append((i, t, p, 0.5, 1 if dp >= 0 else -1))
    return Trades.from_rows(rows)


@st.composite
def long_walks(draw: st.DrawFn) -> list[tuple[int, float]]:
    """Hours of a random walk: long enough for legs, zones, touches and reactions."""
    rng = draw(st.randoms(use_true_random=False))
    n = draw(st.integers(1, 2_000))
    return [(rng.randint(0, 20_000), round(min(6.0, max(-6.0, rng.gauss(0, 2))), 1))
            for _ in range(n)]


tapes = st.one_of(steps, long_walks()).map(walk)


@settings(max_examples=40, deadline=None)
@given(tapes, st.lists(st.integers(0, 2_000), max_size=8))
def test_batches_of_any_size_give_the_same_findings_and_state(trades, cuts):
    whole = Fold(QuickFib())
    expected = whole.feed(trades)
    fold, found = Fold(QuickFib()), []
    edges = sorted({0, len(trades), *[c % (len(trades) + 1) for c in cuts]})
    for lo, hi in itertools.pairwise(edges):
        fold = Fold.load(QuickFib, fold.dump())  # a checkpoint between every batch
        found += fold.feed(trades[lo:hi])
    assert found == expected
    assert fold.dump() == whole.dump()


def test_a_checkpoint_around_every_finding_changes_no_finding_and_no_state():
    """Random cuts rarely land next to a touch or a bar close; these land next to all."""
    rng = random.Random(5)
    trades = walk([(rng.randint(0, 24_000), round(rng.gauss(0, 2), 1)) for _ in range(3_000)])
    whole = Fold(QuickFib())
    expected = whole.feed(trades)
    at = {trade_id: n for n, trade_id in enumerate(trades.ids)}
    edges = sorted({0, len(trades)} | {at[f.trade_id] + d for f in expected for d in (0, 1)})
    fold, found = Fold(QuickFib()), []
    for lo, hi in itertools.pairwise(edges):
        fold = Fold.load(QuickFib, fold.dump())
        found += fold.feed(trades[lo:hi])
    assert found == expected
    assert fold.dump() == whole.dump()


@settings(max_examples=30, deadline=None)
@given(tapes, st.integers(0, 2_000))
def test_a_prefix_of_the_trades_gives_a_prefix_of_the_findings(trades, cut):
    full = Fold(QuickFib()).feed(trades)
    prefix = trades[: cut % (len(trades) + 1)]
    part = Fold(QuickFib()).feed(prefix)
    assert part == full[: len(part)]
    assert all(f.trade_id <= (prefix.last_id if len(prefix) else 0) for f in part)


def test_the_random_walks_reach_every_kind_of_finding():
    """The invariance tests above would prove little if the tapes found nothing."""
    rng = random.Random(5)
    steps = [(rng.randint(0, 24_000), round(rng.gauss(0, 2), 1)) for _ in range(3_000)]
    kinds = {f.kind for f in Fold(QuickFib()).feed(walk(steps))}
    assert {"leg", "golden_leg", "touch", "reaction", "zone_formed", "zone_broken"} <= kinds


class EveryTradeLooked(QuickFib):
    """The same analysis with the quiet band shut: every trade takes the full path."""

    def _quiet(self) -> None:
        super()._quiet()
        self.quiet_until_ms = -1


@settings(max_examples=40, deadline=None)
@given(tapes)
def test_trades_skipped_in_the_quiet_band_change_no_finding(trades):
    assert Fold(QuickFib()).feed(trades) == Fold(EveryTradeLooked()).feed(trades)


def test_the_quiet_band_skips_most_trades_of_a_long_walk_and_changes_nothing():
    rng = random.Random(5)
    trades = walk([(rng.randint(0, 24_000), round(rng.gauss(0, 2), 1)) for _ in range(3_000)])
    looked = []

    class Counting(QuickFib):
        def _look(self, trade_id: int, time_ms: int, price: float) -> Any:
            looked.append(trade_id)
            return super()._look(trade_id, time_ms, price)

    found = Fold(Counting()).feed(trades)
    assert found == Fold(EveryTradeLooked()).feed(trades)
    assert len(looked) < len(trades) / 2
