"""Fuzzing the feed loop: whatever frames a recording or a socket delivers, among real ones,
the feeder keeps running, stores each trade id once in order, and accounts for every frame."""

import itertools
import json
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeder.batcher import MicroBatcher
from feeder.exchanges import Exchange
from feeder.publisher import Publisher
from feeder.recordings import Recorder
from feeder.sequencer import Sequencer
from feeder.service import Feeder
from feeder.sources import Liquidated, Rejected
from feeder.sources.recording import RecordingSource
from omega_tasks.errors import InputError
from omega_tasks.messages import Tick
from tests.frames import (
    COINBASE,
    COINBASE_HEARTBEAT,
    COINBASE_TICKER,
    COINBASE_TRADES,
    NOW_NS,
    SPOT_QUOTE,
    SPOT_TRADE,
    USDM,
    USDM_LIQUIDATION,
    USDM_TRADE,
    json_values,
    mutated,
)

TEMPLATES = (SPOT_TRADE, SPOT_QUOTE, USDM_TRADE, USDM_LIQUIDATION, COINBASE_TRADES,
             COINBASE_TICKER, COINBASE_HEARTBEAT)


def binance_trades(n: int) -> list[str]:
    """``n`` valid futures trade frames with consecutive ids."""
    base = json.loads(USDM_TRADE)
    out = []
    for i in range(n):
        base["data"].update(t=5_266_583_935 + i, T=1_723_161_256_322 + 10 * i, p=f"{61800 + i}.3")
        out.append(json.dumps(base))
    return out


def coinbase_trades(n: int) -> list[str]:
    """``n`` valid Coinbase market_trades frames, one trade each, consecutive ids."""
    base = json.loads(COINBASE_TRADES)
    row = base["events"][0]["trades"][0]
    out = []
    for i in range(n):
        row.update(trade_id=str(1_068_572_091 + i), price=f"{65083 + i}.67")
        base["events"][0]["trades"] = [row]
        base["events"][0]["type"] = "update"
        out.append(json.dumps(base))
    return out


VALID = {"binance-usdm": (USDM, binance_trades(120)),
         "coinbase": (COINBASE, coinbase_trades(120))}

bad_frames = st.one_of(
    st.text(max_size=60).map(lambda s: s.replace("\n", " ").replace("\r", " ")),
    json_values.map(json.dumps),
    st.sampled_from(TEMPLATES).flatmap(mutated),
)


def expected_ids(ticks: list[Tick]) -> tuple[dict[tuple[str, str], list[int]], int]:
    """Per symbol, the ids a feeder without backfill must store, in arrival order, and how
    many ticks it must doubt: what the sequencer decides, tick by tick."""
    sequencer = Sequencer()
    kept: dict[tuple[str, str], list[int]] = {}
    doubted = 0
    for tick in ticks:
        if sequencer.is_repeat(tick):
            continue
        if sequencer.doubt(tick) is not None:
            doubted += 1
            continue
        sequencer.admit(tick)
        kept.setdefault((tick.exchange, tick.symbol), []).append(tick.trade_id)
    return kept, doubted


def replay(store, exchange: Exchange, frames: list[str]):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.gz"
        recorder = Recorder(path)
        for frame in frames:
            recorder.write(NOW_NS, frame)
        recorder.close()
        stop = threading.Event()
        feeder = Feeder(store, Publisher(store, None, (), stop), MicroBatcher(50, 0.02))
        return feeder.run(RecordingSource(path, exchange, chunk=37))


@pytest.mark.parametrize("exchange_name", sorted(VALID))
@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_no_frame_among_real_ones_stops_the_feed_or_loses_a_trade(store, exchange_name, data):
    exchange, valid = VALID[exchange_name]
    inserts = data.draw(st.lists(st.tuples(st.integers(0, len(valid)), bad_frames),
                                 min_size=1, max_size=12))
    frames = list(valid)
    for at, frame in sorted(inserts, key=lambda x: -x[0]):
        frames.insert(at, frame)
    items = [item for frame in frames for item in exchange.parse(frame, NOW_NS)]
    ticks = [i for i in items if isinstance(i, Tick)]
    rejected = [i for i in items if isinstance(i, Rejected)]

    store.redis.flushdb()
    report = replay(store, exchange, frames)

    kept, doubted = expected_ids(ticks)
    assert report.dead_letters == len(rejected) + doubted == len(store.dead_letters(count=999))
    assert report.trades + report.duplicates + doubted == len(ticks)
    assert report.liquidations == sum(isinstance(i, Liquidated) for i in items)
    for (name, symbol), ids in kept.items():
        k = store.symbol(name, symbol)
        assert list(store.trades_between(k, ids[0], ids[-1]).ids) == ids
        gaps = [e for e in store.events(k) if e.kind == "gap"]
        assert len(gaps) == sum(b > a + 1 for a, b in itertools.pairwise(ids))


def test_an_empty_frame_is_recorded_and_replayed_as_a_dead_letter(store):
    frames = binance_trades(3)
    report = replay(store, USDM, [frames[0], "", frames[1], frames[2]])
    assert report.trades == 3 and report.dead_letters == 1
    (letter,) = store.dead_letters()
    assert letter["raw"] == b"" and letter["reason"].startswith(b"malformed JSON")


def test_a_recording_cut_short_feeds_every_trade_before_the_cut_then_fails_naming_it(store,
                                                                                      tmp_path):
    path = tmp_path / "cut.gz"
    recorder = Recorder(path)
    for frame in binance_trades(100):
        recorder.write(NOW_NS, frame)
    recorder.close()
    path.write_bytes(path.read_bytes()[:-40])  # the trailer and the end of the frames
    feeder = Feeder(store, Publisher(store, None, (), threading.Event()), MicroBatcher(1000, 1))
    with pytest.raises(InputError, match=r"cut\.gz: unreadable"):
        feeder.run(RecordingSource(path, USDM))
    stored = feeder.report.trades
    assert 0 < stored < 100
    k = store.symbol("binance-usdm", "BTC-USDT")
    assert list(store.trades_between(k, 5_266_583_935, 10**12).ids) == list(
        range(5_266_583_935, 5_266_583_935 + stored))
