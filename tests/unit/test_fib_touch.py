import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.fib_touch import Reactions, Target, Watch, side_of

LEVEL = Target("5m:0:1:0.618", "level", 100.0, 100.0, (0.618,), ("5m",), 1.0)


def watch(side=1, threshold=2.0, deadline_ms=1_000, trade_id=1):
    return Watch(LEVEL, side, 100.0, threshold, deadline_ms, trade_id)


def feed(reactions, prices, start_ms=0):
    return [(t, [w.trade_id for w in reactions.update(t, p)])
            for t, p in enumerate(prices, start=start_ms)]


def test_a_reaction_comes_at_the_first_trade_one_threshold_away_on_the_touch_side():
    reactions = Reactions()
    reactions.watch(watch(side=1))
    seen = feed(reactions, [99.0, 98.5, 101.0, 101.99, 102.0, 103.0])
    assert [t for t, ids in seen if ids] == [4]
    assert len(reactions) == 0


def test_the_adverse_move_before_the_reaction_is_kept():
    reactions = Reactions()
    w = watch(side=-1)
    reactions.watch(w)
    feed(reactions, [101.0, 101.5, 99.0, 97.9])
    assert w.best == pytest.approx(2.1) and w.worst == pytest.approx(-1.5)


def test_a_move_after_the_deadline_is_no_reaction():
    reactions = Reactions()
    reactions.watch(watch(deadline_ms=3))
    assert feed(reactions, [100.5, 101.0, 101.5, 105.0]) == [(0, []), (1, []), (2, []), (3, [])]
    assert len(reactions) == 0


def test_a_new_watch_ignores_prices_traded_before_it():
    reactions = Reactions()
    reactions.watch(watch(side=1, threshold=50.0, trade_id=1))
    feed(reactions, [140.0, 90.0])
    reactions.watch(watch(side=1, trade_id=2))  # reacts at 102, whatever came before
    assert feed(reactions, [100.5, 101.9, 102.0], start_ms=2) == [(2, []), (3, []), (4, [2])]


def test_watches_restored_from_a_dump_react_at_the_same_trade():
    reactions = Reactions()
    reactions.watch(watch(side=1))
    feed(reactions, [99.0, 101.5])
    restored = Reactions.load(reactions.dump())
    assert feed(restored, [100.0, 102.5], start_ms=2) == [(2, []), (3, [1])]


@pytest.mark.parametrize(("price", "side"), [(101.0, 1), (99.0, -1), (100.0, 0), (100.5, 0)])
def test_the_side_of_a_band(price, side):
    assert side_of(price, 100.0, 100.5) == side


def reference(watches, prices):
    """Each watch's reaction trade and its worst move before it, straight from the definition."""
    out = []
    for start, w in watches:
        worst, reacted = math.inf, None
        for t, p in enumerate(prices):
            if t <= start or t >= w.deadline_ms:
                continue
            move = w.side * (p - w.ref)
            worst = min(worst, move)
            if move >= w.threshold:
                reacted = t
                break
        out.append((reacted, worst))
    return out


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False))
def test_reactions_fed_only_outside_the_quiet_band_match_the_definition(rng):
    prices = [100.0]
    for _ in range(rng.randint(0, 120)):
        prices.append(round(prices[-1] + rng.choice([-1, 1]) * rng.random() * 1.5, 1))
    specs = sorted((rng.randrange(len(prices)), rng.choice([1, -1]), rng.uniform(0.5, 3),
                    rng.randint(1, 60)) for _ in range(rng.randint(1, 5)))
    reactions, watches, got = Reactions(), [], {}
    for t, p in enumerate(prices):
        if t >= reactions.due_ms or not reactions.down < p < reactions.up:
            for w in reactions.update(t, p):
                got[id(w)] = (t, w.worst)
        for start, side, threshold, life in specs:
            if start == t:
                w = Watch(LEVEL, side, 100.0, threshold, t + 1 + life, t)
                reactions.watch(w)
                watches.append((t, w))
    expected = reference(watches, prices)
    for (_, w), (when, worst) in zip(watches, expected, strict=True):
        assert got.get(id(w), (None,))[0] == when
        if when is not None:
            assert got[id(w)][1] == worst
