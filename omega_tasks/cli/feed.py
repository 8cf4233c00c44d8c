"""``omega feed``: run only the feeder, for a fleet whose workers run elsewhere.

Writes to the Redis at OMEGA_REDIS_URL and the broker at OMEGA_BROKER_URL (no embedded
default: a fleet's feeder must reach the fleet's Redis). Stops cleanly on SIGTERM/SIGINT,
flushing the last batch.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from feeder.batcher import MicroBatcher
from feeder.files import read_trades
from feeder.publisher import Publisher
from feeder.service import Feeder
from feeder.sources import Source
from feeder.sources.replay import TradesSource
from feeder.sources.simulator import SimulationParams, SimulatorSource, simulate
from omega_tasks.broker import celery_app
from omega_tasks.catalog import busy_queues
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import ConfigError
from omega_tasks.store import Store


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("feed", help="run only the feeder (workers run elsewhere)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--simulate", action="store_true", help="the built-in market simulation")
    what.add_argument("--file", type=Path, help="a tick or candle CSV to replay")
    parser.add_argument("--exchange", default="file", help="exchange name for --file trades")
    parser.add_argument("--symbol", default="BTC-USDT", help="symbol for --file trades")
    parser.add_argument("--speed", default="max",
                        help="'max', or N times market time (1 = real time)")
    parser.add_argument("--hours", type=float, default=4.0, help="simulated hours")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.set_defaults(run=run)


def speed_of(text: str) -> float | None:
    """Parse a --speed value: 'max' or a positive number."""
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise ConfigError(f"--speed {text!r}: expected 'max' or a number") from None
    if speed <= 0:
        raise ConfigError(f"--speed {text!r}: must be positive")
    return speed


def source_of(args: argparse.Namespace) -> Source:
    """Build the source the arguments name."""
    speed = speed_of(args.speed)
    if args.simulate:
        return SimulatorSource(simulate(SimulationParams(seed=args.seed, hours=args.hours)), speed)
    trades, _ = read_trades(args.file)
    return TradesSource(trades, args.exchange, args.symbol, speed)


def run(args: argparse.Namespace, settings: Settings) -> int:
    source = source_of(args)
    store = Store.connect(settings)
    app = celery_app(settings)
    print(f"feeding {redact_url(settings.redis_url)} (queues: "
          f"{', '.join(busy_queues(settings.queues))})", flush=True)
    with stop_on_signals() as stop:
        feeder = Feeder(store, Publisher(store, app, busy_queues(settings.queues), stop),
                        MicroBatcher(settings.batch_max, settings.batch_ms / 1000))
        report = feeder.run(source)
    print(f"fed {report.trades:,} trades in {report.batches:,} batches; {report.gaps} gaps, "
          f"{report.duplicates} duplicates, {report.dead_letters} dead letters")
    return 0
