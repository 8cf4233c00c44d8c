"""``omega demo``: a simulated market through the whole pipeline, then a summary and a chart.

Needs nothing but the installed package: Redis at OMEGA_REDIS_URL when it answers, else an
embedded one; Celery workers run in this process on every queue.
"""

from __future__ import annotations

import argparse

from feeder.sources.simulator import SimulatorSource
from omega_tasks.cli import arguments, dashboard
from omega_tasks.cli.onemachine import one_machine
from omega_tasks.cli.progress import Progress
from omega_tasks.config import Settings
from omega_tasks.errors import OmegaError
from omega_tasks.names import Queue, TaskName
from omega_tasks.report.chart import render
from omega_tasks.report.summary import summarise
from omega_tasks.simulation.book import simulate_book
from omega_tasks.simulation.history import preceding_bars
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("demo", help="analyse a simulated market end to end, then chart it")
    parser.add_argument("--hours", type=arguments.positive, default=4.0,
                        help="market hours to simulate")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.add_argument("--chart", type=arguments.new_file, default="omega-demo.png",
                        help="where to write the PNG")
    parser.add_argument("--workers", type=arguments.count, default=2, help="worker threads")
    parser.add_argument("--history-hours", type=arguments.at_least_zero, default=26.0,
                        help="simulated hours of 1m bars before the run, stored as a live "
                             "feed's warm-up; the trend model trains on them (0: no model)")
    dashboard.add(parser, lingers=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    params = SimulationParams(seed=args.seed, hours=args.hours)
    simulation = simulate(params)
    progress = Progress(len(simulation.trades))
    first_id = simulation.trades.first_id
    with one_machine(settings, workers=args.workers) as machine, \
            dashboard.dashboard(args.serve, machine.settings) as url:
        store, app = machine.store, machine.app
        k = store.symbol(params.exchange, params.symbol)
        store.forget(k)
        if args.history_hours > 0:
            store.add_bars(k, preceding_bars(params, args.history_hours))
            if Queue.ML in machine.queues:  # what beat sends every hour
                app.send_task(TaskName.RETRAIN).get(timeout=300, disable_sync_subtasks=False)
        outcome = machine.feed(
            SimulatorSource(simulation, book=simulate_book(simulation.trades, params.seed)),
            on_batch=lambda batch: progress.update(fed=batch.last_id - first_id + 1),
            on_progress=lambda covered: progress.update(analysed=covered - first_id + 1),
            settle_s=60 + len(simulation.trades) / 2000,
        )
        progress.finish()
        if not outcome.caught_up:
            raise OmegaError("the analyses did not finish in time; see the worker log")
        bars = [b for b in store.bars(k) if b.open_ms >= params.start_ms]  # not the history
        events = store.events(k)
        print(summarise(store, k, simulation, outcome.report, outcome.fed_s,
                        outcome.analysed_s))
        quotes = store.stored_between(k, first_id, simulation.trades.last_id).quotes
        render(args.chart, bars, events,
               f"omega demo · simulated {params.symbol} · seed {params.seed} · "
               f"{len(events)} events", truth=simulation, quotes=quotes)
        print(f"\nChart: {args.chart}", flush=True)
        dashboard.linger(url)
    return 0
