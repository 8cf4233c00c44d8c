import math

import pytest

from omega_tasks.core.bars import BarClock
from omega_tasks.core.levels import BROKEN_OUT, LIVE, SWEEPING
from omega_tasks.core.swings import HIGH, LOW, Swing
from omega_tasks.core.traps import Context, TrapParams, TrapRules, confidence
from omega_tasks.core.types import MINUTE_MS, Liquidation

T0 = 1_736_208_000_000
ATR = 10.0  # so ε = 0.5
CTX = Context(atr=ATR, threshold=0.01)  # a breakout beyond 1 % of the level spends it


class Tape:
    """Drive trap rules the way the detector does: a bar clock, closes before the trade."""

    def __init__(self, *levels: tuple[str, float], params: TrapParams | None = None) -> None:
        self.rules = TrapRules(params)
        self.rules.set_atr(ATR)
        for n, (kind, price) in enumerate(levels):
            self.rules.add(Swing(kind, price, T0 - (10 - n) * MINUTE_MS, T0), "fractal")
        self.clock = BarClock()
        self.found: list = []
        self.sweeps: list[int] = []
        self.id = 0

    def at(self, second: float, *prices: float, side: int = 1, size: float = 1.0) -> None:
        """Trade ``prices`` one after another at ``second`` seconds after T0."""
        for price in prices:
            self.id += 1
            t = T0 + int(second * 1000)
            for bar in self.clock.update(self.id, t, price, size, side):
                self.found += self.rules.on_bar(bar, CTX)
            found, started = self.rules.on_trade(self.id, t, price, size, side, CTX)
            self.found += found
            self.sweeps += [level.side for level in started]

    def kinds(self) -> list[tuple[str, int]]:
        return [(f.kind, f.trade_id) for f in self.found]


def test_a_grab_of_a_swing_high_fires_at_the_trade_that_reclaims_it():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 998.0, 999.5)
    tape.at(5, 1001.0, 1002.0)  # trades 3, 4: beyond L + ε
    tape.at(9, 1000.2, 999.9)  # trade 6 is back below L
    assert tape.kinds() == [("liquidity_grab_high", 6)]
    ev = tape.found[0].evidence
    assert ev["level"] == 1000.0 and ev["extreme"] == 1002.0 and ev["direction"] == -1
    assert ev["depth_atr"] == pytest.approx(0.2)
    assert ev["sweep_trade_id"] == 3 and ev["trigger_price"] == 999.9
    assert ev["swing"]["kind"] == "high" and ev["swing"]["source"] == "fractal"
    assert ev["duration_s"] == pytest.approx(4.0) and ev["volume"] == 4.0
    assert 0.0 < ev["confidence"] < 1.0 and ev["threshold"] == 0.01
    assert tape.sweeps == [1]


def test_a_grab_of_a_swing_low_is_the_mirror():
    tape = Tape((LOW, 1000.0))
    tape.at(1, 1001.0, 999.0, 998.7, 1000.01)
    assert tape.kinds() == [("liquidity_grab_low", 4)]
    assert tape.found[0].evidence["direction"] == 1
    assert tape.found[0].evidence["extreme"] == 998.7


def test_a_sweep_by_less_than_epsilon_is_no_sweep_and_leaves_the_level_live():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 1000.5, 999.0)  # 0.5 beyond is not more than ε
    assert tape.kinds() == [] and tape.sweeps == []
    assert [x.phase for x in tape.rules.book] == [LIVE]
    tape.at(2, 1000.6, 999.0)
    assert tape.kinds() == [("liquidity_grab_high", 4)]


def test_a_level_fires_once_however_often_it_is_swept():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 1001.0, 999.0)
    tape.at(3, 1001.0, 999.0)
    tape.at(70, 1003.0, 998.0)
    assert tape.kinds() == [("liquidity_grab_high", 2)]
    assert len(tape.rules.book) == 0


def test_a_bull_trap_fires_at_the_close_that_confirms_it():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 999.0)
    tape.at(50, 1001.0, 1002.0)  # trade 2 sweeps; a close above L + ε: no grab any more
    tape.at(61, 1001.5)
    tape.at(130, 999.0)  # back below inside a bar, not yet a close
    assert tape.kinds() == []
    assert [x.phase for x in tape.rules.book] == [BROKEN_OUT]
    tape.at(150, 998.5)
    tape.at(181, 998.0)  # closes the bar whose close (998.5, trade 6) confirms the trap
    assert tape.kinds() == [("bull_trap", 6)]
    ev = tape.found[0].evidence
    assert ev["trigger_price"] == 998.5 and ev["extreme"] == 1002.0
    assert tape.found[0].time_ms == T0 + 3 * MINUTE_MS


def test_a_bear_trap_is_the_mirror():
    tape = Tape((LOW, 1000.0))
    tape.at(1, 1001.0)
    tape.at(50, 998.0)
    tape.at(70, 1000.5)
    tape.at(121, 1001.0)
    assert tape.kinds() == [("bear_trap", 3)]


