import math
import random

import numpy as np
import pytest

from omega_tasks.core.indicators import Chop, Dmi, RealisedVol, TrailingRank
from omega_tasks.core.types import Bar

# (high, low, close): worked through by hand below with period 2
HAND = [(10.0, 8.0, 9.0), (11.0, 9.0, 10.5), (12.0, 10.0, 11.0), (11.5, 9.0, 9.5), (10.0, 8.0, 8.5)]


def bars_of(rows):
    return [Bar(i * 60_000, c, h, low, c, 1.0, 0.5) for i, (h, low, c) in enumerate(rows)]


def test_dmi_matches_wilders_arithmetic_worked_by_hand():
    dmi = Dmi(2)
    seen = []
    for bar in bars_of(HAND):
        dmi.update(bar)
        seen.append((dmi.di_ready, dmi.ready))
    # TR 2, 2, 2.5, 2 · +DM 1, 1, 0, 0 · −DM 0, 0, 1, 1 (from the second bar on)
    # bar 3 seeds the RMAs: TR 2, +DM 1, −DM 0 → DI+ 50, DI− 0, DX 100
    # bar 4: TR 2.25, +DM 0.5, −DM 0.5 → DX 0 → ADX = mean(100, 0) = 50
    # bar 5: TR 2.125, +DM 0.25, −DM 0.75 → DX 50 → ADX = 50 + (50 − 50) / 2
    assert seen == [(False, False), (False, False), (True, False), (True, True), (True, True)]
    assert dmi.plus_di == pytest.approx(100 * 0.25 / 2.125)
    assert dmi.minus_di == pytest.approx(100 * 0.75 / 2.125)
    assert dmi.adx == pytest.approx(50.0)
    assert dmi.warmup_bars == 4


def test_chop_matches_its_formula_worked_by_hand():
    chop = Chop(2)
    for bar in bars_of(HAND[:4]):
        chop.update(bar)
    # last two true ranges 2 + 2.5 over the range 12 − 9
    assert chop.ready and chop.value == pytest.approx(100 * math.log10(4.5 / 3) / math.log10(2))


def test_chop_of_a_window_without_range_is_fully_choppy():
    chop = Chop(3)
    for bar in bars_of([(5.0, 5.0, 5.0)] * 4):
        chop.update(bar)
    assert chop.value == 100.0


def test_a_steady_climb_has_strong_adx_low_chop_and_di_plus_on_top():
    rows = [(100.0 + i + 1.0, 100.0 + i - 0.2, 100.0 + i + 0.8) for i in range(40)]
    dmi, chop = Dmi(14), Chop(14)
    for bar in bars_of(rows):
        dmi.update(bar)
        chop.update(bar)
    assert dmi.adx > 90 and dmi.minus_di == 0.0 and dmi.plus_di > 60
    assert chop.value < 38.2


def wilder_batch(x, n):
    out = np.full(len(x), np.nan)
    out[n - 1] = x[:n].mean()
    for i in range(n, len(x)):
        out[i] = out[i - 1] + (x[i] - out[i - 1]) / n
    return out


def random_bars(n, seed):
    rng = random.Random(seed)
    rows, c = [], 100.0
    for _ in range(n):
        o = c
        c = o * math.exp(rng.gauss(0, 0.002))
        rows.append(
            (max(o, c) * (1 + rng.random() * 0.001), min(o, c) * (1 - rng.random() * 0.001), c)
        )
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_streaming_equals_the_batch_formulas_after_warm_up(seed):
    n = 14
    rows = random_bars(300, seed)
    h, low, c = (np.array(col) for col in zip(*rows, strict=True))
    tr = np.maximum(h[1:] - low[1:], np.maximum(abs(h[1:] - c[:-1]), abs(low[1:] - c[:-1])))
    up, down = h[1:] - h[:-1], low[:-1] - low[1:]
    plus = np.where((up > down) & (up > 0), up, 0.0)
    minus = np.where((down > up) & (down > 0), down, 0.0)
    atr, p, m = wilder_batch(tr, n), wilder_batch(plus, n), wilder_batch(minus, n)
    di_plus, di_minus = 100 * p / atr, 100 * m / atr
    dx = 100 * abs(di_plus - di_minus) / (di_plus + di_minus)
    adx = np.full(len(dx), np.nan)
    adx[n - 1 :] = wilder_batch(dx[n - 1 :], n)
    chop = np.full(len(tr), np.nan)
    for i in range(n - 1, len(tr)):
        span = h[i - n + 2 : i + 2].max() - low[i - n + 2 : i + 2].min()
        chop[i] = 100 * np.log10(tr[i - n + 1 : i + 1].sum() / span) / np.log10(n)
    r = np.diff(np.log(c))
    rv = np.sqrt(wilder_batch(r * r, n))

    dmi, ch, vol = Dmi(n), Chop(n), RealisedVol(n)
    for i, bar in enumerate(bars_of(rows)):
        dmi.update(bar)
        ch.update(bar)
        vol.update(bar.close)
        if i >= dmi.warmup_bars - 1:
            assert dmi.ready and dmi.adx == pytest.approx(adx[i - 1], rel=1e-9)
            assert dmi.plus_di == pytest.approx(di_plus[i - 1], rel=1e-9)
        if i >= ch.warmup_bars - 1:
            assert ch.value == pytest.approx(chop[i - 1], rel=1e-9)
        if i >= n:
            assert vol.value == pytest.approx(rv[i - 1], rel=1e-9)
    assert not Dmi(n).ready


def test_trailing_rank_is_the_share_of_samples_below_and_forgets_old_ones():
    rank = TrailingRank(capacity=4, min_samples=2)
    rank.add(1.0)
    assert math.isnan(rank.rank(5.0))
    for x in (2.0, 3.0, 4.0, 5.0):
        rank.add(x)
    assert rank.rank(4.5) == 0.75  # 1.0 has left the window: 2, 3, 4 of 2, 3, 4, 5
    assert TrailingRank.load(rank.dump()).rank(4.5) == 0.75


def test_indicators_survive_a_dump_and_load_mid_stream():
    rows = random_bars(60, 9)
    dmi, ch = Dmi(), Chop()
    for bar in bars_of(rows[:30]):
        dmi.update(bar)
        ch.update(bar)
    dmi2, ch2 = Dmi.load(dmi.dump()), Chop.load(ch.dump())
    for bar in bars_of(rows[30:]):
        for ind in (dmi, ch, dmi2, ch2):
            ind.update(bar)
    assert (dmi2.adx, ch2.value) == (dmi.adx, ch.value)
