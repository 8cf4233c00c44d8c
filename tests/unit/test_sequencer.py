"""Trade-id bookkeeping: repeats dropped, gaps found, wild jumps doubted until confirmed."""

from feeder.sequencer import JUMP_SLACK_IDS, MAX_IDS_PER_MS, Gap, Sequencer
from omega_tasks.messages import Tick

T0 = 1_723_161_255_342


def tick(trade_id: int, time_ms: int = T0, symbol: str = "BTC-USDT",
         received_ms: int | None = None) -> Tick:
    received_ns = (time_ms if received_ms is None else received_ms) * 1_000_000
    return Tick("binance", symbol, trade_id, 61_000.0, 0.01, 1, time_ms, received_ns)


def feed(sequencer: Sequencer, ticks: list[Tick]) -> list[str]:
    """Run ticks through the sequencer as the feeder does; say what became of each."""
    fate = []
    for t in ticks:
        if sequencer.is_repeat(t):
            fate.append("repeat")
        elif sequencer.doubt(t) is not None:
            fate.append("doubted")
        else:
            gap = sequencer.admit(t)
            fate.append("kept" if gap is None else f"kept after {gap.missing} missing")
    return fate


def test_repeats_are_dropped_and_counted_and_a_skipped_range_is_a_gap():
    s = Sequencer()
    assert feed(s, [tick(1), tick(2), tick(2), tick(1), tick(5)]) == [
        "kept", "kept", "repeat", "repeat", "kept after 2 missing"]
    assert s.duplicates == 2
    assert s.admit(tick(9, T0 + 5)) == Gap("binance", "BTC-USDT", 6, 8, T0, T0 + 5)


def test_a_corrupt_id_far_ahead_is_doubted_and_the_real_trades_after_it_are_kept():
    s = Sequencer()
    assert feed(s, [tick(100), tick(10**15, T0 + 1), tick(101, T0 + 1), tick(102, T0 + 2)]) == [
        "kept", "doubted", "kept", "kept"]
    assert s.doubt(tick(10**15, T0 + 3)) is not None


def test_a_real_renumbering_is_believed_at_its_second_trade():
    s = Sequencer()
    assert feed(s, [tick(100), tick(5 * 10**9, T0 + 1), tick(5 * 10**9 + 1, T0 + 2)]) == [
        "kept", "doubted", f"kept after {5 * 10**9 - 100} missing"]


def test_a_big_jump_is_plausible_when_enough_time_passed_for_it():
    s = Sequencer()
    day_ms = 86_400_000
    s.resume("binance", "BTC-USDT", 100, T0)
    assert feed(s, [tick(100 + JUMP_SLACK_IDS + 1, T0), tick(3_000_100, T0 + day_ms)]) == [
        "doubted", f"kept after {3_000_100 - 101} missing"]
    s.resume("binance", "BTC-USDT", 100, T0)
    limit = 100 + JUMP_SLACK_IDS + MAX_IDS_PER_MS * 10
    assert feed(s, [tick(limit, T0 + 10)]) == [f"kept after {limit - 101} missing"]


def test_symbols_are_sequenced_apart():
    s = Sequencer()
    assert feed(s, [tick(10), tick(10, symbol="ETH-USDT"), tick(11), tick(9, symbol="ETH-USDT")]) \
        == ["kept", "kept", "kept", "repeat"]


def test_a_corrupt_id_with_a_corrupt_time_far_ahead_is_doubted_by_when_it_arrived():
    s = Sequencer()
    hour_ms = 3_600_000
    corrupt = tick(100 + 10**9, T0 + hour_ms - 60_000, received_ms=T0 + 1)
    assert feed(s, [tick(100), corrupt, tick(101, T0 + 2)]) == ["kept", "doubted", "kept"]
