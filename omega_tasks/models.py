"""Trend models in Redis: skops files, versioned, each with a card of what it was trained on.

A model is saved with skops (never pickle or joblib) and loaded only when every type it
names is one skops trusts or one on ``TRUSTED`` below, and when it fits the feature contract
(``TrendModel.check``); anything else is refused (``ModelRejected``), so a tampered model
cannot run code and a model of another shape cannot stop the predictions. Versions count up
per symbol; the newest ``kept`` stay. Saving a model whose data digest equals the newest
one's keeps the newest (a repeated retrain on unchanged bars adds no version).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import redis
import skops.io as sio

from omega_tasks.core.ml import ModelParams, TrendModel
from omega_tasks.core.ml_patterns import Patterns
from omega_tasks.errors import ModelRejected
from omega_tasks.names import SymbolKeys

# sklearn internals of a calibrated classifier, on top of what skops trusts by default
TRUSTED = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.KFold",
})


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a saved model was trained on, and how it scored walk-forward before it."""

    version: int
    saved_ms: int
    trained_from_ms: int
    trained_until_ms: int
    rows: int
    class_shares: tuple[float, ...]
    features: tuple[str, ...]
    params: dict[str, Any]
    metrics: dict[str, Any]
    data_digest: str

    @property
    def expires_ms(self) -> int:
        """The last market time the model may predict at."""
        return self.trained_until_ms + int(self.params["expiry_ms"])

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> ModelCard:
        data = json.loads(raw)
        data["class_shares"] = tuple(data["class_shares"])
        data["features"] = tuple(data["features"])
        return cls(**data)


def encode(model: TrendModel) -> bytes:
    """Return the model's fitted parts as a skops file."""
    blob: bytes = sio.dumps({"classifier": model.classifier,
                             "centroids": model.patterns.centroids})
    return blob


def decode(blob: bytes, card: ModelCard) -> TrendModel:
    """Rebuild a model from its skops file and card; refuse untrusted types."""
    found = sio.get_untrusted_types(data=blob)
    untrusted = sorted(set(found) - TRUSTED)
    if untrusted:
        raise ModelRejected(f"model {card.version} names untrusted types: {untrusted}")
    parts = sio.loads(blob, trusted=found)
    model = TrendModel(
        parts["classifier"], Patterns(parts["centroids"]), ModelParams(**card.params),
        card.features, card.trained_from_ms, card.trained_until_ms, card.rows,
        card.class_shares, card.data_digest,
    )
    try:
        model.check()
    except Exception as exc:  # whatever the stored objects raise when probed
        raise ModelRejected(f"model {card.version} breaks the feature contract: {exc}") from exc
    return model


class ModelStore:
    """Save, list and load the trend models of each symbol."""

    def __init__(self, client: redis.Redis, kept: int = 3) -> None:
        self.redis = client
        self.kept = kept
        script = resources.files("omega_tasks").joinpath("lua/save_model.lua").read_text()
        self._save = client.register_script(script)

    def save(
        self, k: SymbolKeys, model: TrendModel, metrics: dict[str, Any], saved_ms: int
    ) -> tuple[ModelCard, bool]:
        """Save a model as a new version; return its card and whether it is new.

        Atomic against an overlapping save: a model whose digest equals the newest one's is
        not saved, and ``latest`` only moves up.
        """
        newest = self.card(k)
        if newest is not None and newest.data_digest == model.data_digest:
            return newest, False  # the common case, without encoding the model
        version = int(self.redis.hincrby(k.models, "next", 1))
        card = ModelCard(
            version, saved_ms, model.trained_from_ms, model.trained_until_ms, model.rows,
            model.class_shares, model.features, dataclasses.asdict(model.params), metrics,
            model.data_digest,
        )
        saved = self._save(keys=[k.models], args=[version, self.kept, model.data_digest,
                                                  encode(model), card.to_json()])
        if not saved[1]:
            return ModelCard.from_json(saved[2]), False
        return card, True

    def latest(self, k: SymbolKeys) -> int | None:
        """Return the newest version, or None when no model was saved."""
        raw = self.redis.hget(k.models, "latest")
        return int(raw) if raw is not None else None

    def versions(self, k: SymbolKeys) -> list[int]:
        """Return the kept versions, oldest first."""
        fields = self.redis.hkeys(k.models)
        return sorted(int(f[: -len(b":card")]) for f in fields if f.endswith(b":card"))

    def card(self, k: SymbolKeys, version: int | None = None) -> ModelCard | None:
        """Return the card of a version (the newest by default)."""
        version = self.latest(k) if version is None else version
        if version is None:
            return None
        raw = self.redis.hget(k.models, f"{version}:card")
        return ModelCard.from_json(raw) if raw is not None else None

    def load(self, k: SymbolKeys, version: int) -> TrendModel | None:
        """Load a saved version, or None when it is no longer kept.

        A version that does not decode (untrusted types, a broken file or card) raises
        ``ModelRejected``; Redis errors pass through, as the calling task retries them.
        """
        blob, raw = self.redis.hmget(k.models, f"{version}:skops", f"{version}:card")
        if blob is None or raw is None:
            return None
        try:
            return decode(blob, ModelCard.from_json(raw))
        except ModelRejected:
            raise
        except Exception as exc:  # skops and json raise what a broken file gives them
            raise ModelRejected(f"model {version} does not load: {exc!r}") from exc
