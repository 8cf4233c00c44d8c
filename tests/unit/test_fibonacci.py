import itertools
import math

import pytest

from omega_tasks.core.fib_proximity import proximity
from omega_tasks.core.fibonacci import (
    FibLevel,
    FibonacciLevels,
    FibParams,
    Leg,
    confluence,
    leg_ratio,
)
from omega_tasks.core.swings import HIGH, LOW, Swing
from omega_tasks.core.types import MINUTE_MS, Bar

T0 = 1_736_208_000_000  # a 4h boundary


def bar(i, low, high, minutes=1):
    mid = (low + high) / 2
    return Bar(T0 + i * MINUTE_MS, mid, high, low, mid, 1.0, 0.5, 10, 0, 0, minutes)


def path(points, width=2.0):
    """1m bars whose centre walks linearly through ``points``, one bar per step."""
    centres = [points[0]]
    for a, b in itertools.pairwise(points):
        steps = max(1, int(abs(b - a) // 10))
        centres += [a + (b - a) * k / steps for k in range(1, steps + 1)]
    return [bar(i, c - width, c + width) for i, c in enumerate(centres)]


def one_minute(**kw):
    return FibonacciLevels(FibParams(timeframes=("1m",), **kw))


def feed(levels, bars, atr=10.0):
    return [levels.update(b, atr) for b in bars]


def test_a_confirmed_leg_up_gives_its_retracements_and_extensions():
    levels = one_minute()
    feed(levels, path([150, 100, 200, 170]))  # low at 100, high at 200, confirmed by 3 bars
    (leg,) = levels.legs()
    assert (leg.start.price, leg.end.price, leg.direction) == (98.0, 202.0, 1)
    got = {lv.ratio: lv.price for lv in levels.levels()}
    span = 202.0 - 98.0
    assert got == pytest.approx({r: 202.0 - r * span
                                 for r in (0.382, 0.5, 0.618, 0.786, 1.272, 1.618)})
    assert got[1.618] < 98.0 < got[0.786]  # extensions lie beyond the leg's start


def test_a_leg_whose_end_is_not_yet_confirmed_gives_no_levels():
    bars = path([150, 100, 200, 170])
    top = max(range(len(bars)), key=lambda i: bars[i].high)
    levels = one_minute()
    feed(levels, bars[: top + 3])  # two bars short of confirming the high
    assert levels.legs() == [] and levels.levels() == []
    levels.update(bars[top + 3], 10.0)
    assert [lv.price for lv in levels.levels()][:1] == [pytest.approx(202 - 0.382 * 104)]


def test_a_more_extreme_swing_of_the_same_kind_moves_the_leg_end():
    lows_highs = [(140, 150), (120, 130), (110, 120), (98, 102), (110, 120), (130, 140),
                  (150, 160), (170, 180), (190, 202), (185, 195), (180, 190), (182, 192),
                  (200, 210), (220, 230), (240, 252), (230, 240), (225, 235), (226, 236)]
    levels = one_minute()
    changes = feed(levels, [bar(i, lo, hi) for i, (lo, hi) in enumerate(lows_highs)])
    assert [leg.end.price for c in changes for leg in c.legs] == [202.0, 252.0]
    (leg,) = levels.legs()
    assert (leg.start.price, leg.end.price) == (98.0, 252.0)


def test_a_bar_confirming_two_pivots_of_a_timeframe_reports_its_leg_once():
    outside = [bar(i, 100, 110) for i in range(3)] + [bar(3, 90, 120)]
    outside += [bar(i, 100, 110) for i in range(4, 7)]
    changes = feed(one_minute(), outside)  # the outside bar is both a swing high and low
    assert [len(c.legs) for c in changes] == [0] * 6 + [1]
    assert changes[-1].legs[0].move == (120.0, 90.0)


def test_golden_legs_are_reported_when_the_third_pivot_is_confirmed():
    levels = one_minute()
    changes = feed(levels, path([150, 100, 200, 138.2, 190]))
    golden = [g for c in changes for g in c.golden_legs]
    assert len(golden) == 1
    g = golden[0]
    assert g.golden == 0.618
    assert g.ratio == pytest.approx((202 - 136.2) / (202 - 98))
    assert g.ratio == pytest.approx(leg_ratio(g.a, g.b, g.c))


def test_a_leg_ratio_far_from_the_golden_ones_is_not_golden():
    levels = one_minute()
    changes = feed(levels, path([150, 100, 200, 170, 190]))
    assert not [g for c in changes for g in c.golden_legs]


def swing(kind, price, ms):
    return Swing(kind, price, ms, ms, 1)


def level(tf, ratio, price, start=100.0, end=200.0):
    leg = Leg(tf, swing(LOW, start, 0), swing(HIGH, end, MINUTE_MS))
    return FibLevel(leg, ratio, price)


def test_levels_of_two_timeframes_close_together_form_a_scored_zone():
    zones = confluence([level("5m", 0.618, 138.2), level("1h", 0.5, 140.0, 90.0, 190.0),
                        level("1m", 0.382, 170.0)], width=2.5, golden_bonus=0.5)
    assert len(zones) == 1
    zone = zones[0]
    assert (zone.lo, zone.hi, zone.timeframes) == (138.2, 140.0, ("5m", "1h"))
    assert zone.score == 2 + 0.5  # two moves agree, one of them at a golden ratio


def test_one_timeframe_alone_or_one_move_seen_twice_is_no_zone():
    same_frame = [level("5m", 0.5, 150.0), level("5m", 0.618, 151.0, 110.0, 190.0)]
    same_move = [level("5m", 0.5, 150.0), level("15m", 0.5, 150.0)]
    assert confluence(same_frame, 2.5, 0.5) == []
    assert confluence(same_move, 2.5, 0.5) == []


def test_proximity_names_the_golden_level_or_zone_a_price_is_near():
    levels = one_minute()
    feed(levels, path([150, 100, 200, 170]))
    golden = 202.0 - 0.618 * 104.0
    near = proximity(levels, golden + 1.0, atr=10.0)
    assert near is not None and near.kind == "golden_level"
    assert near.ratios == (0.618,) and near.timeframes == ("1m",)
    assert near.distance_atr == pytest.approx(0.1)
    assert near.evidence()["golden"] is True
    assert near.evidence()["members"] == [["1m", 0.618, pytest.approx(golden)]]
    assert proximity(levels, golden + 3.0, atr=10.0) is None
    assert proximity(levels, 202.0 - 0.5 * 104.0, atr=10.0) is None  # 0.5 is not golden
    assert proximity(levels, golden, atr=math.nan) is None


def test_higher_timeframes_change_only_when_their_own_bars_close():
    rng_path = [150, 100, 220, 120, 260, 140, 300, 200, 330, 90, 280]
    bars = path(rng_path * 6, width=3.0)
    levels = FibonacciLevels()
    for b in bars:
        before = {leg.timeframe: leg for leg in levels.legs()}
        changes = levels.update(b, 10.0)
        after = {leg.timeframe: leg for leg in levels.legs()}
        for tf, minutes in (("5m", 5), ("15m", 15), ("1h", 60)):
            if before.get(tf) != after.get(tf):
                assert (b.close_ms - T0) % (minutes * MINUTE_MS) == 0, tf
        assert all(leg.end.confirmed_ms <= b.close_ms for leg in changes.legs)
    assert {leg.timeframe for leg in levels.legs()} >= {"1m", "5m", "15m"}


def test_appending_future_bars_never_changes_past_levels():
    bars = path([150, 100, 220, 120, 260, 140, 300, 200, 330, 90, 280] * 4, width=3.0)
    full, seen = FibonacciLevels(), []
    for b in bars:
        full.update(b, 10.0)
        seen.append({tf: [(lv.key, lv.price) for lv in full.levels() if lv.timeframe == tf]
                     for tf in ("1m", "5m", "15m", "1h")})
    for cut in (37, 120, 301):
        part = FibonacciLevels()
        for b in bars[:cut]:
            part.update(b, 10.0)
        assert [(lv.key, lv.price) for lv in part.levels()] == [
            pair for tf in ("1m", "5m", "15m", "1h") for pair in seen[cut - 1][tf]]
    # a higher timeframe's levels are those of its last closed bar: the 1m bars of its
    # forming bar, whatever they hold, move none of them
    for n, levels in enumerate(seen, start=1):
        for tf, minutes in (("5m", 5), ("15m", 15), ("1h", 60)):
            closed = n - n % minutes
            assert levels[tf] == (seen[closed - 1][tf] if closed else []), (n, tf)
    assert all(seen[-1][tf] for tf in ("1m", "5m", "15m"))


def test_levels_restored_from_a_dump_continue_identically():
    bars = path([150, 100, 220, 120, 260, 140, 300] * 4, width=3.0)
    whole = FibonacciLevels()
    expected = [whole.update(b, 10.0) for b in bars]
    first = FibonacciLevels()
    got = [first.update(b, 10.0) for b in bars[:50]]
    second = FibonacciLevels.load(first.dump())
    got += [second.update(b, 10.0) for b in bars[50:]]
    assert got == expected and second.dump() == whole.dump()


def test_proximity_prefers_a_zone_to_a_single_golden_level_as_near():
    levels = one_minute()
    feed(levels, path([150, 100, 200, 170]))
    golden = 202.0 - 0.618 * 104.0
    levels.zones = tuple(confluence([level("5m", 0.5, golden - 0.5, 90.0, 190.0),
                                     level("1h", 0.618, golden)],
                                    width=2.5, golden_bonus=0.5))
    near = proximity(levels, golden + 0.2, atr=10.0)
    assert near is not None and near.kind == "zone"
    assert near.timeframes == ("5m", "1h") and near.ratios == (0.5, 0.618)
    assert near.score == 2.5 and near.distance_atr == pytest.approx(0.02)
    assert near.members == (("5m", 0.5, golden - 0.5), ("1h", 0.618, golden))
