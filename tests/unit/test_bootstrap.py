import math

import numpy as np
import pytest

from omega_tasks.evaluation.bootstrap import BIN_MS, Timeline
from omega_tasks.evaluation.stats import benjamini_hochberg, verdicts

MINUTES = 2880
TIMES = np.arange(MINUTES) * BIN_MS


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95 %): what the tables used to print."""
    if trials == 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def ar1(rng, n, phi, sigma=1.0):
    """An AR(1) series around 0 started from its stationary law."""
    x = np.empty(n)
    x[0] = rng.normal(0, sigma / math.sqrt(1 - phi * phi))
    shocks = rng.normal(0, sigma, n)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + shocks[i]
    return x


def test_the_block_interval_covers_the_mean_of_an_ar_process_where_the_naive_one_does_not():
    rng = np.random.default_rng(7)
    runs, block, naive = 200, 0, 0
    for run in range(runs):
        x = ar1(rng, MINUTES, phi=0.9)
        got = Timeline(0, int(TIMES[-1]), block_min=60, draws=400, seed=run).mean(TIMES, x)
        block += got.lo <= 0.0 <= got.hi
        half = 1.96 * x.std(ddof=1) / math.sqrt(MINUTES)
        naive += abs(x.mean()) <= half
    print(f"AR(1) φ = 0.9: block bootstrap covers {block / runs:.1%}, i.i.d. {naive / runs:.1%}")
    assert 0.88 <= block / runs <= 0.99
    assert naive / runs < 0.6


def test_the_block_interval_covers_a_share_of_clustered_events_where_wilson_does_not():
    rng = np.random.default_rng(11)
    runs, block, plain = 200, 0, 0
    for run in range(runs):
        # events arrive in bursts, and a burst's outcomes lean together: P(win) = Φ-ish(latent)
        latent = ar1(rng, MINUTES, phi=0.9, sigma=0.5)
        busy = rng.random(MINUTES) < 0.3
        times = np.repeat(TIMES[busy], 3)
        p = 1 / (1 + np.exp(-np.repeat(latent[busy], 3)))
        wins = (rng.random(times.size) < p).astype(float)
        got = Timeline(0, int(TIMES[-1]), block_min=60, draws=400, seed=run).mean(times, wins)
        block += got.lo <= 0.5 <= got.hi
        lo, hi = wilson(int(wins.sum()), wins.size)
        plain += lo <= 0.5 <= hi
    print(f"clustered wins: block bootstrap covers {block / runs:.1%}, Wilson {plain / runs:.1%}")
    assert 0.88 <= block / runs <= 0.99
    assert plain / runs < 0.8


def test_a_difference_is_redrawn_on_the_same_minutes_and_tests_zero():
    rng = np.random.default_rng(3)
    line = Timeline(0, int(TIMES[-1]), block_min=30, draws=1000, seed=0)
    common = ar1(rng, MINUTES, phi=0.9)
    same = line.difference(TIMES, common + rng.normal(0, 0.1, MINUTES), TIMES, common)
    shifted = line.difference(TIMES, common + 0.5 + rng.normal(0, 0.1, MINUTES), TIMES, common)
    # a shared wander cancels in the difference: the interval is narrow around the truth
    assert same.lo <= 0 <= same.hi and same.hi - same.lo < 0.05 and same.p_value > 0.05
    assert shifted.lo <= 0.5 <= shifted.hi and shifted.p_value < 0.01


@pytest.mark.parametrize("shift", [0.0, 0.02, 0.05, 0.1])
def test_a_difference_is_significant_exactly_when_its_interval_leaves_zero(shift):
    # heavy right tail: a centred test and the percentile interval would disagree here
    rng = np.random.default_rng(9)
    line = Timeline(0, int(TIMES[-1]), block_min=60, draws=1000, seed=2)
    values = rng.pareto(1.5, MINUTES) * 0.05 + shift
    base = rng.pareto(1.5, MINUTES) * 0.05
    got = line.difference(TIMES, values, TIMES, base)
    assert (got.lo > 0 or got.hi < 0) == (got.p_value <= 0.05 + 1e-9)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another():
    x = ar1(np.random.default_rng(1), MINUTES, phi=0.5)
    one = Timeline(0, int(TIMES[-1]), seed=4).mean(TIMES, x)
    assert one == Timeline(0, int(TIMES[-1]), seed=4).mean(TIMES, x)
    assert one != Timeline(0, int(TIMES[-1]), seed=5).mean(TIMES, x)


def test_a_ratio_of_means_tests_one():
    rng = np.random.default_rng(2)
    line = Timeline(0, int(TIMES[-1]), block_min=60, draws=500)
    base = np.abs(rng.normal(0, 1, MINUTES))
    doubled = line.ratio(TIMES[::2], 2 * base[::2], TIMES, base)
    assert doubled.lo < 2 < doubled.hi and doubled.p_value < 0.01
    assert line.ratio(TIMES[::2], base[::2], TIMES, base).p_value > 0.05


def test_events_outside_the_timeline_and_empty_rows_are_told_apart():
    line = Timeline(0, 10 * BIN_MS)
    with pytest.raises(ValueError, match="outside"):
        line.mean([11 * BIN_MS], [1.0])
    assert not line.mean([], []).known
    assert math.isnan(line.difference([0], [1.0], [], []).p_value)


def test_a_row_of_few_events_gets_its_value_but_no_interval_and_no_test():
    line = Timeline(0, int(TIMES[-1]), seed=0)
    few = line.difference(TIMES[:29], np.ones(29), TIMES, np.zeros(MINUTES))
    assert few.value == 1.0 and math.isnan(few.lo) and math.isnan(few.p_value)
    assert verdicts([few]) == (["too few"], 0)
    enough = line.difference(TIMES[:300:10], np.ones(30), TIMES, np.zeros(MINUTES))
    assert enough.p_value < 0.01


def test_benjamini_hochberg_rejects_what_the_step_up_rule_says():
    # the textbook example: the largest i with p_(i) ≤ i/m·q is i = 4 (0.012 ≤ 4/10·0.05 = 0.02)
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.060, 0.074, 0.205, 0.212, 0.216]
    assert benjamini_hochberg(p, q=0.05) == [True, True] + [False] * 8
    p = [0.010, 0.011, 0.012, 0.013, 0.9]
    assert benjamini_hochberg(p, q=0.05) == [True, True, True, True, False]
    assert benjamini_hochberg([0.2, math.nan, 0.01], q=0.05) == [False, False, True]


def test_a_table_with_planted_effects_says_yes_where_they_are_and_counts_what_it_tested():
    rng = np.random.default_rng(5)
    line = Timeline(0, int(TIMES[-1]), block_min=60, draws=1000, seed=1)
    base = (rng.random(MINUTES) < 0.5).astype(float)
    edges = []
    for effect in (0.15, -0.15, *([0.0] * 14)):
        wins = (rng.random(MINUTES) < 0.5 + effect).astype(float)
        edges.append(line.difference(TIMES, wins, TIMES, base))
    edges.append(line.difference([], [], TIMES, base))
    said, tested = verdicts(edges)
    assert said[:2] == ["yes", "no (worse)"]
    assert said[2:16] == ["no (within)"] * 14
    assert said[16] == "" and tested == 16
