"""Waiting until analyses cover a trade, driven by the progress channel their commits publish."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from omega_tasks.names import SymbolKeys
from omega_tasks.store import Store


def wait_until_covered(
    store: Store,
    k: SymbolKeys,
    analyses: Sequence[str],
    trade_id: int,
    timeout_s: float,
    on_progress: Callable[[int], None] | None = None,
) -> bool:
    """Block until every named snapshot covers ``trade_id``; False on timeout.

    Driven by the progress channel that snapshot commits publish on; ``on_progress``
    hears the least-advanced analysis's last trade id as it moves.
    """
    deadline = time.monotonic() + timeout_s
    pubsub = store.subscribe(store.keys.progress_channel)
    try:
        covered = {a: store.covered(k, a) for a in analyses}
        while True:
            if on_progress is not None:
                on_progress(min(covered.values(), default=trade_id))
            if all(c >= trade_id for c in covered.values()):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            message = pubsub.get_message(timeout=min(left, 1.0))
            if message is None:  # a quiet second: re-read, in case a message was missed
                covered = {a: store.covered(k, a) for a in analyses}
                continue
            analysis, member, last = message["data"].decode().split(" ")
            if member == k.member and analysis in covered:
                covered[analysis] = max(covered[analysis], int(last))
    finally:
        pubsub.close()
