from hypothesis import given
from hypothesis import strategies as st

from omega_tasks.core.bars import BarClock, Resampler
from omega_tasks.core.types import MINUTE_MS, Bar

T0 = 1_736_208_000_000


def feed(clock, rows):
    closed = []
    for row in rows:
        closed += clock.update(*row)
    return closed


def test_a_bar_closes_when_the_first_trade_of_a_later_minute_arrives():
    clock = BarClock()
    closed = feed(clock, [
        (1, T0 + 1_000, 100.0, 1.0, 1),
        (2, T0 + 20_000, 103.0, 2.0, -1),
        (3, T0 + 59_999, 99.0, 0.5, 1),
    ])
    assert not closed
    (bar,) = clock.update(4, T0 + MINUTE_MS, 101.0, 1.0, 1)
    assert bar == Bar(T0, 100.0, 103.0, 99.0, 99.0, 3.5, 1.5, 3, 1, 3)
    assert bar.sell_volume == 2.0


def test_minutes_without_trades_become_flat_bars_at_the_last_close():
    clock = BarClock()
    clock.update(1, T0, 100.0, 1.0, 1)
    closed = clock.update(2, T0 + 3 * MINUTE_MS + 5, 105.0, 1.0, 1)
    assert [b.open_ms for b in closed] == [T0, T0 + MINUTE_MS, T0 + 2 * MINUTE_MS]
    assert all((b.open, b.high, b.low, b.close, b.volume) == (100.0,) * 4 + (0.0,)
               for b in closed[1:])


def test_a_trade_stamped_before_the_forming_minute_joins_it():
    clock = BarClock()
    clock.update(1, T0 + MINUTE_MS, 100.0, 1.0, 1)
    assert not clock.update(2, T0 + 59_000, 98.0, 1.0, -1)
    assert clock.forming().low == 98.0


rows_strategy = st.lists(
    st.tuples(st.integers(0, 200_000), st.floats(90, 110), st.floats(0.001, 5),
              st.sampled_from([1, -1])),
    min_size=1, max_size=300,
)


@given(rows_strategy, st.integers(0, 300))
def test_a_clock_restored_from_its_dump_continues_identically(rows, cut):
    rows = sorted(rows)
    trades = [(i + 1, T0 + t, p, q, s) for i, (t, p, q, s) in enumerate(rows)]
    whole = BarClock()
    expected = feed(whole, trades)
    first = BarClock()
    got = feed(first, trades[:cut])
    resumed = BarClock.load(first.dump())
    got += feed(resumed, trades[cut:])
    assert got == expected
    assert resumed.dump() == whole.dump()


def one_minute_bars(n, start=T0):
    return [Bar(start + i * MINUTE_MS, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1.0, 0.4, 2,
                2 * i + 1, 2 * i + 2) for i in range(n)]


def test_higher_timeframes_are_epoch_aligned_and_built_from_closed_bars_only():
    five = Resampler(5)
    bars = one_minute_bars(12, start=T0 + 3 * MINUTE_MS)  # starts mid-period
    out = [b for bar in bars for b in five.update(bar)]
    assert [b.open_ms for b in out] == [T0 + 5 * MINUTE_MS, T0 + 10 * MINUTE_MS]
    first = out[0]
    assert (first.open, first.close, first.minutes) == (102.0, 106.5, 5)
    assert first.high == 107.0 and first.low == 101.0 and first.volume == 5.0
    assert first.first_id == 5 and first.last_id == 14
    assert not five.parts


def test_a_silence_across_a_period_end_still_closes_the_period():
    hour = Resampler(60)
    early = one_minute_bars(3)
    late = one_minute_bars(1, start=T0 + 120 * MINUTE_MS)
    out = [b for bar in early + late for b in hour.update(bar)]
    assert [b.open_ms for b in out] == [T0]
    assert hour.parts == late
