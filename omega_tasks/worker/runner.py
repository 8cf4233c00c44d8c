"""Run one analysis over one batch: the one adapter between every fold and the store.

A task loads the newest checkpoint at or before its batch; if that checkpoint is behind (an
earlier batch is still running, or was lost) it folds the missing trades from the tick
stream first, then its own batch, and commits events, checkpoint and snapshots in one script.
Events from the catch-up are committed too: they are idempotent, and a lost batch loses
nothing. The result depends only on the trades, never on the order tasks run in.

Whatever else an analysis declares it needs (models, other analyses' views) is supplied
first (``worker.inputs``). An analysis that reads other analyses (harmony) reads them all as
of the batch's last trade: it is run by its own queue's task and again by each of its
inputs' tasks once they committed, and the first run to find every input there reads; the
others find nothing to do. No task waits or retries for another queue.

A worker process keeps the fold it last committed (``Folds``). A fold is a pure function of
the trades it covers, so when the next batch starts right after it, that fold is exactly what
the checkpoint would give, without reading and decoding the checkpoint.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import msgpack

from omega_tasks.catalog import AnalysisSpec, read_by_others, readers_of
from omega_tasks.core.analysis import TAPE, Fold
from omega_tasks.core.types import MINUTE_MS, Finding
from omega_tasks.errors import HistoryTrimmed, InputsBehind
from omega_tasks.messages import Batch, Event, snapshot_json
from omega_tasks.names import SymbolKeys
from omega_tasks.store import Store, minute_of
from omega_tasks.worker.inputs import Inputs

log = logging.getLogger(__name__)
HISTORY_BARS = 6 * 24 * 60  # closed 1m bars a fold starting afresh is warmed up on
KEPT_VIEWS = read_by_others()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What running an analysis over a batch did."""

    analysis: str
    caught_up: int = 0
    folded: int = 0  # trades fed to the fold: the batch's and the caught-up ones
    cold: bool = False  # the fold was loaded from its checkpoint, not held by this process
    findings: int = 0
    new_events: int = 0
    advanced: bool = False
    reset: bool = False
    new_kinds: tuple[tuple[str, str], ...] = ()  # (detector, kind) of each new event


class Folds:
    """The folds one process last committed, by symbol and analysis."""

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], Fold] = {}

    def take(self, member: str, analysis: str) -> Fold | None:
        """Remove and return the held fold (a fold being fed is never held)."""
        return self._held.pop((member, analysis), None)

    def keep(self, member: str, analysis: str, fold: Fold) -> None:
        self._held[(member, analysis)] = fold


