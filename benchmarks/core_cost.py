"""Core cost: nanoseconds per trade of each analysis's pure fold, and of the bar clock alone.

    python -m benchmarks.core_cost [--hours 8] [--repeat 5] [--clock cpu] [--trades-per-s 4]
                                   [--depth RECORDING]

Folds a simulated market through every catalogued analysis in one batch per run and
reports the median of the repeats. The last line is JSON. ``--clock cpu`` times with the
process's CPU time, which other load on a shared machine disturbs far less than wall time.
The prediction fold is handed a trend model trained on the 30 simulated hours before the
market, fresh for the whole run, so every closed bar costs a real prediction. Work done once
per closed bar is spread over the trades of a minute: ``--trades-per-s`` sets how many (the
simulator's 4 by default; the recorded Binance BTCUSDT spot tapes have 28–31).

``--depth`` (a recording with diff-depth, default the 2024-08-08 spot tape when the data is
there) adds the feeder's order-book cost: nanoseconds per depth message to apply it to the
synced book and sample the top levels when a sample is due.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from benchmarks.harness import trend_model
from feeder.attachments import Attachments
from feeder.exchanges.binance import BinanceSpot
from feeder.recordings import frames
from feeder.sources import DepthSnapshot, DepthUpdate
from omega_tasks.catalog import CATALOG
from omega_tasks.core.analysis import MODELS, TAPE, Analysis, Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.ml import TrendModel
from omega_tasks.core.types import Trades
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams

DATA = Path(os.environ.get("OMEGA_DATA_DIR", Path(__file__).parents[2] / "shared" / "data"))
DEPTH_TAPE = DATA / "binance_ws" / "spot_btcusdt_20240808.gz"


def clock_only(trades: Trades) -> None:
    clock = BarClock()
    update = clock.update
    for row in trades.rows():
        update(*row)


def depth_messages(path: Path) -> tuple[list[DepthSnapshot], list[DepthUpdate]]:
    """The snapshots and depth updates of a Binance spot recording, parsed once."""
    exchange = BinanceSpot("ws://unused", "http://unused")
    items = [i for ns, frame in frames(path) for i in exchange.parse(frame, ns)]
    return ([i for i in items if isinstance(i, DepthSnapshot)],
            [i for i in items if isinstance(i, DepthUpdate)])


def books_only(snapshots: list[DepthSnapshot], updates: list[DepthUpdate]) -> None:
    attachments = Attachments()
    for snap in snapshots:
        attachments.snapshot(snap)
    depth = attachments.depth
    for update in updates:
        depth(update)


def fresh(kind: type[Analysis], model: TrendModel) -> Analysis:
    analysis = kind()
    if MODELS in kind.needs:
        analysis.supply({MODELS: {1: model}})
    return analysis


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    parser.add_argument("--trades-per-s", type=float, default=4.0)
    parser.add_argument("--depth", type=Path, default=DEPTH_TAPE)
    args = parser.parse_args()
    params = SimulationParams(hours=args.hours, trades_per_s=args.trades_per_s)
    trades = simulate(params).trades
    model = trend_model(params)
    n = len(trades)
    costs: dict[str, float] = {}
    runs = {"bar clock": lambda: clock_only(trades)}
    for spec in CATALOG:
        if TAPE not in spec.kind.needs:  # a reading of other analyses: no cost per trade
            continue
        runs[spec.name] = lambda kind=spec.kind: Fold(fresh(kind, model)).feed(trades)
    clock = time.process_time_ns if args.clock == "cpu" else time.perf_counter_ns
    for name, run in runs.items():
        times = []
        for _ in range(args.repeat):
            started = clock()
            run()
            times.append((clock() - started) / n)
        costs[name] = round(statistics.median(times))
        print(f"{name:<12} {costs[name]:>7,} ns/trade")
    if args.depth.exists():
        snapshots, updates = depth_messages(args.depth)
        times = []
        for _ in range(args.repeat):
            started = clock()
            books_only(snapshots, updates)
            times.append((clock() - started) / len(updates))
        costs["order book"] = round(statistics.median(times))
        levels = sum(len(u.bids) + len(u.asks) for u in updates) / len(updates)
        print(f"{'order book':<12} {costs['order book']:>7,} ns/depth message "
              f"({len(updates):,} of {args.depth.name}, {levels:.0f} level changes each)")
    print(json.dumps({"benchmark": "core_cost", "clock": args.clock, "trades": n,
                      "market_trades_per_s": args.trades_per_s, "ns_per_trade": costs}))


if __name__ == "__main__":
    main()
