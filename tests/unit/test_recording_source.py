"""Reading and replaying recordings: at N times the recorded pace or as fast as they are
taken; any file reads into frames or fails with an error naming it."""

import gzip
import json
import threading
import time

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeder.recordings import Recorder, frames
from feeder.sources.recording import RecordingSource
from omega_tasks.errors import InputError
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


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.binary(max_size=40), max_size=6),
       compress=st.sampled_from([None, gzip.compress, zstandard.ZstdCompressor().compress]),
       cut=st.integers(0, 30))
def test_any_recording_reads_into_frames_or_fails_with_a_clear_error(tmp_path, lines, compress,
                                                                     cut):
    path = tmp_path / "any.rec"
    body = b"\n".join(lines)
    if compress is not None:
        body = compress(body)
        body = body[:len(body) - cut]  # a recording cut short
    path.write_bytes(body)
    try:
        for received_ns, frame in frames(path):
            assert isinstance(received_ns, int) and isinstance(frame, str)
    except InputError as exc:
        assert str(path) in str(exc)