def run(store: Store, spec: AnalysisSpec, batch: Batch, folds: Folds | None = None,
        inputs: Inputs | None = None) -> Outcome:
    """Bring ``spec``'s fold for the batch's symbol up to the batch's last trade.

    ``folds`` holds the fold between batches (None: load it from its checkpoint each time);
    ``inputs`` supplies what the analysis needs besides the tape.
    """
    folds = folds if folds is not None else Folds()
    k = store.symbol(batch.exchange, batch.symbol)
    covered = store.covered(k, spec.name)
    if covered >= batch.last_id:
        return Outcome(spec.name)
    held = folds.take(k.member, spec.name)
    start = batch.first_id - 1
    if held is not None and min(covered, start) <= held.last_id <= start:
        fold, cold = held, False
    else:
        fold, cold = _load(store, spec, k, batch), True
    try:
        supplied = inputs.gather(store, k, fold.analysis, batch) if inputs is not None else {}
    except InputsBehind:  # the last of its inputs to get there runs it again
        folds.keep(k.member, spec.name, fold)
        return Outcome(spec.name)
    fold.analysis.supply(supplied)
    findings: list[Finding] = []
    caught_up, reset, folded = 0, False, 0
    if TAPE in spec.kind.needs:
        if fold.last_id < batch.first_id - 1:
            try:
                missing = store.stored_between(k, fold.last_id + 1, batch.first_id - 1)
            except HistoryTrimmed as exc:
                log.error("%s %s: %s; restarting from this batch", spec.name, k.member, exc)
                fold = _restart(store, spec, k, batch)
                fold.analysis.supply(supplied)
                findings.append(_reset_finding(spec, batch, exc))
                reset = True
            else:
                caught_up = len(missing)
                findings += fold.feed(missing.trades, missing.liquidations, missing.bars,
                                      missing.quotes, missing.books)
        findings += fold.feed(batch.trades, batch.liquidations, batch.bars, batch.quotes,
                              batch.books)
        folded = caught_up + len(batch.trades)
    findings += fold.settle(batch.last_id)
    analysis = fold.analysis
    events = [Event.of(k.exchange, k.symbol, analysis.detector(f), f) for f in findings]
    view = analysis.view()
    snapshots = {name: snapshot_json(view | {
        "analysis": name, "exchange": k.exchange, "symbol": k.symbol,
        "last_trade_id": fold.last_id}) for name in spec.publishes}
    added, advanced = store.commit(k, spec.name, events, fold.last_id,
                                   msgpack.packb(fold.dump()), snapshots, KEPT_VIEWS)
    folds.keep(k.member, spec.name, fold)
    if inputs is not None:
        for reader in readers_of(spec):
            if reader.name in inputs.running:
                run(store, reader, batch, folds, inputs)
    kinds = tuple((e.detector, e.kind) for e in added)
    return Outcome(spec.name, caught_up, folded, cold, len(findings), len(added), advanced,
                   reset, kinds)


def _load(store: Store, spec: AnalysisSpec, k: SymbolKeys, batch: Batch) -> Fold:
    """Load the newest checkpoint before the batch, or start the fold afresh."""
    base = store.checkpoint_at_or_before(k, spec.name, batch.first_id - 1)
    fold = Fold.load(spec.kind, msgpack.unpackb(base.blob)) if base is not None else None
    if fold is not None:
        return fold
    if TAPE not in spec.kind.needs:  # it reads no trades: nothing before the batch matters
        return Fold(spec.kind(), last_id=batch.first_id - 1)
    return _genesis(store, spec, k, batch)


def _genesis(store: Store, spec: AnalysisSpec, k: SymbolKeys, batch: Batch) -> Fold:
    """Start the fold at the symbol's first stored trade, warmed up on the bars before it."""
    origin = store.origin(k)
    if origin is None or origin >= batch.first_id:
        return _restart(store, spec, k, batch)
    try:
        first = store.trades_between(k, origin, origin)
    except HistoryTrimmed:  # the catch-up from the origin then reports the gap and restarts
        return Fold(spec.kind(), last_id=origin - 1)
    start_ms = first.times_ms[0] if len(first) else batch.trades.times_ms[0]
    fold = Fold.start(spec.kind(), store.bars(k, before_ms=minute_of(start_ms),
                                              limit=HISTORY_BARS))
    fold.last_id = origin - 1
    return fold


def _restart(store: Store, spec: AnalysisSpec, k: SymbolKeys, batch: Batch) -> Fold:
    """Start the fold at this batch, warmed up on the stored bars before it."""
    before = minute_of(batch.trades.times_ms[0])
    fold = Fold.start(spec.kind(), store.bars(k, before_ms=before, limit=HISTORY_BARS))
    fold.last_id = batch.first_id - 1
    return fold


def _reset_finding(spec: AnalysisSpec, batch: Batch, exc: HistoryTrimmed) -> Finding:
    return Finding(
        "history_gap",
        batch.first_id,
        batch.trades.times_ms[0],
        {
            "analysis": spec.name,
            "needed_from_trade_id": exc.needed_from,
            "retained_from_trade_id": exc.retained_from,
            "restarted_at_trade_id": batch.first_id,
            "warmup_minutes_before_ms": minute_of(batch.trades.times_ms[0]) - MINUTE_MS,
        },
    )
