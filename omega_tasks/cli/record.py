"""``omega record FILE``: raw exchange frames with receive times, for ``omega replay``.

Writes ``<receive ns> <frame>`` lines (gzip), the format of the Binance recordings in the
project's test data, for any exchange. Needs no Redis. Stops on SIGTERM/SIGINT or after
``--seconds``.
"""

from __future__ import annotations

import argparse
import threading

from feeder.recordings import Recorder
from feeder.sources import Item, Rejected
from omega_tasks.cli import arguments
from omega_tasks.cli.run import add_live_options, live_source
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings
from omega_tasks.messages import Tick


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("record", help="record raw exchange frames to a file")
    parser.add_argument("file", type=arguments.new_file, help="gzip file to append to")
    add_live_options(parser)
    parser.add_argument("--seconds", type=arguments.positive, default=None,
                        help="stop after this long (default: until SIGTERM/SIGINT)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    recorder = Recorder(args.file)
    source = live_source(args, settings, recorder)
    counts = {"trades": 0, "rejected": 0}

    def count(items: list[Item]) -> None:
        for item in items:
            if isinstance(item, Tick):
                counts["trades"] += 1
            elif isinstance(item, Rejected):
                counts["rejected"] += 1

    print(f"recording {source.exchange.ws_url} for {', '.join(source.symbols)} to {args.file}",
          flush=True)
    with stop_on_signals() as stop:
        timer = None
        if args.seconds is not None:
            timer = threading.Timer(args.seconds, stop.set)
            timer.start()
        try:
            source.run(count, stop)
        finally:
            if timer is not None:
                timer.cancel()
            recorder.close()
    print(f"recorded {recorder.frames:,} frames ({counts['trades']:,} trades, "
          f"{counts['rejected']:,} unreadable) over {source.connections} connection(s)")
    return 0
