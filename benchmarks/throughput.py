"""Throughput: simulated ticks through feeder → Redis → every analysis queue, fully analysed.

Measures the batched design and, in the same run with the same workers, the naive design
(one Celery task per tick per queue), and prints the ratio. The last line is JSON.

    python -m benchmarks.throughput [--ticks 300000] [--naive-ticks 3000] [--trades-per-s 27]
    python -m benchmarks.throughput --scaling [--ticks 300000]

Workers are laid out as the Procfile lays out a fleet: one ``celery worker`` per queue group
(traps+highfreq, fib+trends, ml+maintenance), ``--concurrency`` processes each;
``--single-worker`` puts every queue on one worker instead. ``--scaling`` runs the batched
design with one process per group and then with two, and prints both rates.

The simulated market trades ``--trades-per-s`` in market time (27 by default, a little
under the 28–31 a second of the recorded Binance BTCUSDT spot tapes): work done once per
closed bar (levels, regimes, the trend model's prediction) is spread over that many trades a
second. Every run starts warm, as a live feed does: the 30 simulated hours before the market
are stored as 1m bars, and the ml queue predicts with a model trained on them, as a fleet's
beat would have saved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from dataclasses import replace
from datetime import UTC, datetime

from benchmarks.harness import (
    CpuMeter,
    clean,
    redis_url,
    run_pipeline,
    warm_start,
    worker_groups,
    workers,
)
from feeder.sources.simulator import SimulatorSource
from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=300_000)
    parser.add_argument("--naive-ticks", type=int, default=3_000)
    parser.add_argument("--batch", type=int, default=1000, help="OMEGA_BATCH_MAX")
    parser.add_argument("--batch-ms", type=int, default=20, help="OMEGA_BATCH_MS")
    parser.add_argument("--concurrency", type=int, default=1, help="processes per worker")
    parser.add_argument(
        "--single-worker",
        action="store_true",
        help="one worker on every queue instead of one per worker group",
    )
    parser.add_argument(
        "--trades-per-s",
        type=float,
        default=27.0,
        help="market time density (the recorded Binance BTCUSDT spot tapes have 28-31)",
    )
    parser.add_argument("--pool", choices=("prefork", "solo", "threads"), default="prefork")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="compare 1 and 2 processes per worker group instead of naive",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    hours = args.ticks / args.trades_per_s / 3600 * 1.5  # arrivals are random: spare hours
    params = SimulationParams(hours=hours, trades_per_s=args.trades_per_s)
    simulation = simulate(params)
    trades = simulation.trades[: args.ticks]
    with redis_url(args.redis) as url:
        settings = Settings(redis_url=url, key_prefix="omega-bench")
        queues = busy_queues(settings.queues)
        clean(settings)
        groups = [list(queues)] if args.single_worker else worker_groups(queues)
        if args.scaling:
            rates = {}
            for concurrency in (1, 2):
                with workers(settings, groups, concurrency):
                    source = SimulatorSource(replace(simulation, trades=trades))
                    warm_start(settings, params)
                    report, _fed, total = run_pipeline(settings, source, args.batch, args.batch_ms)
                clean(settings)
                rates[concurrency] = report.trades / total
                print(
                    f"{len(groups)} worker groups x {concurrency} process(es): "
                    f"{rates[concurrency]:,.0f} ticks/s"
                )
            print(
                json.dumps(
                    _common(queues, args)
                    | {
                        "benchmark": "throughput_scaling",
                        "groups": groups,
                        "ticks_per_s_by_processes_per_group": {
                            k: round(v) for k, v in rates.items()
                        },
                    }
                )
            )
            return
        with workers(settings, groups, args.concurrency, args.pool) as procs:
            warm_start(settings, params)
            meter = CpuMeter(settings, procs)
            meter.start()
            report, fed, total = run_pipeline(
                settings,
                SimulatorSource(replace(simulation, trades=trades)),
                args.batch,
                args.batch_ms,
            )
            cpu = meter.stop()
            predicted = _prediction_status(settings, params)
            clean(settings)
            naive = SimulatorSource(
                replace(simulation, trades=simulation.trades[: args.naive_ticks])
            )
            warm_start(settings, params)
            naive_report, _naive_fed, naive_total = run_pipeline(settings, naive, 1)
        clean(settings)
    rate = report.trades / total
    naive_rate = naive_report.trades / naive_total
    result = _common(queues, args) | {
        "benchmark": "throughput",
        "ticks": report.trades,
        "groups": groups,
        "concurrency": args.concurrency,
        "pool": args.pool,
        "feed_ticks_per_s": round(report.trades / fed),
        "ticks_per_s": round(rate),
        "naive_ticks": naive_report.trades,
        "naive_ticks_per_s": round(naive_rate, 1),
        "ratio": round(rate / naive_rate, 1),
        "prediction_status": predicted,
        "cpu_us_per_tick": {k: round(v / report.trades * 1e6, 1) for k, v in cpu.items()},
    }
    print(
        f"batched: {report.trades:,} ticks fully analysed in {total:.2f} s = {rate:,.0f} ticks/s "
        f"(fed at {report.trades / fed:,.0f} ticks/s)"
    )
    print(
        f"naive:   {naive_report.trades:,} ticks, one task per tick per queue, in "
        f"{naive_total:.2f} s = {naive_rate:,.0f} ticks/s"
    )
    print(f"ratio:   {rate / naive_rate:.1f}x")
    shares = ", ".join(f"{k} {v / report.trades * 1e6:.1f}" for k, v in cpu.items())
    print(f"CPU per tick (us): {shares}")
    print(json.dumps(result))


def _prediction_status(settings: Settings, params: SimulationParams) -> str:
    """The ml queue's last word: "ok" when it was predicting with the seeded model."""
    store = Store.connect(settings)
    snapshot = store.snapshot(store.symbol(params.exchange, params.symbol), "prediction")
    return str(snapshot[1].get("status")) if snapshot is not None else "no snapshot"


def _common(queues: tuple[str, ...], args: argparse.Namespace) -> dict[str, object]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "queues": list(queues),
        "batch_max": args.batch,
        "market_trades_per_s": args.trades_per_s,
        "batch_ms": args.batch_ms,
    }


if __name__ == "__main__":
    main()
