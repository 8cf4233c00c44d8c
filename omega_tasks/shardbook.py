"""The fleet's shard bookkeeping in Redis: which worker nodes share a group of queues' shards,
and how each queue's tasks folded (trades folded per trade analysed, cold folds)."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from omega_tasks.names import Keys


@dataclass(frozen=True, slots=True)
class Folding:
    """How a queue's tasks folded: trades folded and analysed; tasks, and how many of them
    found a fold cold (loaded from its checkpoint: the symbol's last batch ran elsewhere)."""

    folded: float
    analysed: int
    cold: float
    tasks: int

    @property
    def refolds(self) -> float:
        """Trades folded per trade analysed: 1 when no trade was folded twice."""
        return self.folded / self.analysed if self.analysed else 0.0

    @property
    def cold_share(self) -> float:
        return self.cold / self.tasks if self.tasks else 0.0


class ShardBook:
    """Shard members and folding counts, behind methods named for what they mean."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def count_folding(self, queue: str, folded: float, analysed: int, cold: float) -> None:
        """Add a task's trades folded and its share of cold folds (both per analysis that
        folds the tape) and its trades analysed to its queue's counts."""
        key = self.keys.folding
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hincrbyfloat(key, f"{queue}:folded", folded)
            pipe.hincrby(key, f"{queue}:analysed", analysed)
            pipe.hincrbyfloat(key, f"{queue}:cold", cold)
            pipe.hincrby(key, f"{queue}:tasks", 1)
            pipe.execute()

    def folding(self) -> dict[str, Folding]:
        """How each queue's tasks folded so far."""
        raw = {k.decode(): float(v) for k, v in self.redis.hgetall(self.keys.folding).items()}
        queues = {name.rsplit(":", 1)[0] for name in raw}
        return {q: Folding(raw.get(f"{q}:folded", 0.0), int(raw.get(f"{q}:analysed", 0)),
                           raw.get(f"{q}:cold", 0.0), int(raw.get(f"{q}:tasks", 0)))
                for q in sorted(queues)}

    def heartbeat(self, group: str, node: str, now_ms: int, lease_ms: int) -> list[str]:
        """Say ``node`` is alive in a shard group; return the group's live nodes, sorted.

        A node not heard from for ``lease_ms`` is dropped; the hash itself expires when the
        whole group has been silent that long ten times over.
        """
        key = self.keys.shard_members(group)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, node, now_ms)
            pipe.pexpire(key, 10 * lease_ms)
            pipe.hgetall(key)
            seen: dict[bytes, bytes] = pipe.execute()[-1]
        dead = [n for n, at in seen.items() if now_ms - int(at) > lease_ms]
        if dead:
            self.redis.hdel(key, *dead)
        return sorted(n.decode() for n in seen if n not in dead)

    def leave(self, group: str, node: str) -> None:
        """Take ``node`` out of a shard group at once (a clean stop)."""
        self.redis.hdel(self.keys.shard_members(group), node)
