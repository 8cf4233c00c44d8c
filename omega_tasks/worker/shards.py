"""Symbol-affine consumption: each shard of an analysis queue is taken by one worker node at
a time, so a symbol's batches meet the folds its worker holds and no trade is folded twice.

The feeder sends a symbol's batches to one shard of each queue (``traps.3``: a stable hash
of the symbol). With OMEGA_SHARDS > 1, a worker started on analysis queues (``-Q
traps,highfreq``) joins the group of the nodes started on the same queues: every
``HEARTBEAT_S`` it says in Redis that it is alive, reads who else is, and consumes the shards
that fall to it (shard i to the i-th live node, modulo, nodes sorted by name), starting and
cancelling consumers as nodes join and leave. A node that stops leaves at once; one that
dies drops out after ``LEASE_S``. Nothing is lost meanwhile: a shard no one consumes keeps
its batches, and a batch taken but not acknowledged goes back to its queue. While a shard
changes hands two nodes may each take one of its batches; the idempotent commits make that a
second fold, never a second effect.

Affinity is per node: run one process per node (``-c 1``) and scale by adding nodes.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import redis
from celery import bootsteps

from omega_tasks.names import ANALYSIS_QUEUES, shard_queue

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0
LEASE_S = 5.0


def assigned(shards: int, members: list[str], node: str) -> list[int]:
    """The shards ``node`` takes among the live ``members`` (sorted): shard i goes to
    member i modulo their number; none while the node is not (yet) among them."""
    if node not in members:
        return []
    at = members.index(node)
    return [shard for shard in range(shards) if shard % len(members) == at]


class ShardConsumer(bootsteps.StartStopStep):  # type: ignore[misc]
    """A consumer step that keeps this node consuming its share of the shards."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, c: Any, **kwargs: Any) -> None:
        super().__init__(c, **kwargs)
        self.group: tuple[str, ...] = ()
        self.timer: Any = None

    def start(self, c: Any) -> None:
        if not self.group:  # the queues the node was started on, before any shard is added
            consumed = c.app.amqp.queues.consume_from or {}
            self.group = tuple(q for q in ANALYSIS_QUEUES if q in consumed)
        if not self.group:
            return
        self.rebalance(c)
        self.timer = c.timer.call_repeatedly(HEARTBEAT_S, self.rebalance, (c,))

    def stop(self, c: Any) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def shutdown(self, c: Any) -> None:
        self.stop(c)
        if self.group:
            try:
                c.app.store.shards.leave(",".join(self.group), _member(c))
            except redis.RedisError as exc:  # the lease runs out instead
                log.warning("shards: could not leave the group: %s", exc)

    def rebalance(self, c: Any) -> None:
        """Renew this node's lease, then consume exactly the shards that fall to it."""
        shards = c.app.settings.shards
        try:
            members = c.app.store.shards.heartbeat(",".join(self.group), _member(c),
                                                  time.time_ns() // 1_000_000,
                                                  int(LEASE_S * 1000))
        except redis.RedisError as exc:  # keep what it has until Redis answers again
            log.warning("shards: Redis unreachable, keeping the current shards: %s", exc)
            return
        mine = assigned(shards, members, _member(c))
        want = {shard_queue(q, i) for q in self.group for i in mine}
        every = {shard_queue(q, i) for q in self.group for i in range(shards)}
        have = {q.name for q in c.task_consumer.queues if q.name in every}
        for name in sorted(want - have):
            c.add_task_queue(name)
        for name in sorted(have - want):
            c.cancel_task_queue(name)


def _member(c: Any) -> str:
    """This node in its group: its name and process id (two nodes started with one name,
    as ``-n traps@%h`` on one host twice, are still two members)."""
    return f"{c.hostname}:{os.getpid()}"
