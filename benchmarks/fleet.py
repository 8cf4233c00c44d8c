"""The fleet at scale: many symbols at the same total rate, shards, 1 or 2 processes per
worker group, on Redis or RabbitMQ, all in one run. The last line is JSON.

    python -m benchmarks.fleet [--symbols 1,10,50] [--processes 1,2] [--brokers redis,rabbitmq]
                               [--ticks 60000] [--shards 4]

For each combination the same ``--ticks`` simulated trades are split evenly over the symbols
(each symbol replays the market's first ticks/symbols trades, symbols taking turns 20 trades
at a time) and fed as fast as the pipeline takes them. Each worker group (as the Procfile lays
them out) runs ``processes`` worker nodes of one process each, consuming ``--shards`` shards of
its queues. Reported per run: ticks/s fully analysed, batches and ticks per batch (batches due
at once share one task per queue and shard), worker CPU per tick (µs), trades
folded per trade analysed and the share of tasks whose fold was cold (the symbol's previous
batch ran in another process), with the machine's load average at the start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace

from benchmarks.harness import (
    CpuMeter,
    clean,
    redis_url,
    run_pipeline,
    trend_model,
    worker_groups,
    workers,
)
from feeder.sources import Emit, Source
from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.messages import Tick
from omega_tasks.models import ModelStore
from omega_tasks.simulation.history import preceding_bars
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store

RUN = 20  # trades of one symbol before the next symbol's turn


class SymbolsSource(Source):
    """The same trades for each of several symbols, symbols taking turns."""

    name = "symbols"

    def __init__(self, ticks: list[Tick], symbols: list[str]) -> None:
        self.ticks = ticks
        self.symbols = symbols

    def run(self, emit: Emit, stop: threading.Event) -> None:
        per = [[replace(t, symbol=s) for t in self.ticks] for s in self.symbols]
        for at in range(0, len(self.ticks), RUN):
            if stop.is_set():
                return
            emit([t for mine in per for t in mine[at:at + RUN]])


def symbol_names(count: int) -> list[str]:
    return ["BTC-USDT"] + [f"S{n:02d}-USDT" for n in range(1, count)]


def warm(settings: Settings, params: SimulationParams, symbols: list[str]) -> None:
    """Every symbol starts warm: 30 simulated hours of 1m bars and a trained trend model."""
    store = Store.connect(settings)
    bars = preceding_bars(params, 30.0)
    model = trend_model(params, bars)
    for symbol in symbols:
        k = store.symbol(params.exchange, symbol)
        store.add_bars(k, bars)
        ModelStore(store.redis).save(k, model, {}, saved_ms=params.start_ms)


@contextlib.contextmanager
def rabbitmq_vhost(name: str) -> Iterator[str]:
    """A RabbitMQ virtual host of the benchmark's own on the machine's broker."""
    def ctl(*args: str) -> None:
        subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True)

    ctl("add_vhost", name)
    ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        ctl("delete_vhost", name)


def measure(settings: Settings, ticks: list[Tick], symbols: list[str], processes: int,
            params: SimulationParams) -> dict[str, object]:
    queues = busy_queues(settings.queues)
    groups = [g for g in worker_groups(queues) for _ in range(processes)]
    clean(settings)
    warm(settings, params, symbols)
    with workers(settings, groups, 1) as procs:
        meter = CpuMeter(settings, procs)
        meter.start()
        report, _fed, total = run_pipeline(settings, SymbolsSource(ticks, symbols),
                                           settings.batch_max, settings.batch_ms)
        cpu = meter.stop()
    folding = Store.connect(settings).folding()
    return {
        "symbols": len(symbols), "processes_per_group": processes, "ticks": report.trades,
        "ticks_per_s": round(report.trades / total), "batches": report.batches,
        "ticks_per_batch": round(report.trades / report.batches, 1),
        "worker_cpu_us_per_tick": round(cpu["workers"] / report.trades * 1e6, 1),
        "folded_per_analysed": {q: round(f.refolds, 3) for q, f in folding.items()},
        "cold_share": {q: round(f.cold_share, 3) for q, f in folding.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", default="1,10,50")
    parser.add_argument("--processes", default="1,2", help="worker nodes per group")
    parser.add_argument("--brokers", default="redis,rabbitmq")
    parser.add_argument("--ticks", type=int, default=60_000, help="total, over all symbols")
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    counts = [int(n) for n in args.symbols.split(",")]
    params = SimulationParams(hours=args.ticks / 27 / 3600 * 1.5, trades_per_s=27.0)
    simulation = simulate(params)
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    runs = []
    with redis_url(args.redis) as url:
        for broker in args.brokers.split(","):
            with contextlib.ExitStack() as stack:
                broker_url = (stack.enter_context(rabbitmq_vhost(f"omega-bench-{os.getpid()}"))
                              if broker == "rabbitmq" else "")
                settings = Settings(redis_url=url, broker_url=broker_url,
                                    key_prefix="omega-bench", shards=args.shards)
                for count in counts:
                    per_symbol = args.ticks // count
                    ticks = [Tick(params.exchange, params.symbol, i, p, q, s, ms, ms * 10**6)
                             for i, ms, p, q, s in simulation.trades[:per_symbol].rows()]
                    for processes in (int(n) for n in args.processes.split(",")):
                        run = {"broker": broker} | measure(settings, ticks, symbol_names(count),
                                                           processes, params)
                        runs.append(run)
                        print(json.dumps(run), flush=True)
                clean(settings)
    print(json.dumps({"benchmark": "fleet", "shards": args.shards, "load_average": load,
                      "cores": os.cpu_count(), "runs": runs}))


if __name__ == "__main__":
    main()
