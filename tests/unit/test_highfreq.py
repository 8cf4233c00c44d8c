import itertools
import random

import pytest

from omega_tasks.core.highfreq import Burst, BurstParams
from omega_tasks.core.sweeps import SweepDetector
from omega_tasks.core.threshold import dynamic_threshold
from omega_tasks.core.types import MINUTE_MS, Bar

T0 = 1_736_208_000_000
SIGMA = 0.001  # 1m σ: CUSUM events at 0.2 % moves


def primed(**overrides) -> Burst:
    """A burst detector whose realised-variance history says quiet minutes are calm."""
    burst = Burst(BurstParams(rv_min_bars=3, **overrides))
    for _ in range(5):
        burst.on_bar()  # an empty window: realised variance 0, so 0 is the quantile
    return burst


def feed(burst: Burst, start_s: int, prices: list[float]) -> list:
    found = []
    for n, price in enumerate(prices):
        found += burst.on_trade(T0 + (start_s + n) * 1000, price, SIGMA)
    return found


def chop(seconds: int, amplitude: float = 0.003) -> list[float]:
    """Swing ±``amplitude`` every three seconds around 100, going nowhere."""
    return [100.0 * (1 + amplitude if (n // 3) % 2 else 1 - amplitude) for n in range(seconds)]


def test_a_chop_burst_turns_the_mode_on_with_its_evidence():
    burst = primed()
    found = feed(burst, 0, chop(40))
    assert [f.kind for f in found] == ["hf_mode_on"]
    ev = found[0].evidence
    assert ev["reason"] == "chop" and ev["reversals"] >= 2
    assert ev["efficiency_ratio"] < 0.3 and ev["realised_variance"] > 0
    assert burst.on


def test_the_mode_turns_off_after_a_quiet_period_at_the_first_trade_after_it():
    burst = primed(quiet_s=120)
    on = feed(burst, 0, chop(40))
    assert feed(burst, 40, [100.0] * 100) == []  # the chop leaves the window after 60 s
    last = burst.last_burst_ms
    assert burst.on_trade(last + 119_999, 100.0, SIGMA) == []
    off = burst.on_trade(last + 120_000, 100.0, SIGMA)
    assert [f.kind for f in off] == ["hf_mode_off"] and not burst.on
    assert off[0].evidence["on_ms"] == on[0].time_ms


def test_a_steady_trend_is_no_burst():
    burst = primed()
    assert feed(burst, 0, [100.0 * 1.0005**n for n in range(120)]) == []


def test_a_chop_smaller_than_the_cusum_step_is_no_burst():
    burst = primed()
    assert feed(burst, 0, [100.0 * (1.0004 if (n // 3) % 2 else 0.9996)
                           for n in range(120)]) == []


def test_realised_variance_must_beat_its_trailing_quantile():
    burst = Burst(BurstParams(rv_min_bars=3))
    feed(burst, 0, chop(61, 0.005))
    for _ in range(5):
        burst.on_bar()  # every trailing minute was choppier than what follows
    feed(burst, 61, [100.0] * 200)  # the mode, on since the choppier minutes, goes off
    assert not burst.on
    assert feed(burst, 261, chop(60)) == []


def test_sweeps_of_a_high_and_a_low_within_the_window_turn_the_mode_on():
    burst = primed()
    assert burst.note_sweep(T0, 1) == []
    assert burst.note_sweep(T0 + 30_000, 1) == []
    found = burst.note_sweep(T0 + 59_000, -1)
    assert [f.kind for f in found] == ["hf_mode_on"]
    assert found[0].evidence["reason"] == "sweeps"
    late = primed()
    late.note_sweep(T0, 1)
    assert late.note_sweep(T0 + 60_000, -1) == []


def test_a_restored_burst_detector_continues_exactly():
    prices = chop(30) + [100.0] * 200
    whole = primed()
    expected = feed(whole, 0, prices)
    part = primed()
    got = feed(part, 0, prices[:17])
    part = Burst.load(part.dump())
    got += feed(part, 17, prices[17:])
    assert got == expected and part.dump() == whole.dump()


def test_the_mode_scales_the_threshold_the_trap_rules_use():
    detector = SweepDetector()
    for i in range(40):
        close = 100.0 * (1.002 if i % 2 else 0.998)
        detector.on_bar(Bar(T0 + i * MINUTE_MS, 100.0, 100.3, 99.7, close, 1.0, 0.5, 3))
    off = detector.context().threshold
    detector.burst.on = True
    assert detector.context().threshold == pytest.approx(0.6 * off)
    assert detector.context().hf_mode and off > detector.threshold.volatility.params.floor


def test_the_trap_rules_use_the_threshold_of_the_regime_in_force():
    detector = SweepDetector()
    for i in range(400):  # a steady climb: the 5m regime leaves "unknown"
        close = 100.0 * 1.0004 ** i * (1.0003 if i % 2 else 0.9997)
        detector.on_bar(Bar(T0 + i * MINUTE_MS, close, close * 1.0005, close * 0.9995, close,
                            1.0, 0.5, 3))
    regime = detector.threshold.regime.current
    ctx = detector.context()
    assert regime != "unknown" and ctx.regime == regime
    params = detector.threshold.volatility.params
    assert ctx.threshold == dynamic_threshold(detector.sigma, params, regime)


def test_the_reversal_count_follows_flips_entering_and_leaving_the_window():
    rng = random.Random(4)
    burst, price = primed(), 100.0
    for second in range(0, 900, 1 + rng.randrange(3)):  # gaps of up to 3 s between trades
        price *= 1 + rng.choice((-1, 1)) * rng.uniform(0.0005, 0.004)
        burst.on_trade(T0 + second * 1000, price, SIGMA)
        signs = [s for _, s in burst.flips]
        assert burst.reversals() == sum(a != b for a, b in itertools.pairwise(signs))
    assert len(burst.flips) > 3 and burst.reversals() > 0
