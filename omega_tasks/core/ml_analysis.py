"""The trend model's predictions, one per closed 1m bar, as a fold like any other analysis.

The fold keeps the last ``WINDOW`` bars; at each close it computes that bar's features and
shape (``core/ml_features.py``, ``core/ml_patterns.py``) and asks the model it was given.
The models are not part of the fold's state: it declares it needs them (``MODELS``) and the
worker hands over the kept versions (``supply``) before feeding; each bar is predicted by
the newest of them whose training data ended by the bar's open and not longer ago than its
expiry at the bar's close, both in market time. So a bar gets the same prediction whether
its batch runs on time or after a later retrain; when no model qualifies the snapshot says
why there is no prediction. A change of predicted class is a finding, and so is the end of a
run of predictions (the model expired or went away).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from omega_tasks.core.analysis import MODELS, TAPE, Analysis, Need
from omega_tasks.core.ml_features import WINDOW, BarColumns, latest_features, shapes
from omega_tasks.core.ml_labels import CLASS_NAMES, CLASSES
from omega_tasks.core.types import Bar, Finding
from omega_tasks.names import PREDICTION

if TYPE_CHECKING:  # the fold runs without scikit-learn until a model is handed over
    from omega_tasks.core.ml import TrendModel

OK = "ok"
NO_MODEL = "no model"
WARMING_UP = "warming up"
EXPIRED = "model expired"
TOO_NEW = "model newer than bar"


class PredictionAnalysis(Analysis):
    """Calibrated up / neither / down probabilities and a pattern id per closed 1m bar."""

    name = PREDICTION
    wants_trades = False
    needs = (TAPE, MODELS)

    def __init__(self) -> None:
        self.bars: deque[Bar] = deque(maxlen=WINDOW)
        self.model: TrendModel | None = None
        self.model_version: int | None = None
        self.status = NO_MODEL
        self.last: dict[str, Any] = {}
        self.last_trade_id = 0
        self.models: tuple[tuple[int, TrendModel], ...] = ()

    def supply(self, inputs: Mapping[Need, Any]) -> None:
        self.use(inputs[MODELS])

    def use(self, models: Mapping[int, TrendModel]) -> None:
        """Choose among ``models`` (by saved version) from the next bar on.

        The model of the last bar seen is chosen again among them, so the snapshot names it
        however the fold was resumed (held in memory or loaded from a checkpoint).
        """
        self.models = tuple(sorted(models.items(), reverse=True))
        if self.bars:
            self._choose(self.bars[-1])

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        self.bars.append(bar)
        self.last_trade_id = max(self.last_trade_id, bar.last_id)
        status = self._choose(bar)
        model = self.model
        if status == NO_MODEL:
            return self._stop(NO_MODEL, bar)
        if len(self.bars) < WINDOW or (model is not None and len(self.bars) < model.patterns.bars):
            return self._stop(WARMING_UP, bar)
        if model is None or status != OK:
            return self._stop(status, bar)
        self.status = OK
        return self._predict(model, bar)

    def _choose(self, bar: Bar) -> str:
        """Take the newest fresh model whose data ended by the bar's open, and say why not.

        When none is fresh, the newest whose data ended by then is kept for the snapshot.
        """
        self.model, self.model_version = None, None
        if not self.models:
            return NO_MODEL
        reached: tuple[int, TrendModel] | None = None
        for version, model in self.models:
            if model.trained_until_ms <= bar.open_ms:
                if model.fresh(bar.close_ms):
                    self.model, self.model_version = model, version
                    return OK
                reached = reached or (version, model)
        if reached is None:
            return TOO_NEW
        self.model_version, self.model = reached
        return EXPIRED

    def _stop(self, status: str, bar: Bar) -> list[Finding] | None:
        """Predict nothing at this bar; a finding when predictions were being made."""
        was, self.status = self.status, status
        if was != OK:
            return None
        self.last = {}
        return [Finding("prediction_stopped", self.last_trade_id, bar.close_ms,
                        {"reason": status, "bar_open_ms": bar.open_ms,
                         "model_version": self.model_version}, key=str(bar.open_ms))]

    def _predict(self, model: TrendModel, bar: Bar) -> list[Finding] | None:
        cols = BarColumns.of(list(self.bars))
        features = latest_features(cols)
        assert features is not None  # a full window is held
        shape = shapes(cols.close[-model.patterns.bars :], model.patterns.bars)[-1:]
        probs = model.probabilities(features[None, :])
        cls = int(model.decide(probs)[0])
        p = dict(zip(CLASSES, probs[0].tolist(), strict=True))
        before = self.last.get("direction")
        self.last = {
            "bar_open_ms": bar.open_ms,
            "direction": cls,
            "prediction": CLASS_NAMES[cls],
            "p_up": p[1],
            "p_neither": p[0],
            "p_down": p[-1],
            "confidence": p[1] - p[-1],
            "pattern": int(model.patterns.assign(shape)[0]),
            "model_version": self.model_version,
        }
        if before == cls:
            return None
        evidence = {"from": CLASS_NAMES[before] if before is not None else None,
                    "to": CLASS_NAMES[cls]} | self.last
        return [Finding("prediction_change", self.last_trade_id, bar.close_ms, evidence,
                        key=str(bar.open_ms))]

    def dump(self) -> Any:
        return [[b.dump() for b in self.bars], self.status, self.last, self.last_trade_id]

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls()
        analysis.bars.extend(Bar.load(b) for b in data[0])
        analysis.status, analysis.last, analysis.last_trade_id = data[1], data[2], data[3]
        return analysis

    def view(self) -> dict[str, Any]:
        model = self.model
        fresh = self.status == OK
        shown = self.last if fresh else {}
        return {
            "last_bar_open_ms": self.bars[-1].open_ms if self.bars else None,
            "status": self.status,
            "bar_open_ms": shown.get("bar_open_ms"),
            "direction": shown.get("direction"),
            "prediction": shown.get("prediction"),
            "p_up": shown.get("p_up"),
            "p_neither": shown.get("p_neither"),
            "p_down": shown.get("p_down"),
            "confidence": shown.get("confidence"),
            "pattern": shown.get("pattern"),
            "horizon_bars": model.params.horizon_bars if model is not None else None,
            "model_version": self.model_version if model is not None else None,
            "model_trained_until_ms": model.trained_until_ms if model is not None else None,
        }
