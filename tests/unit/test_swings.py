import pytest

from omega_tasks.core.swings import Fractal, ZigZag
from omega_tasks.core.types import MINUTE_MS, Bar


def bars_from_highs(highs):
    return [Bar(i * MINUTE_MS, h - 1, h, h - 2, h - 1, 1.0, 0.5) for i, h in enumerate(highs)]


def test_a_swing_high_is_emitted_when_the_third_bar_after_it_closes():
    fractal = Fractal(k=3)
    highs = [10, 11, 12, 15, 13, 12, 11, 10]
    emitted = [(i, s) for i, bar in enumerate(bars_from_highs(highs)) for s in fractal.update(bar)]
    highs_found = [(i, s) for i, s in emitted if s.kind == "high"]
    assert len(highs_found) == 1
    at, swing = highs_found[0]
    assert at == 6 and swing.price == 15 and swing.pivot_ms == 3 * MINUTE_MS
    assert swing.confirmed_ms == 7 * MINUTE_MS


def test_a_higher_high_within_k_bars_denies_the_swing():
    fractal = Fractal(k=3)
    highs = [10, 11, 12, 15, 13, 16, 11, 10, 9, 8]
    found = [s.price for b in bars_from_highs(highs) for s in fractal.update(b) if s.kind == "high"]
    assert found == [16]


def test_a_restored_fractal_confirms_the_same_swings():
    bars = bars_from_highs([10, 11, 12, 15, 13, 12, 11, 10, 12, 14])
    whole = Fractal()
    expected = [s for b in bars for s in whole.update(b)]
    first = Fractal()
    got = [s for b in bars[:5] for s in first.update(b)]
    second = Fractal.load(first.dump())
    got += [s for b in bars[5:] for s in second.update(b)]
    assert got == expected


def bar(i, high, low):
    return Bar(i * MINUTE_MS, (high + low) / 2, high, low, (high + low) / 2, 1.0, 0.5, 1)


def test_the_zigzag_step_is_the_larger_of_its_floor_and_m_atr_over_close():
    zigzag = ZigZag(step_rate=0.002, m=3.0)
    assert zigzag.step(1000.0, 0.1) == 0.002
    assert zigzag.step(1000.0, 2.0) == pytest.approx(0.006)


def test_a_zigzag_swing_is_emitted_when_price_has_reversed_by_the_step():
    zigzag = ZigZag(step_rate=0.01, m=0.0)
    ranges = [(100, 99), (102, 100), (105, 103), (104.5, 104), (104.2, 103.96), (104, 103.9)]
    found = [(i, s) for i, (h, lo) in enumerate(ranges) for s in zigzag.update(bar(i, h, lo), 0)]
    assert [(i, s.kind, s.price) for i, s in found] == [(1, "low", 99), (5, "high", 105)]
    assert found[1][1].pivot_ms == 2 * MINUTE_MS and found[1][1].confirmed_ms == 6 * MINUTE_MS


def test_a_zigzag_reversal_smaller_than_a_step_confirms_nothing():
    zigzag = ZigZag(step_rate=0.05, m=0.0)
    assert [s for i, h in enumerate([100, 103, 101, 104, 100.5])
            for s in zigzag.update(bar(i, h, h - 0.5), 0)] == []


def test_a_restored_zigzag_confirms_the_same_swings():
    ranges = [(100 + 3 * ((i // 4) % 2) + 0.1 * i, 99 + 3 * ((i // 4) % 2)) for i in range(30)]
    whole = ZigZag(0.01, 0.0)
    expected = [s for i, r in enumerate(ranges) for s in whole.update(bar(i, *r), 0)]
    part = ZigZag(0.01, 0.0)
    got = [s for i, r in enumerate(ranges[:13]) for s in part.update(bar(i, *r), 0)]
    part = ZigZag.load(part.dump())
    got += [s for i, r in enumerate(ranges[13:], 13) for s in part.update(bar(i, *r), 0)]
    assert got == expected and len(expected) >= 4
