"""The harmony task reads the other analyses' snapshots and writes its own, on real Redis."""

import time

from omega_tasks.messages import snapshot_json
from tests.integration.test_schedule import store_ticks
from tests.support import walk


def run(app, task, **kwargs):
    sent = app.send_task(f"omega.maintenance.{task}", kwargs=kwargs)
    return sent.get(timeout=60, disable_sync_subtasks=False)


def test_harmony_reads_every_signal_and_a_prediction_once_the_model_writes_one(
    app, store, worker
):
    store_ticks(store, walk(6_000), time.time_ns())
    k = store.symbol("sim", "BTC-USDT")
    assert run(app, "harmony") == {}  # nothing analysed yet: nothing to read
    run(app, "catch_up")
    scores = run(app, "harmony")
    last_id, view = store.snapshot(k, "harmony")
    assert scores == {k.member: view["score"]} and last_id == 6_000
    trend = store.snapshot(k, "trend")[1]
    assert view["as_of_ms"] == trend["last_bar_open_ms"] + 60_000
    assert set(view["signals"]) == {"trend", "regime", "model", "traps", "fibonacci"}
    assert view["signals"]["model"]["vote"] is None  # no model has predicted yet
    assert view["signals"]["trend"]["vote"] in (-1, 0, 1)  # 1m is warm after 25 minutes
    assert view["present"] == sum(s["vote"] is not None for s in view["signals"].values())
    assert {name: view["covered"][name] for name in ("fib", "threshold", "traps", "trend")} == {
        "fib": 6_000, "threshold": 6_000, "traps": 6_000, "trend": 6_000}

    # the prediction snapshot as a model that is a little behind would write it
    prediction = {"prediction": "down", "bar_open_ms": trend["last_bar_open_ms"],
                  "last_bar_open_ms": trend["last_bar_open_ms"]}
    store.redis.delete(k.state("prediction"), k.state("harmony"))  # readings never go back
    store.commit(k, "prediction", [], 5_990, b"", snapshot_json(prediction))
    run(app, "harmony")
    last_id, view = store.snapshot(k, "harmony")
    assert last_id == 6_000 and view["covered"]["prediction"] == 5_990
    assert view["signals"]["model"] == {"vote": -1, "why": "predicts down"}


def test_a_reading_is_rewritten_when_its_inputs_move_on_but_never_moved_back(store):
    k = store.symbol("sim", "BTC-USDT")
    assert store.put_reading(k, "harmony", {"trend": 10, "prediction": 4}, '{"score":0.5}')
    assert store.put_reading(k, "harmony", {"trend": 10, "prediction": 7}, '{"score":0.75}')
    assert not store.put_reading(k, "harmony", {"trend": 10, "prediction": 5},
                                 '{"score":0.25}')  # older inputs, finished late
    assert not store.put_reading(k, "harmony", {"trend": 9, "prediction": 9}, '{"score":0.0}')
    assert store.snapshot(k, "harmony") == (10, {"score": 0.75})
