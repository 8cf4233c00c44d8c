"""What analyses declare they need besides the tape, supplied to them by the runner.

- ``models``: the symbol's kept trend models, each version loaded once per worker process
  (``ModelCache``); a version that does not load is dead-lettered once and left out.
- ``views``: other analyses' snapshots as of the batch's last trade, from the short history
  the commit keeps for the analyses someone reads. An input analysis that runs but has not
  reached that trade yet makes the inputs ``InputsBehind`` (the runner leaves the reading to
  that input); one that is not run here (not on the configured queues) is supplied as None,
  an absent input.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from omega_tasks.catalog import published
from omega_tasks.config import Settings
from omega_tasks.core.analysis import IN_TAPE, MODELS, Analysis, Need
from omega_tasks.core.ml import TrendModel
from omega_tasks.errors import InputsBehind, ModelRejected
from omega_tasks.messages import Batch
from omega_tasks.models import ModelStore
from omega_tasks.names import SymbolKeys
from omega_tasks.store import Store

log = logging.getLogger(__name__)


class Inputs:
    """Supplies declared inputs, for one worker process."""

    def __init__(self, settings: Settings) -> None:
        self.running = frozenset(published(settings.queues))
        self.kept = settings.models_kept
        self._models: ModelCache | None = None

    def gather(self, store: Store, k: SymbolKeys, analysis: Analysis,
               batch: Batch) -> dict[Need, Any]:
        """Return what ``analysis`` needs for ``batch``, by need."""
        found: dict[Need, Any] = {}
        for need in analysis.needs:
            if need in IN_TAPE:
                continue
            if need == MODELS:
                found[need] = self._kept_models(store, k)
            elif need.kind == "views":
                found[need] = self._views(store, k, need.names, batch.last_id)
            else:
                raise ValueError(f"{analysis.name} needs {need.kind!r}, which nothing supplies")
        return found

    def _kept_models(self, store: Store, k: SymbolKeys) -> dict[int, TrendModel]:
        if self._models is None:
            self._models = ModelCache(ModelStore(store.redis, self.kept))
        models, rejected = self._models.kept(k)
        for exc in rejected:
            log.error("%s: %s; that version predicts nothing", k.member, exc)
            store.dead_letter(f"models:{k.member}", str(exc), b"")
        return models

    def _views(self, store: Store, k: SymbolKeys, names: tuple[str, ...],
               trade_id: int) -> dict[str, Any]:
        run = [name for name in names if name in self.running]
        views = store.views_at(k, run, trade_id)
        behind = [name for name, view in views.items() if view is None]
        if behind:
            raise InputsBehind(f"{k.member}: {', '.join(behind)} not yet at trade {trade_id}")
        return {name: views.get(name) for name in names}


class ModelCache:
    """The kept models of each symbol, each version loaded once by a worker process.

    Threads of one worker share it: versions are loaded and published under a lock, so a
    thread never sees them half loaded and no version is loaded twice. A version that is
    rejected (``ModelRejected``) is reported once and then left out. Redis errors pass
    through and publish nothing: the task retries them and the next call loads again.
    """

    def __init__(self, models: ModelStore) -> None:
        self.models = models
        self._held: dict[str, Held] = {}
        self._loading = threading.Lock()

    def kept(self, k: SymbolKeys) -> tuple[dict[int, TrendModel], list[ModelRejected]]:
        """Return the kept models by version, and the rejections this call met first."""
        latest = self.models.latest(k)
        if latest is None:
            return {}, []
        held = self._held.get(k.member)
        rejected: list[ModelRejected] = []
        if held is None or held.latest != latest:
            with self._loading:
                held = self._held.get(k.member)
                if held is None or held.latest != latest:
                    held, rejected = self._load(k, latest, held)
        return held.usable, rejected

    def _load(
        self, k: SymbolKeys, latest: int, before: Held | None
    ) -> tuple[Held, list[ModelRejected]]:
        loaded: dict[int, TrendModel | None] = {}
        rejected: list[ModelRejected] = []
        for version in self.models.versions(k):
            if before is not None and version in before.loaded:
                loaded[version] = before.loaded[version]
                continue
            try:
                loaded[version] = self.models.load(k, version)
            except ModelRejected as exc:
                loaded[version] = None
                rejected.append(exc)
        usable = {v: m for v, m in loaded.items() if m is not None}
        held = self._held[k.member] = Held(latest, loaded, usable)
        return held, rejected


@dataclass(frozen=True, slots=True)
class Held:
    """A symbol's models as loaded when ``latest`` was the newest version."""

    latest: int
    loaded: dict[int, TrendModel | None]  # None: rejected or no longer kept
    usable: dict[int, TrendModel]
