"""The block bootstrap and Benjamini–Hochberg, on data whose answer is known."""

import numpy as np

from omega_tasks.evaluation import resampling


def ar1(n, phi, seed):
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = rng.normal()
    for i in range(1, n):
        x[i] = phi * x[i - 1] + rng.normal()
    return x


def test_block_intervals_cover_the_true_mean_of_a_clustered_series_where_naive_ones_do_not():
    times = np.arange(2_000) * 1_000  # one value a second, strongly autocorrelated
    block, naive = 0, 0
    for seed in range(40):
        x = ar1(len(times), 0.9, seed)
        lo, hi = resampling.mean(x, times, 100_000, seed).interval
        block += lo <= 0.0 <= hi
        lo, hi = resampling.mean(x, times, 1_000, seed).interval  # blocks of one value
        naive += lo <= 0.0 <= hi
    assert block >= 32 and naive <= 28  # ~95 % against the ~55 % that independence gives


def test_a_difference_resamples_both_sets_over_the_same_blocks():
    times = np.arange(600) * 1_000
    shared = np.repeat(np.random.default_rng(1).normal(0, 5, 60), 10)  # a state both see
    a = shared + 1.0
    b = shared + np.random.default_rng(2).normal(0, 0.1, 600)
    d = resampling.difference(a, times, b, times, 10_000)
    assert 0.9 < d.interval[0] < d.value < d.interval[1] < 1.1
    assert d.p_value < 0.001
    lo, hi = resampling.mean(a, times, 10_000).interval
    assert hi - lo > 50 * (d.interval[1] - d.interval[0])  # alone, the shared state shows


def test_too_few_values_or_blocks_give_no_interval_and_no_verdict():
    assert resampling.mean(np.ones(9), np.arange(9) * 60_000, 1_000).interval is None
    assert resampling.mean(np.ones(50), np.zeros(50, dtype=np.int64), 1_000).interval is None
    assert resampling.difference(np.ones(50), np.arange(50), np.ones(3), np.arange(3),
                                 1).p_value is None
    assert resampling.mean(np.array([np.nan]), np.array([0]), 1).text("{:.1f}") == "none"


def test_benjamini_hochberg_rejects_the_step_up_set():
    # sorted: 0.001 0.008 0.039 0.041 0.042 0.06 ...; with m = 8, q = 0.05, the largest
    # k with p(k) <= k q / m is k = 2 (0.008 <= 0.0125; 0.039 > 0.01875, ...)
    p = [0.041, 0.001, 0.06, 0.008, 0.039, 0.042, 0.5, 0.9]
    assert resampling.benjamini_hochberg(p) == [False, True, False, True, False, False, False,
                                                False]
    assert resampling.benjamini_hochberg([0.01, 0.02, 0.03, 0.04]) == [True] * 4
    assert resampling.benjamini_hochberg([]) == []
