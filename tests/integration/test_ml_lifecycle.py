"""The trend model's lifecycle: retrained by a worker on queue ml, saved with skops in
Redis, loaded by the workers that predict each closed 1m bar, never used past its expiry."""

import dataclasses
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import redis
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from omega_tasks.catalog import published
from omega_tasks.core.ml import Dataset, train
from omega_tasks.embedded import embedded_redis
from omega_tasks.errors import ModelRejected
from omega_tasks.models import ModelStore
from omega_tasks.progress import wait_until_covered
from omega_tasks.store import Store
from omega_tasks.worker.app import worker_app
from omega_tasks.worker.inprocess import worker_thread
from omega_tasks.worker.inputs import ModelCache
from omega_tasks.worker.tasks.retrain import model_params, retrain_symbol
from tests.market import momentum
from tests.pipeline import feed, settle
from tests.support import T0, walk

HISTORY_BARS = 1800


@pytest.fixture
def ml_settings(settings):
    return settings.replace(ml_train_bars=1200, ml_min_train_bars=600, ml_test_bars=200)


@pytest.fixture
def history(store):
    """Closed 1m bars of the 30 hours before the first tick, as a live feed's warm-up."""
    k = store.symbol("sim", "BTC-USDT")
    store.add_bars(k, momentum(HISTORY_BARS, seed=5, end_ms=T0 - T0 % 60_000,
                               end_price=60_000.0))
    return k


def _retrain(app):
    return app.send_task("omega.ml.retrain").get(timeout=120, disable_sync_subtasks=False)


def test_a_worker_retrains_saves_a_versioned_model_and_an_identical_retrain_adds_none(
        ml_settings, store, history):
    app = worker_app(ml_settings)
    with worker_thread(app, ("ml", "maintenance"), concurrency=1):
        first = _retrain(app)[history.member]
        again = _retrain(app)[history.member]
    assert first["version"] == 1 and first["new"] is True
    assert again == first | {"new": False}
    card = ModelStore(store.redis).card(history)
    assert card.trained_until_ms == T0 - T0 % 60_000
    assert card.rows <= 1200 and card.features[0] == "ret_1"
    assert card.metrics["blocks"] == 2 and card.metrics["test_bars"] == 200
    model_scores = card.metrics["overall"]["model"]
    assert model_scores["rows"] > 300 and 0.0 < model_scores["balanced_accuracy"] < 1.0
    assert set(card.metrics["overall"]) == {"model", "majority", "persistence", "random"}


def test_a_saved_model_loads_back_to_the_same_predictions(ml_settings, store, history):
    models = ModelStore(store.redis, kept=2)
    retrain_symbol(store, models, history, ml_settings, now_ms=1)
    bars = store.bars(history)
    ds = Dataset.build(bars, model_params(ml_settings))
    loaded = models.load(history, 1)
    x = ds.features[ds.predictable(0, len(ds))]
    params = dataclasses.replace(model_params(ml_settings), train_bars=loaded.params.train_bars)
    fresh = train(ds, len(ds), params)
    assert loaded.data_digest == fresh.data_digest
    assert np.array_equal(loaded.probabilities(x), fresh.probabilities(x))
    assert np.array_equal(loaded.patterns.centroids, fresh.patterns.centroids)


def test_only_the_newest_versions_are_kept(ml_settings, store, history):
    models = ModelStore(store.redis, kept=2)
    bars = store.bars(history)
    for n in (1500, 1600, 1700):
        store.redis.delete(history.bars)
        store.add_bars(history, bars[:n])
        retrain_symbol(store, models, history, ml_settings, now_ms=n)
    assert models.latest(history) == 3
    assert models.load(history, 1) is None
    assert models.load(history, 2) is not None and models.load(history, 3) is not None


def test_a_model_naming_an_untrusted_type_is_refused(ml_settings, store, history):
    models = ModelStore(store.redis)
    retrain_symbol(store, models, history, ml_settings, now_ms=1)
    store.redis.hset(history.models, "1:skops", sio.dumps({"classifier": ModelRejected("x")}))
    with pytest.raises(ModelRejected, match="untrusted"):
        models.load(history, 1)


def test_a_previous_model_that_does_not_load_does_not_stop_retraining(
        ml_settings, store, history):
    """A broken newest model is replaced by the next retrain, and other symbols retrain."""
    other = store.symbol("sim", "ETH-USDT")
    bars = store.bars(history)
    store.add_bars(other, bars)
    models = ModelStore(store.redis)
    store.redis.delete(history.bars)
    store.add_bars(history, bars[:1700])
    retrain_symbol(store, models, history, ml_settings, now_ms=1)
    store.redis.hset(history.models, "1:skops", b"not a skops file")
    store.add_bars(history, bars)
    app = worker_app(ml_settings)
    with worker_thread(app, ("ml", "maintenance"), concurrency=1):
        done = _retrain(app)
    assert done[history.member]["version"] == 2 and done[history.member]["new"] is True
    assert done[other.member]["version"] == 1
    assert models.load(history, 2) is not None
    with pytest.raises(ModelRejected, match="does not load"):
        models.load(history, 1)


