import argparse

import numpy as np
import pytest

from omega_tasks.core.candles import trades_from_bars
from omega_tasks.evaluation import volatility
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.vol_baselines import har, moved, realised, squared_returns
from tests.market import bars_from_returns
from tests.unit.test_volatility import garch_returns

ARGS = argparse.Namespace(train_days=2.0, test_days=1.0, skip_days=1.0, block_min=240, seed=0)
DAYS = 6


def verdicts_of(out):
    """(horizon, difference) -> verdict, from the loss-difference table."""
    table = out.split("loss differences")[1].split("\n\n")[1]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table.splitlines()[2:]]
    return {(r[0], r[1]): r[3] for r in rows}


def run(returns):
    bars = bars_from_returns(returns, seed=1)
    return volatility.run(MarketData(trades_from_bars(bars), True, "planted"), ARGS)


def test_on_clustered_volatility_the_forecast_beats_the_ewma_and_says_so():
    out = run(garch_returns(DAYS * 1440, seed=4))
    said = verdicts_of(out)
    for h in ("5 min", "15 min", "60 min"):
        assert said[(h, "QLIKE: ewma − forecast")] == "yes", out
    assert "across the 18 rows tested" in out and "blocks of 240 min" in out


def test_on_a_random_walk_with_constant_sigma_it_claims_no_edge_over_the_har_fit():
    # with nothing to forecast, the HAR fit (a long mean) is as good as it gets: no edge over
    # it, and no explained variation. (The EWMA is beaten even here, honestly: a span-100
    # estimate of a constant σ² is noisier than a day-long one.)
    out = run(np.random.default_rng(8).normal(0, 0.0008, DAYS * 1440))
    said = verdicts_of(out)
    for h in ("5 min", "15 min", "60 min"):
        assert said[(h, "QLIKE: har − forecast")] != "yes", out
        assert said[(h, "MSE log: har − forecast")] != "yes", out
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
             if line.startswith("| ")]
    scores = [r for r in cells if len(r) == 6 and r[1] == "forecast"]
    assert len(scores) == 3 and all(float(r[5]) < 0.05 for r in scores), out


def test_the_baselines_use_only_what_was_known_before_each_block():
    squares = squared_returns(np.exp(np.cumsum(garch_returns(3000, seed=2))))
    full = har(squares, 15, 1000, 200, 1200)
    # changing everything after bar 1,599 cannot change a forecast made before it
    changed = squares.copy()
    changed[1600:] *= 50
    assert np.array_equal(full[:1600], har(changed, 15, 1000, 200, 1200)[:1600], equal_nan=True)
    assert np.isnan(full[:1200]).all() and np.isfinite(full[1200:2985]).all()
    truth = realised(squares, 5)
    assert truth[10] == pytest.approx(squares[11:16].sum()) and np.isnan(truth[-5:]).all()


def test_a_move_is_a_threshold_reached_within_the_window_either_way():
    closes = np.array([100.0, 100.0, 100.0, 100.0])
    highs = np.array([100.0, 100.5, 100.0, 101.2])
    lows = np.array([100.0, 99.9, 99.0, 100.0])
    thr = np.array([0.01, 0.01, 0.005, np.nan])
    got = moved(highs, lows, closes, thr, 2)
    assert got[0] == 1.0 and got[1] == 1.0 and np.isnan(got[2:]).all()
    assert moved(highs, lows, closes, np.full(4, 0.02), 3)[0] == 0.0


def test_a_file_too_short_to_score_says_so():
    out = run(garch_returns(300, seed=1))
    assert "299 closed 1m bars, too few: scoring starts at bar 4,380" in out
