import json
import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from omega_tasks.core.analysis import Fold
from omega_tasks.core.threshold import ThresholdAnalysis, regime_multiplier
from omega_tasks.core.trends import TimeframeTrend, TrendAnalysis
from omega_tasks.core.types import MINUTE_MS, Bar
from tests.unit.test_fold import make_trades, run_in_pieces

# long minutes and runs of one sign, so regimes form and change within a few hundred trades
legs = st.lists(
    st.tuples(
        st.integers(1, 40), st.integers(20_000, 90_000), st.floats(-3, 3), st.sampled_from([1, -1])
    ),
    min_size=1,
    max_size=12,
)


def trades_of(legs):
    steps = [
        (dt, round(dp + (0.3 if i % 2 else -0.3), 2), side)
        for n, dt, dp, side in legs
        for i in range(n)
    ]
    return make_trades(steps)


@settings(max_examples=40, deadline=None)
@given(legs, st.lists(st.integers(0, 500), max_size=8))
def test_batches_of_any_size_give_the_same_regime_changes_and_state(legs, cuts):
    trades = trades_of(legs)
    for kind in (TrendAnalysis, ThresholdAnalysis):
        whole = Fold(kind())
        expected = whole.feed(trades)
        assert run_in_pieces(kind, trades, cuts) == (expected, whole.dump())


@settings(max_examples=30, deadline=None)
@given(legs, st.integers(0, 500))
def test_a_prefix_of_the_trades_gives_a_prefix_of_the_regime_changes(legs, cut):
    trades = trades_of(legs)
    full = Fold(TrendAnalysis()).feed(trades)
    part = Fold(TrendAnalysis()).feed(trades[: cut % (len(trades) + 1)])
    assert part == full[: len(part)]


def climb(n, step=1.0005, start_ms=0):
    out, prev = [], 100.0
    for i in range(n):
        c = prev * step
        out.append(
            Bar(
                start_ms + i * MINUTE_MS,
                prev,
                c * 1.0002,
                prev * 0.9998,
                c,
                1.0,
                0.6,
                3,
                3 * i + 1,
                3 * i + 3,
            )
        )
        prev = c
    return out


def test_a_long_climb_points_every_timeframe_up_and_trends():
    analysis = TrendAnalysis()
    found = []
    for bar in climb(240 * 30):
        found += analysis.on_bar(bar) or []
    view = analysis.view()
    assert view["alignment"] == 1.0
    assert view["directions"] == "1m:+ 5m:+ 15m:+ 1h:+ 4h:+"
    assert all(tf["regime"] == "trending" for tf in view["timeframes"].values())
    firsts = {f.evidence["timeframe"]: f for f in found}
    assert set(firsts) == {"1m", "5m", "15m", "1h", "4h"}
    assert all(f.kind == "regime_change" and f.evidence["to"] == "trending" for f in found)
    one_hour = firsts["1h"]
    assert one_hour.time_ms == one_hour.evidence["bar_open_ms"] + 60 * MINUTE_MS
    json.dumps(view)


def test_a_fresh_analysis_claims_no_direction():
    view = TrendAnalysis().view()
    assert view["alignment"] is None and view["regime"] == "unknown"
    assert view["directions"] == "1m:? 5m:? 15m:? 1h:? 4h:?"
    assert view["timeframes"]["4h"]["adx14"] is None


def test_a_fall_points_down_and_alignment_counts_only_warm_timeframes():
    analysis = TrendAnalysis()
    for bar in climb(200, step=0.9995):
        analysis.on_bar(bar)
    # 1m and 5m are warm (20 bars of EMA); 15m (13 bars) and above are not
    assert analysis.view()["directions"] == "1m:- 5m:- 15m:? 1h:? 4h:?"
    assert analysis.alignment() == -1.0


def test_a_timeframe_has_a_direction_exactly_after_its_declared_warm_up():
    trend = TimeframeTrend(1)
    assert trend.warmup_bars == 20
    for i, bar in enumerate(climb(25)):
        trend.update(bar)
        assert trend.ready == (i + 1 >= trend.warmup_bars)
        assert (trend.direction == 1) == trend.ready


def test_the_threshold_applies_the_5m_regime_the_trend_reports_at_every_bar():
    rng = random.Random(4)
    trend, threshold = TrendAnalysis(), ThresholdAnalysis()
    close, seen = 100.0, set()
    for i in range(3 * 1440):  # calm and wild hours, drifting up or down by the hour
        hour = i // 60
        sigma = 0.003 if hour % 7 == 3 else 0.0006
        drift = 0.0004 * ((hour % 3) - 1)
        prev, close = close, close * math.exp(drift + rng.gauss(0, sigma))
        bar = Bar(i * MINUTE_MS, prev, max(prev, close) * 1.0003, min(prev, close) * 0.9997,
                  close, 1.0, 0.5, 1, i + 1, i + 1)
        trend.on_bar(bar)
        threshold.on_bar(bar)
        regime = trend.trend("5m").regime.regime
        assert threshold.threshold.regime.current == regime
        seen.add(regime)
        params = threshold.threshold.volatility.params
        assert threshold.view()["threshold"] == max(
            params.floor,
            params.k * threshold.threshold.volatility.sigma * math.sqrt(params.horizon_bars)
            * regime_multiplier(regime, params))
    assert {"trending", "volatile", "neutral"} <= seen
