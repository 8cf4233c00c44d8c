import math
import random

import pytest

from omega_tasks.core.regime import (
    Hysteresis,
    Regime,
    RegimeParams,
    RegimeTracker,
    classify,
)
from omega_tasks.core.threshold import DynamicThreshold, ThresholdParams, dynamic_threshold
from omega_tasks.core.types import MINUTE_MS, Bar

P = RegimeParams()


@pytest.mark.parametrize(
    ("adx", "chop", "rank", "expected"),
    [
        (30.0, 30.0, 0.5, "trending"),
        (30.0, 50.0, 0.5, "neutral"),  # strong ADX but a choppy path
        (15.0, 70.0, 0.5, "ranging"),
        (22.0, 70.0, 0.5, "neutral"),  # between the ADX bands
        (30.0, 30.0, 0.9, "volatile"),  # volatility takes precedence
        (30.0, 30.0, math.nan, "trending"),  # volatility window not yet filled
        (math.nan, 30.0, 0.5, "unknown"),
    ],
)
def test_each_bar_is_classified_by_the_written_rule(adx, chop, rank, expected):
    assert classify(adx, chop, rank, P) == expected


def test_a_new_regime_needs_three_bars_in_a_row():
    h = Hysteresis(3, "ranging")
    seen = [
        h.update(raw)
        for raw in [
            "trending",
            "trending",
            "ranging",
            "trending",
            "trending",
            "trending",
            "trending",
        ]
    ]
    assert seen == [None, None, None, None, None, "ranging", None]
    assert h.state == "trending"


def test_interrupted_candidates_start_counting_again():
    h = Hysteresis(3, "neutral")
    for raw in ["trending", "ranging", "trending", "ranging", "trending"]:
        assert h.update(raw) is None
    assert h.state == "neutral"


def bars(closes, spread=0.0005, start_ms=0):
    out, prev = [], closes[0]
    for i, c in enumerate(closes):
        hi, lo = max(prev, c) * (1 + spread), min(prev, c) * (1 - spread)
        out.append(Bar(start_ms + i * MINUTE_MS, prev, hi, lo, c, 1.0, 0.5, 1, i + 1, i + 1))
        prev = c
    return out


def test_a_steady_trend_becomes_trending_three_bars_after_its_rule_first_holds():
    closes = [100.0 * 1.001**i for i in range(60)]
    regime, changes, raws = Regime(1), [], []
    for i, bar in enumerate(bars(closes)):
        change = regime.update(bar)
        raws.append(classify(regime.adx, regime.chop.value, math.nan, P))
        if change:
            changes.append((i, change.before, change.after))
    first = raws.index("trending")
    assert first >= regime.warmup_bars - 1
    assert changes == [(first + 2, "unknown", "trending")]


def test_a_burst_after_a_calm_day_is_volatile():
    rng = random.Random(3)
    params = RegimeParams(window_days=1)  # 1,440 1m bars, sampled every third; a day to fill
    closes, c = [], 100.0
    for i in range(1550):
        c *= math.exp(rng.gauss(0, 0.004 if i >= 1500 else 0.0005))
        closes.append(c)
    regime = Regime(1, params)
    changes = [ch for ch in map(regime.update, bars(closes, spread=0.0)) if ch]
    assert regime.vol_rank > 0.8
    assert changes[-1].after == "volatile" and changes[-1].bar_open_ms >= 1500 * MINUTE_MS
    assert all(ch.after != "volatile" for ch in changes if ch.bar_open_ms < 1500 * MINUTE_MS)


def test_the_tracker_classifies_five_minute_bars_built_from_one_minute_bars():
    closes = [100.0 * 1.0005**i for i in range(400)]
    tracker = RegimeTracker(5)
    for bar in bars(closes):
        tracker.update(bar)
    assert tracker.regime.dmi.ready and tracker.current == "trending"
    assert RegimeTracker.load(tracker.dump()).dump() == tracker.dump()


def test_the_regime_in_force_sets_the_thresholds_multiplier():
    params = ThresholdParams(fee_rate=0.0, spread_rate=0.0)
    thr = DynamicThreshold(params)
    for bar in bars([100.0 * 1.0005**i for i in range(400)]):
        thr.update(bar)
    assert thr.regime.current == "trending"
    sigma = thr.volatility.sigma
    assert thr.value() == pytest.approx(dynamic_threshold(sigma, params, "trending"))
    assert thr.value() == pytest.approx(1.5 * dynamic_threshold(sigma, params))


def test_the_volatility_rank_reported_is_the_one_that_classified_the_last_bar():
    rng = random.Random(8)
    closes, c = [], 100.0
    for i in range(1700):
        c *= math.exp(rng.gauss(0, 0.004 if (i // 100) % 5 == 4 else 0.0005))
        closes.append(c)
    regime = Regime(1, RegimeParams(window_days=1))
    changes = 0
    for bar in bars(closes, spread=0.0):
        change = regime.update(bar)
        if change is not None and not math.isnan(change.vol_rank):
            changes += 1
            assert regime.vol_rank == change.vol_rank
    assert changes >= 3
    assert Regime.load(regime.dump()).vol_rank == regime.vol_rank
