"""The order-flow rules on hand-built flows and books: each fires where its definition says,
and not at the edges just outside it."""

from __future__ import annotations

import pytest

from omega_tasks.core.flow import ABSORPTION, CASCADE, Flow, FlowParams
from omega_tasks.core.indicators import Ewm
from omega_tasks.core.levels import SwingLevel
from omega_tasks.core.types import BookLevels, Liquidation
from omega_tasks.core.walls import PULLED, WallParams, Walls

ATR = 10.0
T0 = 1_723_161_000_000  # a minute boundary


def volume(mean: float = 60.0, spread: float = 10.0) -> Ewm:
    """1m bar volumes with the given mean and a σ near ``spread``."""
    ewm = Ewm(60)
    for i in range(200):
        ewm.update(mean + (spread if i % 2 else -spread))
    return ewm


def run(flow: Flow, trades, vol: Ewm | None = None):
    """Feed (time_ms, price, size, side) rows; return what fired, with the row it fired at."""
    vol = vol or volume()
    out = []
    for row, (t, price, size, side) in enumerate(trades):
        found = flow.on_trade(t, price, size, side, ATR, vol)
        if found is not None:
            out.append((row, found))
    return out


def buying(seconds: int, per_second: float, price=lambda s: 100.0, start_s: int = 0):
    """One aggressive buy per second (and a 0.1 sell to keep it two-sided)."""
    rows = []
    for s in range(start_s, start_s + seconds):
        rows.append((T0 + s * 1000, price(s), per_second, 1))
        rows.append((T0 + s * 1000 + 500, price(s), 0.1, -1))
    return rows


def test_heavy_buying_that_makes_no_progress_is_absorbed_by_sellers():
    # 10 s of 30 BTC/s is 1,800 a minute against a 1m mean of 60 (σ 10): z far above 3
    fired = run(Flow(), buying(12, 30.0))
    (row, found), *_ = fired
    assert found.kind == ABSORPTION and row == 2  # judged at the first trade of second 1
    ev = found.evidence
    assert ev["direction"] == -1 and ev["absorbed"] == "buyers" and ev["level"] == 100.0
    assert ev["volume_z"] >= 3 and ev["progress_atr"] == 0.0 and ev["share"] > 0.99


def test_buying_that_moves_price_is_not_absorption():
    climbing = buying(12, 30.0, price=lambda s: 100.0 + 0.5 * s)  # 0.1 ATR in 2 s
    fired = run(Flow(), climbing)
    # only at second 1, while the window held one second and no move yet; from then on,
    # every window holds more than 0.1 ATR of move
    assert [row for row, _ in fired] == [2]


def test_light_or_two_sided_flow_is_not_absorption():
    assert run(Flow(), buying(12, 0.5)) == []  # 30 a minute: under the mean
    balanced = [(t, p, q, s) for t, p, q, s in buying(12, 30.0)] + \
        [(T0 + s * 1000 + 700, 100.0, 30.0, -1) for s in range(12)]
    assert run(Flow(), sorted(balanced)) == []


