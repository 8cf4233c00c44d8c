"""Core cost: nanoseconds per trade of each analysis's pure fold, and of the bar clock alone.

    python -m benchmarks.core_cost [--hours 8] [--repeat 5] [--clock cpu] [--trades-per-s 4]

Folds a simulated market through every catalogued analysis in one batch per run and
reports the median of the repeats. The last line is JSON. ``--clock cpu`` times with the
process's CPU time, which other load on a shared machine disturbs far less than wall time.
The prediction fold is handed a trend model trained on the 30 simulated hours before the
market, fresh for the whole run, so every closed bar costs a real prediction. Work done once
per closed bar is spread over the trades of a minute: ``--trades-per-s`` sets how many (the
simulator's 4 by default; the recorded Binance BTCUSDT spot tapes have 28–31).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from benchmarks.harness import trend_model
from omega_tasks.catalog import CATALOG
from omega_tasks.core.analysis import MODELS, TAPE, Analysis, Fold
from omega_tasks.core.bars import BarClock
from omega_tasks.core.ml import TrendModel
from omega_tasks.core.types import Trades
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


def clock_only(trades: Trades) -> None:
    clock = BarClock()
    update = clock.update
    for row in trades.rows():
        update(*row)


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
    print(json.dumps({"benchmark": "core_cost", "clock": args.clock, "trades": n,
                      "market_trades_per_s": args.trades_per_s, "ns_per_trade": costs}))


if __name__ == "__main__":
    main()
