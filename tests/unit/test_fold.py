import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.analysis import Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.threshold import ThresholdAnalysis
from omega_tasks.core.types import MINUTE_MS, Bar, Liquidation, Trades
from tests.support import NewHighs

T0 = 1_736_208_000_000


def make_trades(steps):
    ids, times, prices, sizes, sides = [], [], [], [], []
    t, p = T0, 100.0
    for i, (dt, dp, side) in enumerate(steps, start=1):
        t += dt
        p = round(p + dp, 2)
        ids.append(i), times.append(t), prices.append(p), sizes.append(0.5), sides.append(side)
    return Trades(tuple(ids), tuple(times), tuple(prices), tuple(sizes), tuple(sides))


steps = st.lists(
    st.tuples(st.integers(0, 40_000), st.floats(-2, 2).map(lambda x: round(x, 2)),
              st.sampled_from([1, -1])),
    min_size=1, max_size=400,
)


def run_in_pieces(kind, trades, cuts):
    fold = Fold(kind())
    found = []
    edges = sorted({0, len(trades), *[c % (len(trades) + 1) for c in cuts]})
    for lo, hi in itertools.pairwise(edges):
        fold = Fold.load(kind, fold.dump())  # a checkpoint between every batch
        found += fold.feed(trades[lo:hi])
    return found, fold.dump()


@settings(max_examples=60, deadline=None)
@given(steps, st.lists(st.integers(0, 400), max_size=8))
def test_batches_of_any_size_give_the_same_findings_and_state(steps, cuts):
    trades = make_trades(steps)
    for kind in (NewHighs, ThresholdAnalysis):
        whole = Fold(kind())
        expected = whole.feed(trades)
        assert run_in_pieces(kind, trades, cuts) == (expected, whole.dump())


@settings(max_examples=40, deadline=None)
@given(steps, st.integers(0, 400))
def test_a_prefix_of_the_trades_gives_a_prefix_of_the_findings(steps, cut):
    trades = make_trades(steps)
    full = Fold(NewHighs()).feed(trades)
    prefix = trades[: cut % (len(trades) + 1)]
    part = Fold(NewHighs()).feed(prefix)
    assert part == full[: len(part)]
    assert all(f.trade_id <= (prefix.last_id if len(prefix) else 0) for f in part)


@settings(max_examples=40, deadline=None)
@given(steps, st.lists(st.integers(1, 400), max_size=6), st.lists(st.integers(0, 400), max_size=5))
def test_liquidations_reach_the_fold_just_before_their_trade_whatever_the_batches(
    steps, anchors, cuts
):
    trades = make_trades(steps)
    liqs = [Liquidation(T0 + n, -1, 100.0, 1.0, 1 + a % len(trades))
            for n, a in enumerate(anchors)]
    whole = Fold(NewHighs())
    expected = whole.feed(trades, liqs)
    seen = [f for f in expected if f.kind == "liquidation"]
    assert len(seen) == len(liqs)
    assert all(f.evidence["seen_after_trade"] == f.trade_id - 1 for f in seen)
    fold, found = Fold(NewHighs()), []
    edges = sorted({0, len(trades), *[c % (len(trades) + 1) for c in cuts]})
    for lo, hi in itertools.pairwise(edges):
        part = trades[lo:hi]
        due = [q for q in liqs if part.first_id <= q.before_trade_id <= part.last_id]
        fold = Fold.load(NewHighs, fold.dump())
        found += fold.feed(part, due)
    assert found == expected


def test_trades_already_folded_are_skipped():
    trades = make_trades([(1000, 1.0, 1)] * 10)
    fold = Fold(NewHighs())
    first = fold.feed(trades[:6])
    again = fold.feed(trades[3:])
    assert [f.trade_id for f in first + again] == list(range(1, 11))


def test_warm_up_bars_reach_the_analysis_before_any_trade():
    history = [Bar(T0 - (3 - i) * MINUTE_MS, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0) for i in range(3)]
    fold = Fold.start(NewHighs(), history)
    assert fold.analysis.bars == 3 and fold.last_id == 0


def test_a_checkpoint_of_another_version_is_not_loaded():
    dumped = Fold(NewHighs()).dump()
    dumped[0] = NewHighs.version + 1
    assert Fold.load(NewHighs, dumped) is None


def closed_bars(trades):
    """The bars the feeder's clock closes, each with the id of the trade that closed it."""
    clock = BarClock()
    return [(row[0], bar) for row in trades.rows() for bar in clock.update(*row)]


@settings(max_examples=60, deadline=None)
@given(steps, st.lists(st.integers(0, 400), max_size=6))
def test_bars_sent_with_the_trades_give_what_the_folds_own_clock_gives(steps, cuts):
    trades = make_trades(steps)
    bars = closed_bars(trades)
    for kind in (NewHighs, ThresholdAnalysis):
        own, own_state = run_in_pieces(kind, trades, cuts)
        fold, sent = Fold(kind()), []
        edges = sorted({0, len(trades), *[c % (len(trades) + 1) for c in cuts]})
        for lo, hi in itertools.pairwise(edges):
            fold = Fold.load(kind, fold.dump())
            sent += fold.feed(trades[lo:hi], bars=bars)  # each batch takes its own bars
        assert sent == own
        assert fold.dump()[3] == own_state[3] and fold.clock is None


def test_a_fold_checkpointed_with_its_own_clock_goes_on_with_bars_sent_to_it():
    trades = make_trades([(7_000, 0.5, 1)] * 300)
    whole = Fold(ThresholdAnalysis())
    expected = whole.feed(trades)
    before = Fold(ThresholdAnalysis())
    found = before.feed(trades[:140])  # a fold of the days before batches carried bars
    after = Fold.load(ThresholdAnalysis, before.dump())
    assert after.clock is not None
    found += after.feed(trades[140:], bars=closed_bars(trades))
    assert found == expected and after.dump()[3] == whole.dump()[3]
