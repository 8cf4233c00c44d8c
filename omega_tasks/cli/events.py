"""``omega events``: print stored events, or follow new ones as they are published."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.messages import Event
from omega_tasks.store import Store


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("events", help="print stored events (--follow for new ones)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--follow", "-f", action="store_true", help="stream new events")
    parser.add_argument("--count", "-n", type=arguments.count, default=50,
                        help="newest N per symbol")
    parser.add_argument("--detector", help="only this detector's events")
    parser.add_argument("--kind", help="only events of this kind")
    arguments.symbol_filters(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.connect(settings)
    wanted = _filter(args)
    # subscribe before reading what is stored, so nothing falls between
    pubsub = store.subscribe(store.keys.events_channel) if args.follow else None
    shown = set()
    for exchange, symbol in arguments.chosen(store.symbols(), args):
        for event in store.events(store.symbol(exchange, symbol), count=args.count):
            if wanted(event):
                _print(event, args.json)
                shown.add(event.id)
    if pubsub is None:
        return 0
    print(f"following {store.keys.events_channel} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    for message in pubsub.listen():
        event = Event.from_json(message["data"])
        if wanted(event) and event.id not in shown:
            _print(event, args.json)
    return 0


def _filter(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def wanted(event: Event) -> bool:
        return (args.detector in (None, event.detector)) and (args.kind in (None, event.kind)) \
            and args.exchange in (None, event.exchange) and args.symbol in (None, event.symbol)

    return wanted


def _print(event: Event, as_json: bool) -> None:
    if as_json:
        print(event.to_json())
    else:
        print(describe(event))
    sys.stdout.flush()


def describe(event: Event) -> str:
    """Return a one-line human reading of an event."""
    when = datetime.fromtimestamp(event.time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
    facts = ", ".join(f"{k}={_short(v)}" for k, v in event.evidence.items())
    return (f"{when}  {event.exchange}:{event.symbol}  {event.detector}/{event.kind}"
            f"  trade {event.trade_id}  {facts}")


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
