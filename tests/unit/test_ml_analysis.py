"""Predictions per closed bar: the fold asks the model exactly what a batch run would."""

import dataclasses

import msgpack
import numpy as np
import pytest

from omega_tasks.core.ml import Dataset, ModelParams, train
from omega_tasks.core.ml_analysis import (
    EXPIRED,
    NO_MODEL,
    OK,
    TOO_NEW,
    WARMING_UP,
    PredictionAnalysis,
)
from omega_tasks.core.ml_labels import CLASS_NAMES
from tests.market import momentum

PARAMS = ModelParams(train_bars=1500, patterns=4, pattern_bars=20, expiry_ms=60 * 60_000)


@pytest.fixture(scope="module")
def trained():
    bars = momentum(1700, seed=21)
    ds = Dataset.build(bars, PARAMS)
    return bars, ds, train(ds, 1600, PARAMS)


def test_without_a_model_the_fold_predicts_nothing_and_says_so():
    analysis = PredictionAnalysis()
    for bar in momentum(80):
        assert analysis.on_bar(bar) is None
    view = analysis.view()
    assert view["status"] == NO_MODEL and view["direction"] is None and view["p_up"] is None


def test_each_prediction_equals_the_batch_prediction_of_the_same_bar(trained):
    bars, ds, model = trained
    analysis = PredictionAnalysis()
    analysis.use({7: model})
    for bar in bars[1539:1599]:
        analysis.on_bar(bar)
    assert analysis.status == WARMING_UP
    analysis.on_bar(bars[1599])  # the model's training data reached this bar's close
    assert analysis.status == TOO_NEW
    changes = []
    for t in range(1600, 1660):
        changes += analysis.on_bar(bars[t]) or []
        view = analysis.view()
        assert view["status"] == OK and view["bar_open_ms"] == bars[t].open_ms
        probs = model.probabilities(ds.features[t : t + 1])[0]
        assert [view["p_down"], view["p_neither"], view["p_up"]] == pytest.approx(
            probs.tolist(), rel=1e-9)
        assert view["direction"] == int(model.decide(probs[None, :])[0])
        assert view["pattern"] == int(model.patterns.assign(ds.shapes[t : t + 1])[0])
        assert view["model_version"] == 7 and view["horizon_bars"] == PARAMS.horizon_bars
    assert changes, "a minute-by-minute prediction changes class now and then"
    for finding in changes:
        assert finding.kind == "prediction_change"
        assert finding.evidence["to"] == CLASS_NAMES[finding.evidence["direction"]]


def test_a_model_never_predicts_bars_before_its_data_ended_or_after_it_expired(trained):
    bars, _, model = trained
    analysis = PredictionAnalysis()
    analysis.use({1: model})
    for i, bar in enumerate(bars[1500:1590]):  # the model saw these bars: no prediction
        analysis.on_bar(bar)
        assert analysis.status == (WARMING_UP if i < 60 else TOO_NEW)
    shift = PARAMS.expiry_ms // 2
    late = [dataclasses.replace(b, open_ms=b.open_ms + shift) for b in bars[1590:1700]]
    statuses, found = [], []
    for bar in late:
        found += analysis.on_bar(bar) or []
        statuses.append(analysis.status)
        assert model.fresh(bar.close_ms) == (analysis.status == OK)
    assert OK in statuses and statuses[-1] == EXPIRED
    (stopped,) = [f for f in found if f.kind == "prediction_stopped"]
    assert stopped.evidence["reason"] == EXPIRED
    assert stopped.time_ms == model.trained_until_ms + PARAMS.expiry_ms + 60_000
    assert analysis.view()["p_up"] is None


def test_the_fold_state_survives_a_checkpoint(trained):
    bars, _, model = trained
    one = PredictionAnalysis()
    one.use({3: model})
    for bar in bars[1530:1630]:
        one.on_bar(bar)
    two = PredictionAnalysis.load(msgpack.unpackb(msgpack.packb(one.dump())))
    two.use({3: model})
    for bar in bars[1630:1660]:
        assert one.on_bar(bar) == two.on_bar(bar)
    assert one.view() == two.view()
    assert np.isfinite(two.view()["p_up"])


def test_each_bar_is_predicted_by_the_newest_model_current_at_it_in_market_time(trained):
    """Handed a retrained model only after some bars (on time) or from the start (late),
    the fold predicts every bar alike: a model never predicts bars its data reached."""
    bars, ds, newer = trained
    older = train(ds, 1580, PARAMS)
    on_time, late = PredictionAnalysis(), PredictionAnalysis()
    on_time.use({1: older})
    late.use({1: older, 2: newer})
    used = []
    for t in range(1519, 1660):
        if bars[t].open_ms == newer.trained_until_ms:
            on_time.use({1: older, 2: newer})
        assert on_time.on_bar(bars[t]) == late.on_bar(bars[t])
        assert on_time.view() == late.view()
        used.append(late.view()["model_version"])
    assert used.index(2) == 1600 - 1519 and set(used[1580 - 1519 : 1600 - 1519]) == {1}


def test_a_fold_resumed_from_its_checkpoint_names_its_model_as_the_held_one_does(trained):
    bars, _, model = trained
    held = PredictionAnalysis()
    held.use({7: model})
    for bar in bars[1540:1620]:
        held.on_bar(bar)
    resumed = PredictionAnalysis.load(msgpack.unpackb(msgpack.packb(held.dump())))
    resumed.use({7: model})  # supplied before a batch that closes no bar
    assert resumed.view() == held.view()
    assert resumed.view()["model_version"] == 7
