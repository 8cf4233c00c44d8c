"""``omega evaluate ml`` on real candles: every fold beside its baselines, and no leak."""

import argparse

import pytest

from omega_tasks.evaluation import ml
from omega_tasks.evaluation.data import load
from tests.conftest import data_file

CANDLES = "klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"


@pytest.mark.data
def test_the_walk_forward_table_sits_beside_the_baselines_and_shows_no_leak():
    data = load(data_file(CANDLES))
    args = argparse.Namespace(horizon_bars=5, train_days=3.0, test_days=7.0, seed=0,
                              block_min=1440)
    out = ml.run(data, args)
    by_fold, overall = out.split("\n\n")[1:3]
    assert len(by_fold.splitlines()) == 2 + 4  # header, rule, one row per 7-day block
    rows = {line.split("|")[1].strip(): line for line in overall.splitlines()[2:]}
    assert set(rows) == {"model", "majority", "persistence", "random"}
    directional = float(rows["model"].split("|")[4].strip(" %"))
    assert 45.0 < directional < 60.0, "a model this good at minute horizons has a leak"
    balanced = [float(rows[m].split("|")[3].strip(" %")) for m in ("model", "majority")]
    assert balanced[1] == pytest.approx(100 / 3, abs=0.1)
    assert "test labels: up" in out
    patterns = out.split("\n\n")[4].splitlines()
    assert len(patterns) == 2 + 8 + 1  # header, rule, each pattern, all bars
    assert patterns[-1].startswith("| all ") and "100.0 %" in patterns[-1]
    edges = out.split("\n\n")[6].splitlines()
    assert len(edges) == 2 + 6 and "across the 6 rows tested" in out.split("\n\n")[5]
    # the model's edge is telling a move from none: it beats majority on log-loss
    majority = next(r for r in edges if "majority − model" in r)
    assert majority.rstrip(" |").endswith("yes")
