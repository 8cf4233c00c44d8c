"""``omega run``: live exchange trades through the whole pipeline on one machine.

Binance BTC-USDT by default. At start, symbols with no stored history get recent 1m klines
over REST; a skipped trade-id range is backfilled over REST; SIGTERM/SIGINT stops the
connection, flushes the last batch and waits for the analyses.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from feeder.exchanges import Exchange
from feeder.exchanges.named import DEFAULT_SYMBOLS, EXCHANGES, exchange_named
from feeder.recordings import Recorder
from feeder.rest import backfiller, snapshotter, warm_up
from feeder.sources.websocket import Timing, WebSocketSource
from omega_tasks.cli import arguments, dashboard
from omega_tasks.cli.onemachine import one_machine, summary
from omega_tasks.config import Settings
from omega_tasks.errors import InputError, TransientError
from omega_tasks.store import Store


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("run", help="analyse live exchange trades end to end")
    add_live_options(parser)
    parser.add_argument("--record", type=arguments.new_file,
                        help="also record raw frames to this file")
    parser.add_argument("--workers", type=arguments.count, default=2, help="worker threads")
    dashboard.add(parser, lingers=False)
    parser.set_defaults(run=run)


def add_live_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--exchange", choices=EXCHANGES, default="binance",
                        help="exchange to connect to (default: binance)")
    parser.add_argument("--symbols", default="",
                        help="comma-separated symbols as BASE-QUOTE (default: BTC-USDT, or "
                             "BTC-USD on coinbase)")


def live_source(args: argparse.Namespace, settings: Settings,
                recorder: Recorder | None = None) -> WebSocketSource:
    """The websocket source the arguments and settings describe."""
    exchange = exchange_named(args.exchange, settings)
    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    timing = Timing(watchdog_s=settings.watchdog_s, ping_interval_s=settings.ping_interval_s,
                    backoff_max_s=settings.reconnect_max_s)
    return WebSocketSource(exchange, symbols or [DEFAULT_SYMBOLS[exchange.name]], timing,
                           recorder)


def warm(exchange: Exchange, symbols: tuple[str, ...], bars: int) -> Callable[[Store], None]:
    """A store preparation that loads recent klines for symbols with no history.

    A feed whose REST side is down or answers nonsense still starts: the trades matter more
    than the history, and the failure is printed.
    """
    def prepare(store: Store) -> None:
        try:
            loaded = warm_up(store, exchange, symbols, bars, int(time.time() * 1000))
        except (TransientError, InputError) as exc:
            print(f"warm-up failed, starting without history: {exc}", file=sys.stderr,
                  flush=True)
            return
        for symbol, count in loaded.items():
            print(f"warm-up: {count} closed 1m klines for {exchange.name}:{symbol}",
                  flush=True)

    return prepare


def run(args: argparse.Namespace, settings: Settings) -> int:
    recorder = Recorder(args.record) if args.record else None
    source = live_source(args, settings, recorder)
    exchange = source.exchange
    print(f"connecting to {exchange.ws_url} for {', '.join(source.symbols)}", flush=True)
    try:
        with one_machine(settings, workers=args.workers) as machine, \
                dashboard.dashboard(args.serve, machine.settings):
            warm(exchange, source.symbols, settings.klines_at_start)(machine.store)
            snapshots = snapshotter(exchange, record=recorder.write if recorder else None)
            outcome = machine.feed(source, backfill=backfiller(exchange), snapshots=snapshots)
    finally:
        if recorder is not None:
            recorder.close()
    print(summary(outcome))
    return 0 if outcome.caught_up else 1
