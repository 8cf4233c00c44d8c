import argparse
from dataclasses import replace

import pytest

from omega_tasks.core.types import Finding
from omega_tasks.evaluation import fib
from omega_tasks.evaluation.data import load
from tests.conftest import data_file

CANDLES = "klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"


def touch(trade_id, key, time_ms=0, target="level", ratios=(0.618,)):
    return Finding("touch", trade_id, time_ms, {"target": target, "ratios": list(ratios),
                                                "timeframes": ["5m"], "score": 1.0}, key)


def test_each_touch_is_paired_with_its_own_reaction_and_late_touches_are_dropped():
    found = [
        touch(10, "5m:0.618"),
        touch(11, "5m:0.618"),
        Finding("reaction", 15, 0, {}, "5m:0.618:11"),
        touch(20, "5m:0.5", time_ms=10_000),
    ]
    seen = fib.touches(found, until_ms=5_000)
    assert [t.reacted for t in seen] == [False, True]


def test_leg_ratios_follow_consecutive_legs_of_one_timeframe():
    def leg(tf, start, end):
        return Finding("leg", 1, 0, {"timeframe": tf, "start_price": start, "end_price": end})

    found = [leg("1m", 100, 200), leg("5m", 50, 60), leg("1m", 200, 138.2),
             leg("1m", 200, 120), leg("1m", 120, 180)]
    assert [r for _, r in fib.leg_ratios(found)] == pytest.approx([0.618, 0.75])


def test_the_evaluation_prints_every_ratio_beside_the_shuffled_ones_on_real_candles():
    data = load(data_file(CANDLES))
    three_days = replace(data, trades=data.trades[: 4 * 1440 * 3])
    args = argparse.Namespace(reaction_bars=5, touch_atr=0.1, block_min=120, seed=0)
    out = fib.run(three_days, args)
    for label in ("fibonacci 0.618", "fibonacci 1.618", "shuffled 0.45", "shuffled 1.45",
                  "fibonacci: confluence zones", "shuffled: single levels", "0.618 (golden"):
        assert label in out
    assert "n/a" not in out.split("fibonacci: single levels")[1].splitlines()[0]
    rows = {cells[0]: cells for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
        if line.startswith("| fibonacci") or line.startswith("| shuffled"))}
    # every Fibonacci row is tested against a shuffled one; shuffled rows are the baselines
    said = [r[5] for k, r in rows.items() if k.startswith("fibonacci")]
    assert len(said) == 9 and set(said) <= {"yes", "no (worse)", "no (within)", "too few"}
    assert all(r[5] == "" for k, r in rows.items() if k.startswith("shuffled"))
    tested = sum(1 for word in said if word != "too few")
    assert tested >= 6 and f"across the {tested} rows tested" in out
    golden = out.split("leg ratios; ")[1]
    assert "| 0.55 " in golden and "golden more common" in golden