def test_a_close_beyond_the_sweeps_extreme_invalidates_the_trap():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 999.0)
    tape.at(50, 1002.0)  # breakout close at 1002, extreme 1002
    tape.at(61, 1003.0)  # closes above the extreme: the breakout holds
    tape.at(121, 999.0)
    tape.at(181, 998.0)  # a close back below L, too late to be a trap
    assert tape.kinds() == []
    assert len(tape.rules.book) == 0


def test_a_close_back_inside_after_the_trap_window_is_no_trap():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 999.0)
    tape.at(50, 1002.0)
    for minute in (1, 2, 3):
        tape.at(60 * minute + 5, 1001.0)
    tape.at(245, 999.0)
    tape.at(305, 998.0)
    assert tape.kinds() == []


def test_a_gap_in_bars_counts_as_time_and_expires_the_trap_window():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 999.0)
    tape.at(50, 1002.0)  # the breakout bar
    tape.at(600, 999.0)  # nine silent minutes are filled with flat bars at 1002
    tape.at(661, 998.0)  # the close at 999 comes long after the window
    assert tape.kinds() == []


def test_a_move_beyond_one_threshold_is_a_breakout_and_spends_the_level():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 1001.0, 1010.5, 999.0)  # 10.5 beyond is more than 1 % of 1000
    assert tape.kinds() == [] and len(tape.rules.book) == 0


def test_a_sweep_that_neither_reclaims_nor_closes_beyond_goes_stale():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 1001.0, 1000.3)  # swept, then hovering inside (L, L + ε]
    for minute in (1, 2, 3):
        tape.at(60 * minute + 1, 1000.2)
    tape.at(241, 999.0)
    assert tape.kinds() == []


def test_two_levels_reclaimed_by_one_trade_make_one_event_for_the_outer_one():
    tape = Tape((HIGH, 1000.0), (HIGH, 1001.0))
    tape.at(1, 1002.0, 999.0)
    assert tape.kinds() == [("liquidity_grab_high", 2)]
    assert tape.found[0].evidence["level"] == 1001.0
    assert tape.found[0].evidence["also_spent"] == [1000.0]


def test_liquidations_on_the_squeezed_side_during_the_sweep_are_evidence():
    quiet, squeezed = Tape((HIGH, 1000.0)), Tape((HIGH, 1000.0))
    for n in range(3):
        squeezed.rules.on_liquidation(Liquidation(T0 + 1500 + n, 1, 1001.0, 2.0, 0))
    squeezed.rules.on_liquidation(Liquidation(T0 + 1500, -1, 1001.0, 9.0, 0))  # a long
    for tape in (quiet, squeezed):
        tape.at(1, 1001.0)
        tape.at(2, 999.0)
    a, b = quiet.found[0].evidence, squeezed.found[0].evidence
    assert (a["liquidations"], a["liquidation_burst"]) == (0, False)
    assert (b["liquidations"], b["liquidation_size"], b["liquidation_burst"]) == (3, 6.0, True)
    assert b["confidence"] > a["confidence"]


def test_confidence_grows_with_each_piece_of_evidence():
    base = confidence(0.2, 0.0, 0.1, False)
    assert confidence(0.6, 0.0, 0.1, False) > base
    assert confidence(0.2, 2.0, 0.1, False) > base
    assert confidence(0.2, 0.0, 0.5, False) > base
    assert confidence(0.2, 0.0, 0.1, True) > base
    assert confidence(50.0, 99.0, 9.0, True) < 1.0 and not math.isnan(base)


def test_rules_restored_from_a_dump_carry_a_sweep_in_progress_on():
    tape = Tape((HIGH, 1000.0))
    tape.at(1, 1001.0)
    tape.rules = TrapRules.load(tape.rules.dump())
    tape.at(2, 999.0)
    assert tape.kinds() == [("liquidity_grab_high", 2)]


def test_a_sweep_in_flight_follows_every_trade_while_a_level_above_waits_for_its_own():
    tape = Tape((HIGH, 1000.0), (HIGH, 1005.0))
    tape.at(1, 1001.0, 1003.0)  # sweeps 1000 only: 1003 is inside 1005's trip
    assert tape.sweeps == [1] and [lv.phase for lv in tape.rules.book] == [SWEEPING, LIVE]
    tape.at(2, 1006.0, 1004.0)  # sweeps 1005, which 1004 reclaims; 1000 is still swept
    tape.at(3, 999.0)
    assert tape.kinds() == [("liquidity_grab_high", 4), ("liquidity_grab_high", 5)]
    assert [f.evidence["level"] for f in tape.found] == [1005.0, 1000.0]
    assert [f.evidence["extreme"] for f in tape.found] == [1006.0, 1006.0]
    assert tape.found[1].evidence["volume"] == 5.0 and len(tape.rules.book) == 0
