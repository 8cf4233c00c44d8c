"""Beat brings the Fibonacci levels up to date as higher-timeframe bars close."""

import time

from omega_tasks.worker.schedule import JOBS, on_close
from tests.integration.test_schedule import store_ticks
from tests.support import walk


def test_beat_refreshes_the_fib_analysis_at_every_five_minute_close():
    (job,) = [j for j in JOBS if dict(j.kwargs).get("analyses") == ("fib",)]
    assert job.task == "omega.maintenance.catch_up"
    assert job.every == on_close(5)


def test_the_catch_up_for_fib_folds_the_stored_trades_into_fib_alone(app, store, worker):
    store_ticks(store, walk(6_000), time.time_ns())  # about 25 minutes of trades
    sent = app.send_task("omega.maintenance.catch_up", kwargs={"analyses": ["fib"]})
    advanced = sent.get(timeout=60, disable_sync_subtasks=False)
    k = store.symbol("sim", "BTC-USDT")
    assert advanced == {f"{k.member}:fib": 6_000}
    snapshots = store.snapshots(k)
    assert set(snapshots) == {"fib"} and snapshots["fib"][0] == 6_000
    assert snapshots["fib"][1]["legs"] >= 1
