"""Retraining the trend model on queue ``maintenance`` (beat sends it: ``worker.schedule``).

For each symbol: the stored closed 1m bars, a walk-forward test over the last blocks of them
(the model's scores against the baselines, kept on the model's card), then a model trained
on the latest window and saved as the newest version. Unchanged bars give the same model,
which is not saved again, so a repeated or late run is harmless.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

from omega_tasks.config import Settings
from omega_tasks.core.ml import Dataset, ModelParams, TrainingError, TrendModel, train
from omega_tasks.core.ml_features import WINDOW
from omega_tasks.core.ml_walkforward import summary, walk_forward
from omega_tasks.core.types import MINUTE_MS
from omega_tasks.errors import ModelRejected
from omega_tasks.models import ModelStore
from omega_tasks.names import SymbolKeys
from omega_tasks.store import Store
from omega_tasks.worker.runtime import Runtime

log = logging.getLogger(__name__)
TEST_BLOCKS = 2


def model_params(settings: Settings) -> ModelParams:
    """The model parameters the settings ask for."""
    return ModelParams(train_bars=settings.ml_train_bars,
                       expiry_ms=settings.ml_expiry_min * MINUTE_MS)


def retrain_symbol(
    store: Store, models: ModelStore, k: SymbolKeys, settings: Settings, now_ms: int
) -> dict[str, Any]:
    """Test and train on a symbol's stored bars; save the model if it is new."""
    bars = store.bars(k, limit=settings.bars_retained)
    params = model_params(settings)
    room = len(bars) - WINDOW - params.gap_bars
    if room < settings.ml_min_train_bars:
        return {"skipped": f"{len(bars)} bars stored; training wants "
                           f"{settings.ml_min_train_bars + WINDOW + params.gap_bars}"}
    params = dataclasses.replace(params, train_bars=min(params.train_bars, room))
    ds = Dataset.build(bars, params)
    prior = _previous(models, k)
    model = train(ds, len(ds), params, prior.patterns if prior is not None else None)
    metrics = _walk_forward_metrics(ds, params, settings)
    card, new = models.save(k, model, metrics, now_ms)
    if new:
        log.info("%s: trend model %d trained on %d rows up to %d", k.member, card.version,
                 card.rows, card.trained_until_ms)
    return {"version": card.version, "new": new, "rows": card.rows,
            "trained_until_ms": card.trained_until_ms}


def _previous(models: ModelStore, k: SymbolKeys) -> TrendModel | None:
    """The newest saved model, whose pattern ids a retrain keeps; None when it does not load.

    A model that does not load must not stop retraining: the next version replaces it.
    """
    previous = models.card(k)
    if previous is None:
        return None
    try:
        return models.load(k, previous.version)
    except ModelRejected as exc:
        log.warning("%s: previous model not reused, pattern ids start afresh: %s", k.member, exc)
        return None


def _walk_forward_metrics(ds: Dataset, params: ModelParams, settings: Settings) -> dict[str, Any]:
    """Score the last ``TEST_BLOCKS`` blocks, each by a model trained before it."""
    test_bars = min(settings.ml_test_bars, (len(ds) - WINDOW) // (2 * TEST_BLOCKS))
    room = len(ds) - TEST_BLOCKS * test_bars - WINDOW - params.gap_bars
    if test_bars < 1 or room < settings.ml_min_train_bars:
        return {"blocks": 0, "note": "too little history for a walk-forward test"}
    tested = dataclasses.replace(params, train_bars=min(params.train_bars, room))
    try:
        blocks = walk_forward(ds, tested, test_bars, start_row=len(ds) - TEST_BLOCKS * test_bars)
    except TrainingError as exc:
        return {"blocks": 0, "note": str(exc)}
    return summary(blocks) | {"test_bars": test_bars, "train_bars": tested.train_bars}


def retrain(runtime: Runtime) -> dict[str, Any]:
    """Retrain every symbol's trend model on its latest window of bars."""
    store = runtime.store
    models = ModelStore(store.redis, runtime.settings.models_kept)
    done: dict[str, Any] = {}
    for exchange, symbol in store.symbols():
        k = store.symbol(exchange, symbol)
        try:
            done[k.member] = retrain_symbol(store, models, k, runtime.settings,
                                            time.time_ns() // 1_000_000)
        except (TrainingError, ModelRejected) as exc:  # the other symbols still retrain
            log.warning("%s: no trend model trained: %s", k.member, exc)
            done[k.member] = {"skipped": str(exc)}
    return done
