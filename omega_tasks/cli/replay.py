"""``omega replay FILE``: a raw websocket recording through the whole pipeline.

The frames go through the same exchange parser as a live connection (Binance ``<ns> <frame>``
lines, as ``omega record`` writes them, or cryptofeed's Coinbase JSON lines), then the feeder,
Redis and the analysis workers, on the one-machine default.
"""

from __future__ import annotations

import argparse

from feeder.exchanges.named import EXCHANGES, exchange_named
from feeder.recordings import exchange_of
from feeder.sources.recording import RecordingSource
from omega_tasks.cli import arguments
from omega_tasks.cli.onemachine import one_machine, summary
from omega_tasks.config import Settings
from omega_tasks.errors import InputError


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("replay", help="replay a raw websocket recording end to end")
    parser.add_argument("file", type=arguments.existing_file,
                        help="recording (gzip, zstandard or plain)")
    parser.add_argument("--speed", type=arguments.speed, default="max",
                        help="'max', or N times the recorded pace (1 = as recorded)")
    parser.add_argument("--exchange", choices=EXCHANGES,
                        help="whose frames these are (default: guessed from the file)")
    parser.add_argument("--workers", type=arguments.count, default=2, help="worker threads")
    parser.add_argument("--fresh", action="store_true",
                        help="first forget what is stored for the exchange's symbols")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.exists():
        raise InputError(f"{args.file}: no such file")
    exchange = exchange_named(args.exchange or exchange_of(args.file), settings)
    source = RecordingSource(args.file, exchange, args.speed)
    pace = "max" if args.speed is None else f"{args.speed:g}x"
    print(f"replaying {args.file} as {exchange.name} at speed {pace}", flush=True)
    with one_machine(settings, workers=args.workers) as machine:
        if args.fresh:
            store = machine.store
            for stored_exchange, symbol in store.symbols():
                if stored_exchange == exchange.name:
                    store.forget(store.symbol(stored_exchange, symbol))
        outcome = machine.feed(source)
    print(f"{source.frames:,} frames read")
    print(summary(outcome))
    return 0 if outcome.caught_up else 1
