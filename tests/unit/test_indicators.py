import math

import pytest

from omega_tasks.core.indicators import Atr, Ewm, Wilder, true_range
from omega_tasks.core.types import Bar


def test_ewm_matches_the_recursive_formula_written_out():
    xs = [0.01, -0.02, 0.005, 0.0, 0.03]
    ewm = Ewm(span=3)  # alpha = 0.5
    for x in xs:
        ewm.update(x)
    mean, var = xs[0], 0.0
    for x in xs[1:]:
        diff = x - mean
        mean += 0.5 * diff
        var = 0.5 * (var + diff * 0.5 * diff)
    assert ewm.mean == pytest.approx(mean)
    assert ewm.std == pytest.approx(math.sqrt(var))


def test_wilder_is_seeded_with_the_simple_mean_then_smooths_by_one_over_period():
    rma = Wilder(3)
    for x in (3.0, 6.0):
        rma.update(x)
    assert not rma.ready and math.isnan(rma.value)
    assert rma.update(9.0) == 6.0
    assert rma.update(12.0) == pytest.approx(6.0 + (12.0 - 6.0) / 3)


def test_true_range_reaches_back_to_the_previous_close():
    bar = Bar(0, 10.0, 12.0, 9.0, 11.0, 1.0, 0.5)
    assert true_range(bar, None) == 3.0
    assert true_range(bar, 15.0) == 6.0
    assert true_range(bar, 5.0) == 7.0


def test_atr14_of_a_constant_range_is_that_range():
    atr = Atr(14)
    for i in range(20):
        atr.update(Bar(i, 100.0, 101.0, 99.0, 100.0, 1.0, 0.5))
    assert atr.ready and atr.value == pytest.approx(2.0)
