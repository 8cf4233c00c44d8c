"""Beat retrains the trend model every hour: a real ``celery beat`` process, a real worker."""

import time

from omega_tasks.models import ModelStore
from omega_tasks.schedule import JOBS, on_close
from tests.faults.fleet import beat
from tests.market import momentum
from tests.scrape import poll
from tests.support import T0

JOB = "retrain trend model"


def test_beat_retrains_the_trend_model_on_queue_ml_every_hour(app):
    (job,) = [j for j in JOBS if j.name == JOB]
    assert job.task == "omega.ml.retrain" and job.every == on_close(60)
    assert app.amqp.router.route({}, job.task)["queue"].name == "ml"


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
