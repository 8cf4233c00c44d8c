"""``omega run``: live exchange trades through the whole pipeline on one machine.

Binance BTC-USDT by default; several exchanges side by side with ``--exchange
binance,binance-usdm,coinbase``, one connection each. At start, symbols with no stored
history get recent 1m klines over REST; a skipped trade-id range is backfilled over REST;
SIGTERM/SIGINT stops the connections, flushes the last batch and waits for the analyses.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from feeder.exchanges import Exchange
from feeder.exchanges.named import EXCHANGES
from feeder.recordings import Recorder
from feeder.rest import warm_up
from feeder.sources.websocket import WebSocketSource
from omega_tasks.cli import arguments, dashboard, venues
from omega_tasks.cli.onemachine import one_machine, summary
from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError, InputError, TransientError
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
    parser.add_argument("--exchange", type=venues.exchanges, default=("binance",),
                        help=f"exchanges to connect to, comma-separated, one connection each "
                             f"({', '.join(EXCHANGES)}; default: binance)")
    parser.add_argument("--symbols", default="",
                        help="comma-separated symbols as BASE-QUOTE, for every exchange, or "
                             "as EXCHANGE:BASE-QUOTE for one (default: BTC-USDT, or BTC-USD "
                             "on coinbase)")


def live_source(args: argparse.Namespace, settings: Settings,
                recorder: Recorder | None = None) -> WebSocketSource:
    """The websocket source of the one exchange the arguments name."""
    sources = venues.live_sources(args, settings, recorder)
    if len(sources) > 1:
        raise ConfigError("name one --exchange here")
    return sources[0]


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
    sources = venues.live_sources(args, settings, recorder)
    for source in sources:
        print(f"connecting to {source.exchange.ws_url} for {', '.join(source.symbols)}",
              flush=True)
    try:
        with one_machine(settings, workers=args.workers) as machine, \
                dashboard.dashboard(args.serve, machine.settings):
            for source in sources:
                warm(source.exchange, source.symbols, settings.klines_at_start)(machine.store)
            backfill, snapshots = venues.rest_of(
                sources, record=recorder.write if recorder else None)
            outcome = machine.feed(venues.one_feed(sources), backfill=backfill,
                                   snapshots=snapshots)
    finally:
        if recorder is not None:
            recorder.close()
    print(summary(outcome))
    return 0 if outcome.caught_up else 1
