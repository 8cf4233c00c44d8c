"""Replaying a recording: at N times the recorded pace, or as fast as it is taken."""

import json
import threading
import time

import pytest

from feeder.recordings import Recorder
from feeder.sources.recording import RecordingSource
from omega_tasks.messages import Tick
from tests.frames import NOW_NS, USDM, USDM_TRADE

STEP_NS = 100_000_000  # the recording's frames arrived 0.1 s apart


@pytest.fixture
def second_of_trades(tmp_path):
    """Eleven trade frames received over one second."""
    path = tmp_path / "second.gz"
    recorder = Recorder(path)
    message = json.loads(USDM_TRADE)
    for i in range(11):
        message["data"]["t"] = 5_266_583_935 + i
        recorder.write(NOW_NS + i * STEP_NS, json.dumps(message))
    recorder.close()
    return path


def replayed(path, speed):
    """Replay; return each tick with the time after the start at which it was emitted."""
    got = []
    started = time.monotonic()
    RecordingSource(path, USDM, speed).run(
        lambda items: got.extend((item, time.monotonic() - started) for item in items),
        threading.Event())
    return got


def test_a_replay_at_speed_n_keeps_the_recorded_pace_n_times_faster(second_of_trades):
    got = replayed(second_of_trades, 4.0)
    assert [tick.trade_id for tick, _ in got] == list(range(5_266_583_935, 5_266_583_946))
    for i, (tick, at_s) in enumerate(got):
        assert isinstance(tick, Tick) and tick.received_ns == NOW_NS + i * STEP_NS
        assert at_s >= i * STEP_NS / 1e9 / 4.0 - 0.005  # never ahead of the pace
    assert got[-1][1] < 1.0  # and not held to the recorded one


def test_a_replay_at_max_speed_emits_everything_without_waiting(second_of_trades):
    got = replayed(second_of_trades, None)
    assert len(got) == 11 and got[-1][1] < 0.25


def test_a_stop_ends_a_paced_replay_at_once(second_of_trades):
    stop = threading.Event()
    emitted = []

    def emit(items):
        emitted.extend(items)
        stop.set()

    started = time.monotonic()
    RecordingSource(second_of_trades, USDM, 0.01).run(emit, stop)  # 100 s at this pace
    assert len(emitted) == 1 and time.monotonic() - started < 1.0
