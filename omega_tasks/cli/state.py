"""``omega state``: print every analysis snapshot, per symbol."""

from __future__ import annotations

import argparse
import json

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.store import Store


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("state", help="print analysis snapshots and feed health")
    parser.add_argument("--json", action="store_true", help="one JSON object per snapshot")
    arguments.symbol_filters(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.connect(settings)
    for exchange, symbol in arguments.chosen(store.symbols(), args):
        k = store.symbol(exchange, symbol)
        feed = store.feed(k)
        if args.json:
            print(json.dumps({"exchange": exchange, "symbol": symbol, "feed": feed}))
        else:
            print(f"{exchange}:{symbol}  feed: " + ", ".join(f"{a}={b}" for a, b in feed.items()))
        for name, (last_id, view) in store.snapshots(k).items():
            if args.json:
                print(json.dumps(view, sort_keys=True))
                continue
            print(f"  {name} (through trade {last_id})")
            for key, value in view.items():
                if key not in ("analysis", "exchange", "symbol", "last_trade_id"):
                    print(f"    {key}: {json.dumps(value)}")
    return 0
