"""Beat retrains the trend model every hour: a real ``celery beat`` process, a real worker."""

import time

from celery.schedules import crontab

from omega_tasks.models import ModelStore
from omega_tasks.worker.inprocess import worker_thread
from omega_tasks.worker.schedule import JOBS, beat_schedule
from tests.faults.fleet import beat
from tests.market import momentum
from tests.pipeline import feed
from tests.scrape import poll
from tests.support import T0, walk

JOB = "retrain trend model"
JOB_TASK = "omega.ml.retrain"


def test_beat_retrains_the_trend_model_on_queue_maintenance_every_hour(app):
    (job,) = [j for j in JOBS if j.name == JOB]
    assert job.task == "omega.ml.retrain" and job.every == crontab(minute=0)
    assert app.amqp.router.route({}, job.task)["queue"].name == "maintenance"
    assert job.expires_s == 55 * 60, "a send waits most of the hour for a worker"


def test_a_retrain_does_not_wait_behind_a_backlog_of_predictions(app, store):
    """Nobody consumes queue ml; a worker on maintenance alone retrains, as beat sends it."""
    k = store.symbol("sim", "BTC-USDT")
    store.add_bars(k, momentum(1_800, seed=5, end_ms=T0, end_price=60_000.0))
    report = feed(store, app, walk(3_000, seed=3))
    backlog = store.redis.llen("ml")
    assert backlog > 0 and report.trades == 3_000
    options = beat_schedule()[JOB]["options"]
    with worker_thread(app, ("maintenance",), concurrency=1):
        done = app.send_task(JOB_TASK, **options).get(timeout=120, disable_sync_subtasks=False)
    assert done[k.member]["version"] == 1
    assert store.redis.llen("ml") == backlog


def test_a_beat_that_finds_a_missed_hour_retrains_at_once(store, settings, worker, tmp_path):
    k = store.symbol("sim", "BTC-USDT")
    store.add_bars(k, momentum(1_800, seed=5, end_ms=T0, end_price=60_000.0))
    missed = time.time() - 2 * 3600  # the last retrain was two hours ago
    store.record_beat_run(JOB, missed)
    models = ModelStore(store.redis)
    with beat(settings, tmp_path):
        poll(lambda: models.latest(k), lambda v: v == 1, 60, "a model saved by the beat's job")
    card = models.card(k)
    assert card.trained_until_ms == T0 and card.rows > 1_000
    assert store.beat_runs()[JOB] > missed + 3600
