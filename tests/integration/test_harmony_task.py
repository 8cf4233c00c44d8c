"""Harmony as an analysis on queue ml: it reads the other analyses as of its batch's last trade."""

import threading

from feeder.publisher import Publisher
from omega_tasks.catalog import CATALOG
from omega_tasks.core.harmony import HarmonyAnalysis
from omega_tasks.names import HARMONY
from omega_tasks.worker.inputs import Inputs
from omega_tasks.worker.runner import run
from tests.pipeline import feed, settle
from tests.support import batches, walk

HARMONY_SPEC = next(spec for spec in CATALOG if spec.kind is HarmonyAnalysis)


def test_harmony_reads_every_signal_as_of_the_last_trade_of_its_batch(app, store, worker):
    settle(store, feed(store, app, walk(6_000)))
    k = store.symbol("sim", "BTC-USDT")
    last_id, view = store.snapshot(k, HARMONY)
    assert last_id == 6_000
    assert view["covered"] == {name: 6_000 for name in HarmonyAnalysis.reads}
    trend = store.snapshot(k, "trend")[1]
    assert view["as_of_ms"] == trend["last_bar_open_ms"] + 60_000
    assert set(view["signals"]) == {"trend", "regime", "model", "traps", "fibonacci"}
    assert view["signals"]["model"]["vote"] is None  # no model has predicted
    assert view["signals"]["trend"]["vote"] in (-1, 0, 1)  # 1m is warm after 25 minutes
    assert view["present"] == sum(s["vote"] is not None for s in view["signals"].values())


def test_a_reading_is_taken_by_whichever_input_gets_to_the_trade_last(store, settings):
    publisher = Publisher(store, None, (), threading.Event())
    parts = [publisher.publish(batch) for batch in batches(walk(3_000), 1_000)]
    inputs = Inputs(settings)
    k = store.symbol("sim", "BTC-USDT")
    for batch in parts:  # before its inputs: nothing to read yet, and nothing waits
        assert run(store, HARMONY_SPEC, batch, inputs=inputs).findings == 0
    assert store.snapshot(k, HARMONY) is None
    others = [spec for spec in CATALOG if spec.kind is not HarmonyAnalysis]
    for spec in others[::-1]:  # the inputs in any order; the last one brings harmony up
        for batch in parts:
            run(store, spec, batch, inputs=inputs)
        done = store.snapshot(k, HARMONY)
        assert (done is not None and done[0] == 3_000) is (spec is others[0])
