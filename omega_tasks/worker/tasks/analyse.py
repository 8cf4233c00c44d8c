"""One task per analysis queue: decode its batch (or each of the batches it carries, for the
symbols whose batches the feeder sent together), run the queue's analyses over each."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from omega_tasks.catalog import on_queue
from omega_tasks.core.analysis import TAPE
from omega_tasks.errors import DecodeError
from omega_tasks.messages import Batch
from omega_tasks.names import analyse_task
from omega_tasks.worker.runner import run
from omega_tasks.worker.runtime import Runtime

log = logging.getLogger(__name__)


def analyse(runtime: Runtime, queue: str, sent: bytes | list[bytes]) -> dict[str, Any]:
    """Run the analyses of ``queue`` over a batch, or over each of a list of batches in
    order; dead-letter a batch that does not decode."""
    if not isinstance(sent, list):
        return analyse_one(runtime, queue, sent)
    results = [analyse_one(runtime, queue, blob) for blob in sent]
    done = [r for r in results if "queue" in r]
    merged: dict[str, Any] = {
        "batches": len(sent),
        "dead_letters": [r["dead_letter"] for r in results if "dead_letter" in r],
    }
    if done:
        merged |= {
            "queue": queue,
            "trades": sum(r["trades"] for r in done),
            "received_ns": min(r["received_ns"] for r in done),
            "folded": sum(r["folded"] for r in done),
            "kinds": _by_detector((d, k) for r in done for d, ks in r["kinds"].items()
                                  for k in ks),
        }
    return merged


def analyse_one(runtime: Runtime, queue: str, blob: Any) -> dict[str, Any]:
    """Run the analyses of ``queue`` over one batch; dead-letter one that does not decode."""
    store = runtime.store
    try:
        if not isinstance(blob, bytes):
            raise DecodeError(f"a batch is bytes, not {type(blob).__name__}",
                              repr(blob)[:4096].encode())
        batch = Batch.decode(blob)
    except DecodeError as exc:
        log.error("%s: dead-lettering a batch: %s", analyse_task(queue), exc.reason)
        store.dead_letter(analyse_task(queue), exc.reason, exc.raw)
        return {"dead_letter": exc.reason}
    specs = on_queue(queue)
    outcomes = [run(store, spec, batch, runtime.folds, runtime.inputs) for spec in specs]
    # per analysis that folds the tape: as many as the batch's trades when none was folded
    # twice, and none cold when the process held every fold from the symbol's last batch
    tape = [o for spec, o in zip(specs, outcomes, strict=True) if TAPE in spec.kind.needs]
    folded = sum(o.folded for o in tape) / len(tape) if tape else 0.0
    if tape:
        store.shards.count_folding(queue, folded, len(batch), sum(o.cold for o in tape) / len(tape))
    return {
        "queue": queue,
        "exchange": batch.exchange,
        "symbol": batch.symbol,
        "trades": len(batch),
        "folded": folded,
        "last_trade_id": batch.last_id,
        "received_ns": batch.received_ns[0],
        "events": {o.analysis: o.new_events for o in outcomes},
        "kinds": _by_detector(kind for o in outcomes for kind in o.new_kinds),
    }


def _by_detector(new: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The kinds of the new events, per detector (for the events metric)."""
    found: dict[str, list[str]] = {}
    for detector, kind in new:
        found.setdefault(detector, []).append(kind)
    return found