def test_an_absorbed_side_fires_again_only_after_a_whole_window():
    fired = run(Flow(FlowParams(window_s=10)), buying(40, 30.0))
    seconds = [found.time_ms // 1000 - T0 // 1000 for _, found in fired]
    assert seconds == [1, 11, 21, 31]


def test_five_forced_sells_within_ten_seconds_are_one_cascade():
    flow = Flow(FlowParams(cascade_count=5, cascade_window_ms=10_000))
    found = [flow.on_liquidation(Liquidation(T0 + i * 1500, -1, 100.0 - i, 0.5, 7 + i))
             for i in range(7)]
    assert [f is not None for f in found] == [False] * 4 + [True, False, False]
    cascade = found[4]
    assert cascade.kind == CASCADE and cascade.trade_id == 11  # the trade that followed it
    assert cascade.evidence["direction"] == -1 and cascade.evidence["liquidated"] == "longs"
    assert cascade.evidence["orders"] == 5 and cascade.evidence["size"] == pytest.approx(2.5)
    # a quiet spell re-arms it; buys on the other side are their own count
    later = [flow.on_liquidation(Liquidation(T0 + 60_000 + i, -1, 90.0, 0.1, 30))
             for i in range(5)]
    assert later[-1] is not None and all(f is None for f in later[:-1])
    assert flow.on_liquidation(Liquidation(T0 + 60_010, 1, 90.0, 0.1, 30)) is None


def level(side: int, price: float, pivot_ms: int) -> SwingLevel:
    return SwingLevel(side, price, pivot_ms, pivot_ms + 180_000, "fractal")


def test_a_new_high_on_net_selling_since_the_swing_diverges():
    flow = Flow()
    run(flow, [(T0 + 1000, 100.0, 5.0, 1)])
    flow.on_bar(T0 + 60_000)  # the swing's bar closes with CVD +5
    run(flow, [(T0 + 61_000, 101.0, 3.0, -1), (T0 + 62_000, 102.0, 1.0, 1)])
    judged = flow.divergence(1, 101.5, T0, 1, 102.0)
    assert judged["cvd_change"] == pytest.approx(-2.0) and judged["volume_since"] == 4.0
    assert judged["strength"] == pytest.approx(-0.5) and judged["diverges"]
    assert not flow.divergence(-1, 99.0, T0, 1, 98.0)["diverges"]  # not below the low


def test_a_swing_from_before_the_first_trade_is_not_judged():
    flow = Flow()
    flow.on_bar(T0 + 60_000)  # a warm-up bar: no CVD was counted
    run(flow, [(T0 + 61_000, 101.0, 3.0, -1)])
    assert flow.divergence(1, 100.0, T0, 1, 101.0) is None


def sample(time_ms: int, bids: dict, asks: dict) -> BookLevels:
    return BookLevels(time_ms, tuple(sorted(bids.items(), reverse=True)),
                      tuple(sorted(asks.items())), True, 0)


BIDS = {100.0 - k * 0.5: 1.0 for k in range(10)}
ASKS = {100.5 + k * 0.5: 1.0 for k in range(10)}


def warmed(params: WallParams | None = None) -> Walls:
    walls = Walls(params or WallParams(warm_levels=100))
    for i in range(20):
        walls.on_book(sample(T0 + i * 250, BIDS, ASKS))
    return walls


def test_a_bid_wall_withdrawn_without_trades_then_reached_is_liquidity_pulled():
    walls = warmed()
    walls.on_book(sample(T0 + 10_000, BIDS | {98.5: 40.0}, ASKS))
    assert walls.walls and walls.on_trade(T0 + 10_100, 99.5, 0.2) is None
    walls.on_book(sample(T0 + 10_250, BIDS | {98.5: 0.5}, ASKS))  # 40 → 0.5: pulled
    assert walls.on_trade(T0 + 11_000, 99.0, 0.3) is None  # not there yet
    (found,) = walls.on_trade(T0 + 12_000, 98.5, 0.3)
    ev = found.evidence
    assert found.kind == PULLED and ev["direction"] == -1 and ev["side"] == "bid"
    assert ev["level"] == 98.5 and ev["size"] == 40.0 and ev["left"] == 0.5
    assert ev["pulled_ms"] == T0 + 10_250 and ev["lead_ms"] == 1_750
    assert walls.on_trade(T0 + 12_100, 98.0, 1.0) is None  # once


def test_a_wall_that_trades_away_was_filled_not_pulled():
    walls = warmed()
    walls.on_book(sample(T0 + 10_000, BIDS | {98.5: 40.0}, ASKS))
    walls.on_trade(T0 + 10_100, 98.5, 39.0)  # sold into it
    walls.on_book(sample(T0 + 10_250, BIDS | {98.5: 1.0}, ASKS))
    assert walls.on_trade(T0 + 10_300, 98.4, 1.0) is None and not walls.pulled


def test_a_wall_out_of_view_or_reached_too_late_fires_nothing():
    walls = warmed()
    walls.on_book(sample(T0 + 10_000, BIDS | {96.0: 40.0}, ASKS))
    higher = {k + 10: v for k, v in BIDS.items()}
    walls.on_book(sample(T0 + 10_250, higher, {k + 10: v for k, v in ASKS.items()}))
    assert not walls.walls and not walls.pulled  # price moved up: 96 is out of view
    walls = warmed(WallParams(warm_levels=100, reach_ms=1_000))
    walls.on_book(sample(T0 + 10_000, BIDS | {98.5: 40.0}, ASKS))
    walls.on_book(sample(T0 + 10_250, BIDS | {98.5: 0.5}, ASKS))
    assert walls.on_trade(T0 + 11_500, 98.5, 1.0) is None


def test_a_large_level_is_a_wall_only_against_the_recent_sizes():
    cold = Walls(WallParams(warm_levels=10_000))
    cold.on_book(sample(T0, BIDS | {98.5: 40.0}, ASKS))
    assert not cold.walls  # not warm: nothing to compare with
    walls = warmed()
    walls.on_book(sample(T0 + 10_000, BIDS | {98.5: 4.0}, ASKS))  # 4× the median: under 5×
    assert not walls.walls
