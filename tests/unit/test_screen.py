"""The feeder's screen: trades back in id order, implausible prices held and refuted."""

import dataclasses

from feeder.screen import HOLD_MS, Screen, ScreenParams
from tests.support import walk


def screen_all(ticks, params=None, step_s=0.001):
    """Feed ticks one by one (``step_s`` apart in monotonic time), then drain."""
    screen = Screen(params)
    passed, rejected = [], []
    now = 0.0
    for tick in ticks:
        got, lost = screen.add(tick, now)
        passed += got
        rejected += lost
        now += step_s
        got, lost = screen.due(now)
        passed += got
        rejected += lost
    got, lost = screen.drain(now)
    return passed + got, rejected + lost, screen


def test_trades_in_order_pass_straight_through():
    ticks = walk(2_000)
    passed, rejected, _ = screen_all(ticks)
    assert passed == ticks and rejected == []


def test_two_swapped_trade_ids_are_put_back_in_order():
    ticks = walk(100)
    swapped = [*ticks[:40], ticks[41], ticks[40], *ticks[42:]]
    passed, rejected, _ = screen_all(swapped)
    assert [t.trade_id for t in passed] == [t.trade_id for t in ticks] and not rejected


def test_a_gap_that_never_fills_lets_the_trades_after_it_go_on_in_order():
    ticks = walk(200)
    holed = ticks[:50] + ticks[60:]
    passed, _, _ = screen_all(holed, ScreenParams(reorder_trades=8))
    assert [t.trade_id for t in passed] == [t.trade_id for t in holed]
    later, _, _ = screen_all(holed[:55], ScreenParams(reorder_ms=10), step_s=0.02)
    assert [t.trade_id for t in later] == [t.trade_id for t in holed[:55]]


def test_a_repeat_of_a_trade_still_waiting_is_dropped_and_counted():
    ticks = walk(50)
    passed, _, screen = screen_all([*ticks[:10], ticks[11], ticks[11], ticks[10], *ticks[12:]])
    assert [t.trade_id for t in passed] == [t.trade_id for t in ticks]
    assert screen.repeats == 1


def test_absurd_prices_are_dead_lettered_and_the_trades_around_them_kept():
    ticks = walk(300)
    bad = {100: 99999999999999999999.9, 200: 0.00000001}
    corrupt = [dataclasses.replace(t, price=bad.get(i, t.price)) for i, t in enumerate(ticks)]
    passed, rejected, _ = screen_all(corrupt)
    assert [t.trade_id for t in passed] == [t.trade_id for i, t in enumerate(ticks)
                                            if i not in bad]
    assert len(rejected) == 2
    assert all("implausible price" in r.reason and "not confirmed" in r.reason
               for r in rejected)


def test_a_real_jump_confirmed_by_the_next_trades_is_kept():
    ticks = walk(300)
    crashed = [dataclasses.replace(t, price=t.price * (0.85 if i >= 150 else 1.0))
               for i, t in enumerate(ticks)]  # 15 % down between two trades, and it stays
    passed, rejected, _ = screen_all(crashed)
    assert passed == crashed and rejected == []


def test_a_doubted_price_with_no_trade_after_it_is_decided_when_its_hold_ends():
    ticks = walk(60)
    last = dataclasses.replace(ticks[-1], price=ticks[-1].price * 3)
    screen = Screen()
    for i, tick in enumerate([*ticks[:-1], last]):
        screen.add(tick, i * 0.001)
    assert screen.due(0.06) == ([], [])  # still waiting for the trades after it
    passed, rejected = screen.due(0.06 + HOLD_MS / 1000)
    assert passed == [] and len(rejected) == 1


def test_a_price_that_is_not_a_positive_number_is_rejected_at_once():
    ticks = walk(10)
    bad = [*ticks[:5], dataclasses.replace(ticks[5], price=0.0),
           dataclasses.replace(ticks[6], price=float("nan")), *ticks[7:]]
    passed, rejected, _ = screen_all(bad)
    assert len(rejected) == 2 and len(passed) == 8