def test_workers_on_queue_ml_predict_each_closed_bar_with_the_newest_model(
        ml_settings, store, history):
    app = worker_app(ml_settings)
    with worker_thread(app, ("ml", "maintenance"), concurrency=1):
        _retrain(app)
    with worker_thread(app, ("traps", "highfreq", "fib", "trends", "ml", "maintenance"),
                       concurrency=2):
        report = feed(store, app, walk(4_000, seed=3))  # about 16 minutes
        settle(store, report)
    last_id, view = store.snapshot(history, "prediction")
    assert last_id == 4_000
    assert view["status"] == "ok" and view["model_version"] == 1
    assert view["p_up"] + view["p_neither"] + view["p_down"] == pytest.approx(1.0)
    assert view["prediction"] in ("up", "down", "neither")
    assert 0 <= view["pattern"] < 8
    changes = [e for e in store.events(history) if e.detector == "prediction"]
    assert changes and {e.kind for e in changes} == {"prediction_change"}
    assert all(e.evidence["model_version"] == 1 for e in changes)


def test_no_prediction_comes_from_a_model_past_its_expiry(ml_settings, store, history):
    app = worker_app(ml_settings.replace(ml_expiry_min=5))
    with worker_thread(app, ("traps", "highfreq", "fib", "trends", "ml", "maintenance"),
                       concurrency=2):
        _retrain(app)
        report = feed(store, app, walk(4_000, seed=3))
        settle(store, report)
    _, view = store.snapshot(history, "prediction")
    assert view["status"] == "model expired" and view["p_up"] is None
    card = ModelStore(store.redis).card(history)
    found = [e for e in store.events(history) if e.detector == "prediction"]
    changes = [e for e in found if e.kind == "prediction_change"]
    assert changes, "the model predicted while it was fresh"
    assert all(e.time_ms <= card.expires_ms for e in changes)
    (stopped,) = [e for e in found if e.kind == "prediction_stopped"]
    assert stopped.evidence["reason"] == "model expired" and stopped.time_ms > card.expires_ms


def test_predictions_are_the_same_whatever_the_batch_size(ml_settings, store):
    seen = []
    for prefix, batch_max in (("a", 1000), ("b", 37)):
        settings = ml_settings.replace(key_prefix=f"{ml_settings.key_prefix}-{prefix}")
        app = worker_app(settings)
        here = Store.connect(settings)
        k = here.symbol("sim", "BTC-USDT")
        here.add_bars(k, momentum(HISTORY_BARS, seed=5, end_ms=T0 - T0 % 60_000,
                                  end_price=60_000.0))
        with worker_thread(app, ("traps", "highfreq", "fib", "trends", "ml", "maintenance"),
                           concurrency=2):
            _retrain(app)
            settle(here, feed(here, app, walk(3_000, seed=4), batch_max=batch_max))
        events = [(e.id, e.to_json()) for e in here.events(k) if e.detector == "prediction"]
        seen.append((events, here.snapshot(k, "prediction")))
        here.close()
    assert seen[0][0], "predictions were made"
    assert seen[0] == seen[1]


def test_a_rejected_model_is_dead_lettered_and_the_fold_predicts_nothing(
        ml_settings, store, history):
    app = worker_app(ml_settings)
    with worker_thread(app, ("traps", "highfreq", "fib", "trends", "ml", "maintenance"),
                       concurrency=2):
        _retrain(app)
        store.redis.hset(history.models, "1:skops",
                         sio.dumps({"classifier": ModelRejected("x")}))
        settle(store, feed(store, app, walk(2_000, seed=3)))
    _, view = store.snapshot(history, "prediction")
    assert view["status"] == "no model" and view["p_up"] is None
    letters = [d for d in store.dead_letters() if d["source"].startswith(b"models:")]
    assert letters and b"untrusted" in letters[0]["reason"]
    assert not [e for e in store.events(history) if e.detector == "prediction"]


def test_a_redis_error_while_loading_a_model_is_not_a_rejection(ml_settings, store, history):
    """A failed read passes through (the task retries it); the next read loads the model."""
    retrain_symbol(store, ModelStore(store.redis), history, ml_settings, now_ms=1)
    with embedded_redis() as socket_path:
        server = redis.Redis(unix_socket_path=socket_path)
        server.hset(history.models, mapping=store.redis.hgetall(history.models))
        server.acl_setuser("predictor", enabled=True, nopass=True, keys=["*"],
                           commands=["+@all", "-hmget"])
        client = redis.Redis(unix_socket_path=socket_path, username="predictor")
        cache = ModelCache(ModelStore(client))
        with pytest.raises(redis.RedisError) as failed:
            cache.kept(history)
        assert not isinstance(failed.value, ModelRejected)
        server.acl_setuser("predictor", enabled=True, nopass=True, commands=["+hmget"])
        models, rejected = cache.kept(history)
        client.close()
        server.close()
    assert list(models) == [1] and not rejected
    assert models[1].trained_until_ms == T0 - T0 % 60_000


