"""``omega feed``: run only the feeder, for a fleet whose workers run elsewhere.

The trades come from a live exchange (``--live``, with REST warm-up and gap backfill as in
``omega run``), the built-in simulation or a trade file. Writes to the Redis at
OMEGA_REDIS_URL and the broker at OMEGA_BROKER_URL (no embedded default: a fleet's feeder
must reach the fleet's Redis). Serves the feeder's metrics at OMEGA_METRICS_PORT. Stops
cleanly on SIGTERM/SIGINT, flushing the last batch.
"""

from __future__ import annotations

import argparse
import functools

from prometheus_client import CollectorRegistry

from feeder.exchanges.named import EXCHANGES
from feeder.files import read_trades
from feeder.pipeline import build_feeder
from feeder.sources import Source
from feeder.sources.replay import TradesSource
from feeder.sources.simulator import SimulatorSource
from feeder.sources.venues import VenuesSource
from feeder.sources.websocket import WebSocketSource
from omega_tasks.catalog import busy_queues
from omega_tasks.cli import arguments, venues
from omega_tasks.cli.run import warm
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import ConfigError
from omega_tasks.metrics import FeedMetrics, serve
from omega_tasks.retry import retrying
from omega_tasks.simulation.book import simulate_book
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams
from omega_tasks.store import Store
from omega_tasks.worker.app import celery_app


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("feed", help="run only the feeder (workers run elsewhere)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--live", action="store_true", help="a live exchange websocket")
    what.add_argument("--simulate", action="store_true", help="the built-in market simulation")
    what.add_argument("--file", type=arguments.existing_file, help="a tick or candle CSV to replay")
    parser.add_argument("--exchange", help=f"--live: {', '.join(EXCHANGES)}, or several "
                        "comma-separated, one connection each (default binance); --file: any "
                        "name for its trades (default: file)")
    parser.add_argument("--symbols", "--symbol", dest="symbols", default="",
                        help="--live: comma-separated BASE-QUOTE symbols, EXCHANGE:BASE-QUOTE "
                             "for one exchange (default BTC-USDT, or BTC-USD on coinbase); "
                             "--file: its one symbol (default BTC-USDT)")
    parser.add_argument("--speed", type=arguments.speed, default="max",
                        help="'max', or N times market time (1 = real time)")
    parser.add_argument("--hours", type=arguments.positive, default=4.0, help="simulated hours")
    parser.add_argument("--seed", type=int, default=7, help="simulation seed")
    parser.set_defaults(run=run)


def source_of(args: argparse.Namespace, settings: Settings) -> Source:
    """Build the source the arguments name."""
    if args.live:
        try:
            args.exchange = venues.exchanges(args.exchange or "binance")
        except argparse.ArgumentTypeError as exc:
            raise ConfigError(f"--exchange: {exc}") from None
        return venues.one_feed(venues.live_sources(args, settings))
    speed = args.speed
    if args.simulate:
        simulation = simulate(SimulationParams(seed=args.seed, hours=args.hours))
        return SimulatorSource(simulation, speed,
                               book=simulate_book(simulation.trades, args.seed))
    symbol = args.symbols.strip().upper() or "BTC-USDT"
    if "," in symbol:
        raise ConfigError(f"--symbol {symbol!r}: a trade file carries one symbol")
    trades, _ = read_trades(args.file)
    return TradesSource(trades, args.exchange or "file", symbol, speed)


def live_of(source: Source) -> list[WebSocketSource]:
    """The live venues a source connects to (none for a simulation or a file)."""
    inner = source.sources if isinstance(source, VenuesSource) else (source,)
    return [s for s in inner if isinstance(s, WebSocketSource)]


def run(args: argparse.Namespace, settings: Settings) -> int:
    source = source_of(args, settings)
    store = Store.connect(settings)
    app = celery_app(settings)
    print(f"feeding {redact_url(settings.redis_url)} (queues: "
          f"{', '.join(busy_queues(settings.queues))})", flush=True)
    registry = CollectorRegistry()
    observer = FeedMetrics(registry)
    server = serve(settings, registry)
    try:
        with stop_on_signals() as stop:
            backfill, snapshots = None, None
            live = live_of(source)
            if live:
                for venue in live:
                    print(f"connecting to {venue.exchange.ws_url} for "
                          f"{', '.join(venue.symbols)}", flush=True)
                    prepare = warm(venue.exchange, venue.symbols, settings.klines_at_start)
                    # a fleet's feeder may start before its Redis: wait for it, as the feed does
                    retrying("warming up", functools.partial(prepare, store), stop,
                             cap_s=10.0)
                backfill, snapshots = venues.rest_of(live)
            feeder = build_feeder(settings, store, app, stop, backfill=backfill,
                                  snapshots=snapshots, observer=observer)
            report = feeder.run(source)
    finally:
        if server is not None:
            server.shutdown()
    print(f"fed {report.trades:,} trades in {report.batches:,} batches; {report.gaps} gaps, "
          f"{report.duplicates} duplicates, {report.dead_letters} dead letters")
    return 0
