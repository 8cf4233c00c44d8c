"""Latency: trade received → result in Redis, per analysis, with trades paced at fixed rates.

    python -m benchmarks.latency [--rates 1000,5000] [--seconds 20]

Ticks are emitted at a steady rate with the wall clock as their receive time; a subscriber
notes when each analysis's snapshot reaches each trade (the progress channel). Latency of a
trade = first time its analysis covered it − its receive time. Workers are laid out as the
Procfile lays out a fleet (one per queue group), and each rate starts warm (stored bars and a
trained trend model, as in the throughput benchmark). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import replace

import numpy as np
import redis

from benchmarks.harness import clean, redis_url, run_pipeline, warm_start, worker_groups, workers
from feeder.sources import Emit, Source
from omega_tasks.catalog import busy_queues, published
from omega_tasks.config import Settings
from omega_tasks.core.types import Trades
from omega_tasks.messages import Tick
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store


class PacedSource(Source):
    """Emit trades at a steady ``rate`` per second, noting when each went out."""

    name = "paced"

    def __init__(self, trades: Trades, rate: float) -> None:
        self.trades = trades
        self.rate = rate
        self.sent_ns = np.zeros(len(trades), dtype=np.int64)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        t, n, i = self.trades, len(self.trades), 0
        started = time.perf_counter()
        while i < n and not stop.is_set():
            due = min(n, int((time.perf_counter() - started) * self.rate) + 1)
            if due <= i:
                stop.wait((i + 1) / self.rate - (time.perf_counter() - started))
                continue
            now = time.time_ns()
            emit(
                [
                    Tick(
                        "bench",
                        "BTC-USDT",
                        t.ids[k],
                        t.prices[k],
                        t.sizes[k],
                        t.sides[k],
                        t.times_ms[k],
                        now,
                    )
                    for k in range(i, due)
                ]
            )
            self.sent_ns[i:due] = now
            i = due


class ProgressLog:
    """Record (when, analysis, last trade id) from the progress channel."""

    def __init__(self, store: Store) -> None:
        self.seen: list[tuple[int, str, int]] = []
        self.pubsub = store.redis.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(store.keys.progress_channel)
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        try:
            for message in self.pubsub.listen():
                analysis, _, last = message["data"].decode().split(" ")
                self.seen.append((time.time_ns(), analysis, int(last)))
        except (redis.ConnectionError, ValueError):
            return  # closed when the run ended

    def latencies(self, analysis: str, ids: np.ndarray, sent_ns: np.ndarray) -> np.ndarray:
        marks = [(t, last) for t, a, last in self.seen if a == analysis]
        covered = np.array([last for _, last in marks])
        when = np.array([t for t, _ in marks])
        best = np.minimum.accumulate(when[::-1])[::-1]  # earliest time covering >= each mark
        at = np.searchsorted(np.maximum.accumulate(covered), ids)
        return (best[at] - sent_ns) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,5000")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    params = SimulationParams(hours=12)
    base = simulate(params).trades
    results = {}
    with redis_url(args.redis) as url:
        settings = Settings(redis_url=url, key_prefix="omega-bench")
        queues = busy_queues(settings.queues)
        groups = worker_groups(queues)
        clean(settings)
        with workers(settings, groups, args.concurrency):
            for rate in rates:
                n = int(rate * args.seconds)
                step = 1000 / rate
                trades = replace(
                    base[:n], times_ms=tuple(base.times_ms[0] + int(k * step) for k in range(n))
                )
                warm_start(settings, params)
                store = Store.connect(settings)
                progress = ProgressLog(store)
                source = PacedSource(trades, rate)
                run_pipeline(settings, source, settings.batch_max, settings.batch_ms)
                ids = np.asarray(trades.ids)
                per = {}
                for name in published(queues):
                    ms = progress.latencies(name, ids, source.sent_ns)
                    per[name] = {
                        "p50_ms": round(float(np.percentile(ms, 50)), 1),
                        "p99_ms": round(float(np.percentile(ms, 99)), 1),
                        "max_ms": round(float(ms.max()), 1),
                    }
                    print(
                        f"{rate:>6}/s  {name:<10} p50 {per[name]['p50_ms']:7.1f} ms"
                        f"  p99 {per[name]['p99_ms']:7.1f} ms"
                        f"  max {per[name]['max_ms']:7.1f} ms"
                    )
                results[str(rate)] = per
                progress.pubsub.close()
                clean(settings)
    print(
        json.dumps(
            {
                "benchmark": "latency",
                "batch_ms": settings.batch_ms,
                "batch_max": settings.batch_max,
                "seconds": args.seconds,
                "per_rate": results,
            }
        )
    )


if __name__ == "__main__":
    main()