def test_threads_of_a_worker_share_one_load_of_a_model(ml_settings, store, history):
    """Two threads asking at once both get the model, loaded once (a thread-pool worker)."""
    models = ModelStore(store.redis)
    retrain_symbol(store, models, history, ml_settings, now_ms=1)
    for _ in range(5):
        cache = ModelCache(models)
        start = threading.Barrier(2)

        def ask(cache=cache, start=start):
            start.wait()
            return cache.kept(history)[0]

        with ThreadPoolExecutor(2) as pool:
            a, b = pool.map(lambda _: ask(), range(2))
        assert list(a) == list(b) == [1]
        assert a[1] is b[1]


def test_a_batch_predicted_after_a_later_retrain_gets_the_predictions_it_got_on_time(
        ml_settings):
    """Each bar is predicted by the model that was current in market time: a backlog on
    queue ml that a retrain overtakes changes nothing."""
    ticks = walk(4_000, seed=3)
    everything = ("traps", "highfreq", "fib", "trends", "ml", "maintenance")
    others = tuple(q for q in everything if q != "ml")
    seen = []
    for prefix, first_queues in (("on-time", everything), ("late", others)):
        settings = ml_settings.replace(key_prefix=f"{ml_settings.key_prefix}-{prefix}")
        app = worker_app(settings)
        here = Store.connect(settings)
        here.redis.flushdb()
        k = here.symbol("sim", "BTC-USDT")
        here.add_bars(k, momentum(HISTORY_BARS, seed=5, end_ms=T0 - T0 % 60_000,
                                  end_price=60_000.0))
        models = ModelStore(here.redis)
        retrain_symbol(here, models, k, settings, now_ms=1)
        with worker_thread(app, first_queues, concurrency=2):
            report = feed(here, app, ticks[:2_000])
            covered = published(first_queues)
            assert wait_until_covered(here, k, covered, report.last_ids[("sim", "BTC-USDT")], 60)
        assert retrain_symbol(here, models, k, settings, now_ms=2)["version"] == 2
        with worker_thread(app, everything, concurrency=2):
            settle(here, report)
            settle(here, feed(here, app, ticks[2_000:]))
        events = [(e.id, e.to_json()) for e in here.events(k) if e.detector == "prediction"]
        seen.append((events, here.snapshot(k, "prediction")))
        here.close()
    (on_time, _), _ = seen
    versions = {json.loads(raw)["evidence"]["model_version"] for _, raw in on_time}
    assert versions == {1, 2}, "both models predicted"
    assert seen[0] == seen[1]


def test_overlapping_saves_keep_latest_the_highest_version_and_one_copy_of_a_model(
        ml_settings, store, history):
    """Two retrains saving at once: the newest version stays latest, an equal model once."""
    bars = store.bars(history)
    params = model_params(ml_settings)
    older, newer = (train(ds, len(ds), params)
                    for ds in (Dataset.build(bars[:1700], params), Dataset.build(bars, params)))
    models = ModelStore(store.redis, kept=50)
    for _ in range(8):
        start = threading.Barrier(2)

        def save(model, start=start):
            start.wait()
            return models.save(history, model, {}, 1)

        with ThreadPoolExecutor(2) as pool:
            saved = list(pool.map(save, (older, newer)))
        assert models.latest(history) == max(card.version for card, _ in saved)
        other = older if models.card(history).data_digest == newer.data_digest else newer
        with ThreadPoolExecutor(2) as pool:
            again = list(pool.map(save, (other, other)))
        assert sorted(new for _, new in again) == [False, True]
        assert again[0][0].version == again[1][0].version == models.latest(history)


@pytest.mark.parametrize("classifier", ["fitted on 5 features", "an array"])
def test_a_model_that_loads_but_cannot_predict_is_refused_and_the_last_good_one_predicts(
        ml_settings, store, history, classifier):
    models = ModelStore(store.redis)
    retrain_symbol(store, models, history, ml_settings, now_ms=1)
    good = models.load(history, 1)
    if classifier == "an array":
        wrong = np.zeros(3)
    else:
        wrong = LogisticRegression().fit(np.random.default_rng(1).normal(size=(60, 5)),
                                         np.resize([-1, 0, 1], 60))
    models.save(history, dataclasses.replace(good, classifier=wrong, data_digest="another"),
                {}, now_ms := 2)
    assert models.latest(history) == 2 and now_ms == 2
    with pytest.raises(ModelRejected, match="feature contract"):
        models.load(history, 2)
    app = worker_app(ml_settings)
    with worker_thread(app, ("traps", "highfreq", "fib", "trends", "ml", "maintenance"),
                       concurrency=2):
        settle(store, feed(store, app, walk(2_000, seed=3)))
    _, view = store.snapshot(history, "prediction")
    assert view["status"] == "ok" and view["model_version"] == 1
    letters = [d for d in store.dead_letters() if d["source"].startswith(b"models:")]
    assert len(letters) == 1 and b"feature contract" in letters[0]["reason"]
