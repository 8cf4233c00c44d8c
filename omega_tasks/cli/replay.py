"""``omega replay FILE``: a raw websocket recording through the whole pipeline.

The frames go through the same exchange parser as a live connection (Binance ``<ns> <frame>``
lines, as ``omega record`` writes them, or cryptofeed's Coinbase JSON lines), then the feeder,
Redis and the analysis workers, on the one-machine default.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from feeder.exchanges import Exchange
from feeder.exchanges.named import EXCHANGES, exchange_named
from feeder.files import read_candles
from feeder.recordings import exchange_of, first_trade
from feeder.sources.recording import RecordingSource
from omega_tasks.cli import arguments, dashboard
from omega_tasks.cli.onemachine import one_machine, summary
from omega_tasks.config import Settings
from omega_tasks.errors import InputError
from omega_tasks.store import Store, minute_of


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
    parser.add_argument("--klines", type=arguments.existing_file,
                        help="a candle CSV: its 1m bars before the recording's first trade "
                             "warm the analyses up, as a live feed's REST warm-up does "
                             "(OMEGA_KLINES_AT_START of them)")
    dashboard.add(parser, lingers=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.exists():
        raise InputError(f"{args.file}: no such file")
    exchange = exchange_named(args.exchange or exchange_of(args.file), settings)
    source = RecordingSource(args.file, exchange, args.speed)
    pace = "max" if args.speed is None else f"{args.speed:g}x"
    print(f"replaying {args.file} as {exchange.name} at speed {pace}", flush=True)
    with one_machine(settings, workers=args.workers) as machine, \
            dashboard.dashboard(args.serve, machine.settings) as url:
        if args.fresh:
            store = machine.store
            for stored_exchange, symbol in store.symbols():
                if stored_exchange == exchange.name:
                    store.forget(store.symbol(stored_exchange, symbol))
        if args.klines is not None:
            warm_from_file(machine.store, args.file, exchange, args.klines,
                           settings.klines_at_start)
        outcome = machine.feed(source)
        print(f"{source.frames:,} frames read")
        if outcome.report.snapshots_failed:
            print(f"{outcome.report.snapshots_failed} book snapshots failed")
        print(summary(outcome), flush=True)
        dashboard.linger(url)
    return 0 if outcome.caught_up else 1


def warm_from_file(store: Store, recording: Path, exchange: Exchange, klines: Path,
                   bars: int) -> None:
    """Store the last ``bars`` candles that closed before the recording's first trade, for a
    symbol with nothing stored yet (a symbol with trades keeps its own bars)."""
    first = first_trade(recording, exchange)
    if first is None:
        raise InputError(f"{recording}: no trade to warm up for")
    k = store.symbol(first.exchange, first.symbol)
    if store.last_trade(k) is not None:
        print(f"warm-up: {k.member} has trades stored; its own bars stand", flush=True)
        return
    before = [b for b in read_candles(klines) if b.close_ms <= minute_of(first.exchange_ms)]
    if not before or before[-1].close_ms < minute_of(first.exchange_ms):
        raise InputError(f"{klines}: no candle closes at {minute_of(first.exchange_ms)} ms, "
                         "the minute the recording starts")
    store.add_bars(k, before[-bars:] if bars else [])
    print(f"warm-up: {min(bars, len(before))} closed 1m candles from {klines.name} for "
          f"{k.member}", flush=True)
