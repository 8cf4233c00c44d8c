import argparse
from collections import Counter

import numpy as np
import pytest

from omega_tasks.core.fibonacci import NEAR_ATR
from omega_tasks.core.regime import REGIMES
from omega_tasks.core.sweeps import TRAP_KINDS, SweepParams
from omega_tasks.evaluation import traps
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import thresholds
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams

ARGS = argparse.Namespace(horizon_min=30, draws=5, seed=0, trap_bars=3, epsilon_atr=0.05, k=1.5,
                          entry="trade", block_min=30)


@pytest.fixture(scope="module")
def market():
    trades = simulate(SimulationParams(seed=3, hours=6.0)).trades
    return trades, traps.detect(trades, SweepParams())


def rows(out):
    return {cells[0]: cells for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
        if line.startswith("| ") and "per day" not in line)}


def test_the_table_counts_every_kind_the_detector_found(market):
    trades, found = market
    out = traps.run(MarketData(trades, False, "sim"), ARGS)
    table = rows(out)
    days = (trades.times_ms[-1] - trades.times_ms[0]) / 86_400_000
    counts = Counter(f.kind for f in found)
    assert counts["liquidity_grab_high"] and counts["hf_mode_on"]
    for kind in (*traps.KINDS, traps.OFF):
        assert table[kind][1] == f"{counts[kind] / days:.1f}"
    grabs = int(table["all grabs"][2].replace(",", ""))
    assert grabs == int(table["liquidity_grab_high"][2]) + int(table["liquidity_grab_low"][2])
    assert "%" in table["all grabs"][3] and "%" in table["all grabs"][4]
    # every scored row has a difference and a corrected verdict, and the heading counts them
    tested = [r for r in table.values() if r[6] in ("yes", "no (worse)", "no (within)")]
    assert all("[" in r[5] for r in tested) and table[traps.OFF][6] == ""
    assert f"across the {len(tested)} rows tested" in out
    assert "blocks of 30 min" in out


def test_claims_point_against_the_move_and_keep_only_full_horizons(market):
    trades, found = market
    in_force = thresholds(trades)
    horizon_ms = 30 * 60_000
    made = traps.claims(trades, found, in_force, horizon_ms, 60)
    times, prices = np.asarray(trades.times_ms), np.asarray(trades.prices)
    assert made and all(times[c.signal.index] + horizon_ms <= times[-1] for c in made)
    by_id = {f.trade_id: f for f in found if f.kind != traps.ON}
    for c in made:
        i = c.signal.index
        if c.signal.kind == traps.ON:
            before = int(np.searchsorted(times, times[i] - 60_000))
            assert c.signal.direction == -np.sign(prices[i] - prices[before])
        else:
            ev = by_id[trades.ids[i]].evidence
            assert c.signal.direction == ev["direction"] == (1 if "low" in ev["swing"]["kind"]
                                                            else -1)
        assert c.signal.threshold == in_force[i]


def test_grabs_and_traps_carry_the_regime_and_fibonacci_levels_in_force(market):
    _, found = market
    swept = [f for f in found if f.kind in TRAP_KINDS]
    regimes = {f.evidence["regime"] for f in swept}
    assert regimes <= set(REGIMES) and regimes - {"unknown"}
    near = [f for f in swept if f.evidence["fibonacci"] is not None]
    assert near and len(near) < len(swept)
    for f in near:
        ev, fib = f.evidence, f.evidence["fibonacci"]
        gap = max(fib["lo"] - ev["level"], ev["level"] - fib["hi"], 0.0)
        assert fib["distance_atr"] == pytest.approx(gap / ev["atr14"])
        assert fib["distance_atr"] <= NEAR_ATR
        assert fib["kind"] == "zone" or fib["golden"]


def test_entry_at_the_close_moves_each_claim_to_the_last_trade_of_its_minute(market):
    trades, found = market
    in_force = thresholds(trades)
    closes = traps.minute_closes(trades)
    at_trade = traps.claims(trades, found, in_force, 30 * 60_000, 60)
    at_close = traps.claims(trades, found, in_force, 30 * 60_000, 60, closes)
    minute = np.asarray(trades.times_ms) // 60_000
    assert len(at_close) == len(at_trade)
    for a, c in zip(at_trade, at_close, strict=True):
        i, j = a.signal.index, c.signal.index
        assert j >= i and minute[j] == minute[i] and minute[j + 1] > minute[j]
