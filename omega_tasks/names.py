"""Every name Omega's processes agree on: analyses, detectors, queues, tasks and Redis keys.

It imports nothing of Omega's, so every layer, the pure core included, reads its names here
and no name is typed twice.

Per symbol, under ``{prefix}:{exchange}:{symbol}:``

    ticks              stream of tick batches; entry id = "<first trade id>-0"; trimmed by id
    bars:1m            sorted set of closed 1m bars, score = open time (ms)
    events             stream of events (JSON), capped
    event-ids          sorted set of event ids already written, score = trigger trade id
    state:{analysis}   hash: the JSON snapshot and the last trade id it covers
    ckpt:{analysis}    sorted set of fold checkpoints, score = last trade id covered
    views:{analysis}   sorted set of its recent snapshots (JSON), score = last trade id
                       covered; kept only for the analyses another analysis reads
    feed               hash: feed health (last trade id/time, connection, gaps, origin id)
    models             hash: trend models, "{version}:skops" and "{version}:card" (JSON),
                       "latest" (the newest version) and "next" (the version counter)

Shared: ``{prefix}:symbols`` (set of "exchange:symbol"), ``{prefix}:deadletter`` (stream),
``{prefix}:beat`` (the lock held by the one running celery beat), ``{prefix}:alerts``
(stream of fleet alerts from Alertmanager, for ``omega notify``), ``{prefix}:beat:runs`` (hash:
when beat last sent each job), ``{prefix}:shards:{queues}`` (hash: the worker nodes sharing
those queues' shards, each with when it last said it was alive), ``{prefix}:folding`` (hash:
trades folded and analysed per queue), channels ``{prefix}:events`` (every event) and
``{prefix}:progress`` (snapshot advances).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from enum import StrEnum

# Analyses. Each name is also its snapshot's, its checkpoints' and its events' detector.
THRESHOLD = "threshold"
TREND = "trend"
FIB = "fib"
TRAPS = "traps"
HIGHFREQ = "highfreq"
ORDERFLOW = "orderflow"
PREDICTION = "prediction"
HARMONY = "harmony"
VOLATILITY = "volatility"
FEED = "feed"  # the detector of the feeder's events (gaps) and of beat's (stale feeds)


class Queue(StrEnum):
    """The Celery queues: one per group of analyses an operator scales, and upkeep."""

    TRAPS = "traps"
    HIGHFREQ = "highfreq"
    FIB = "fib"
    TRENDS = "trends"
    ML = "ml"
    MAINTENANCE = "maintenance"


ANALYSIS_QUEUES: tuple[Queue, ...] = (
    Queue.TRAPS, Queue.HIGHFREQ, Queue.FIB, Queue.TRENDS, Queue.ML,
)
ALL_QUEUES: tuple[Queue, ...] = (*ANALYSIS_QUEUES, Queue.MAINTENANCE)


class TaskName(StrEnum):
    """Tasks sent by name (by beat, the demo, the feeder's peers) besides the analyses'."""

    CATCH_UP = "omega.maintenance.catch_up"
    CHECK_FEEDS = "omega.maintenance.check_feeds"
    TRIM = "omega.maintenance.trim"
    RETRAIN = "omega.ml.retrain"


def shard_of(member: str, shards: int) -> int:
    """The shard of a symbol ("exchange:symbol"): the same in every process and every run."""
    return zlib.crc32(member.encode()) % shards


def shard_queue(queue: str, shard: int) -> str:
    """The name of one shard of an analysis queue: ``traps.0``, ``traps.1``, ..."""
    return f"{queue}.{shard}"


def queue_names(shards: int) -> tuple[str, ...]:
    """Every queue a fleet with ``shards`` shards per analysis queue declares (1: no shards)."""
    if shards <= 1:
        return ALL_QUEUES
    return (*ALL_QUEUES, *(shard_queue(q, i) for q in ANALYSIS_QUEUES for i in range(shards)))


def analyse_task(queue: str) -> str:
    """Return the name of the task that analyses a batch on ``queue``."""
    return f"omega.{queue}.analyse"


@dataclass(frozen=True, slots=True)
class SymbolKeys:
    """The keys of one exchange symbol."""

    base: str
    exchange: str
    symbol: str

    @property
    def ticks(self) -> str:
        return f"{self.base}:ticks"

    @property
    def bars(self) -> str:
        return f"{self.base}:bars:1m"

    @property
    def events(self) -> str:
        return f"{self.base}:events"

    @property
    def event_ids(self) -> str:
        return f"{self.base}:event-ids"

    @property
    def feed(self) -> str:
        return f"{self.base}:feed"

    def state(self, analysis: str) -> str:
        return f"{self.base}:state:{analysis}"

    def checkpoints(self, analysis: str) -> str:
        return f"{self.base}:ckpt:{analysis}"

    def views(self, analysis: str) -> str:
        return f"{self.base}:views:{analysis}"

    @property
    def models(self) -> str:
        return f"{self.base}:models"

    @property
    def member(self) -> str:
        """The symbol's entry in the symbols set."""
        return f"{self.exchange}:{self.symbol}"


@dataclass(frozen=True, slots=True)
class Keys:
    """Every key and channel name under one prefix."""

    prefix: str = "omega"

    def symbol(self, exchange: str, symbol: str) -> SymbolKeys:
        return SymbolKeys(f"{self.prefix}:{exchange}:{symbol}", exchange, symbol)

    @property
    def symbols(self) -> str:
        return f"{self.prefix}:symbols"

    @property
    def deadletter(self) -> str:
        return f"{self.prefix}:deadletter"

    @property
    def beat_lock(self) -> str:
        return f"{self.prefix}:beat"

    @property
    def beat_runs(self) -> str:
        return f"{self.prefix}:beat:runs"

    @property
    def folding(self) -> str:
        """Hash of trades folded and trades analysed per queue, "{queue}:folded" and
        "{queue}:analysed", over the fleet's life: their ratio says how often a trade was
        folded twice."""
        return f"{self.prefix}:folding"

    def shard_members(self, group: str) -> str:
        """Hash of the worker nodes sharing the shards of a group of queues: node → the
        time (ms) it last said it was alive."""
        return f"{self.prefix}:shards:{group}"

    @property
    def write_probe(self) -> str:
        """A key ``omega status`` sets to expire at once, to learn whether Redis takes writes."""
        return f"{self.prefix}:write-probe"

    @property
    def alerts(self) -> str:
        return f"{self.prefix}:alerts"

    @property
    def events_channel(self) -> str:
        return f"{self.prefix}:events"

    @property
    def progress_channel(self) -> str:
        return f"{self.prefix}:progress"
