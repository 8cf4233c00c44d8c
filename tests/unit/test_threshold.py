import itertools
import math

import pytest

from omega_tasks.core.analysis import Fold
from omega_tasks.core.threshold import (
    ThresholdAnalysis,
    ThresholdParams,
    Volatility,
    dynamic_threshold,
)
from omega_tasks.core.types import MINUTE_MS, Bar


def test_the_threshold_is_k_sigma_root_h_times_the_regime_multiplier():
    p = ThresholdParams(k=1.5, horizon_bars=4, fee_rate=0.0, spread_rate=0.0)
    assert dynamic_threshold(0.001, p) == pytest.approx(1.5 * 0.001 * 2)
    assert dynamic_threshold(0.001, p, "trending") == pytest.approx(1.5 * 0.001 * 2 * 1.5)
    assert dynamic_threshold(0.001, p, "volatile") == pytest.approx(1.5 * 0.001 * 2 * 0.75)
    assert dynamic_threshold(0.001, p, "ranging") == pytest.approx(1.5 * 0.001 * 2)
    assert dynamic_threshold(0.001, p, hf_mode=True) == pytest.approx(1.5 * 0.001 * 2 * 0.6)


def test_the_threshold_never_falls_below_twice_fees_plus_spread():
    p = ThresholdParams(fee_rate=0.0005, spread_rate=0.0001)
    assert dynamic_threshold(0.0, p) == pytest.approx(0.0011)


def test_k_outside_one_to_two_is_refused():
    with pytest.raises(ValueError):
        ThresholdParams(k=2.5)


def test_sigma_uses_closed_bar_log_returns_only():
    vol = Volatility(ThresholdParams(span_bars=3))
    closes = [100.0, 101.0, 99.0, 102.0]
    for i, c in enumerate(closes):
        vol.update(Bar(i * MINUTE_MS, c, c, c, c, 1.0, 0.5))
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    mean, var = returns[0], 0.0
    for r in returns[1:]:
        d = r - mean
        mean += 0.5 * d
        var = 0.5 * (var + d * 0.5 * d)
    assert vol.sigma == pytest.approx(math.sqrt(var))


def test_the_analysis_is_cold_until_warm_up_then_reports_the_threshold_in_price():
    fold = Fold.start(ThresholdAnalysis(), [
        Bar(i * MINUTE_MS, 100.0, 100.2, 99.8, 100.0 + (i % 2) * 0.1, 1.0, 0.5)
        for i in range(40)
    ])
    view = fold.analysis.view()
    assert view["warm"] and view["bars"] == 40
    assert view["threshold_price"] == pytest.approx(view["threshold"] * view["close"])
    assert view["threshold"] >= view["floor"]
    assert ThresholdAnalysis().view()["warm"] is False
