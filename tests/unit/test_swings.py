from omega_tasks.core.swings import Fractal
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
