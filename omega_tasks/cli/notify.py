"""``omega notify``: deliver events (and fleet alerts) to webhooks, Slack, Discord, Telegram.

Sinks come from OMEGA_NOTIFY_SINKS_FILE and/or ``--webhook URL`` with its filters. Each sink
resumes where it stopped; a first start delivers from the oldest retained event unless
``--from-now``. Stops on SIGTERM/SIGINT after the notice in hand.
"""

from __future__ import annotations

import argparse
import sys

from omega_tasks.cli import arguments
from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings, redact_url
from omega_tasks.notify import service
from omega_tasks.notify.filters import SinkFilter
from omega_tasks.notify.sinks.base import SinkSpec


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("notify", help="deliver events to webhooks and chats")
    parser.add_argument("--webhook", type=arguments.http_url,
                        help="POST each event's JSON here (besides the sinks file's sinks)")
    parser.add_argument("--format", dest="sink_type", choices=("webhook", "slack", "discord"),
                        default="webhook", help="--webhook: the event JSON (signed with "
                        "OMEGA_NOTIFY_WEBHOOK_SECRET), or a Slack or Discord message")
    parser.add_argument("--name", default="webhook",
                        help="--webhook's sink name: its position is kept under it")
    parser.add_argument("--detector", action="append", default=[],
                        help="--webhook: only this detector's events (repeatable)")
    parser.add_argument("--kind", action="append", default=[],
                        help="--webhook: only events of this kind (repeatable)")
    parser.add_argument("--symbol", action="append", default=[],
                        help="--webhook: only this symbol, SYMBOL or EXCHANGE:SYMBOL (repeatable)")
    parser.add_argument("--min-confidence", type=arguments.at_least_zero, default=0.0,
                        help="--webhook: only events with at least this confidence")
    parser.add_argument("--from-now", action="store_true",
                        help="a sink's first start skips the events already stored")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    extra = [webhook_spec(args, settings)] if args.webhook else []
    specs = service.sink_specs(settings, extra)
    print(f"omega notify: {len(specs)} sink(s) ({', '.join(s.name for s in specs)}) from "
          f"{redact_url(settings.redis_url)}", file=sys.stderr, flush=True)
    with stop_on_signals() as stop:
        service.run(settings, specs, stop, from_now=args.from_now)
    return 0


def webhook_spec(args: argparse.Namespace, settings: Settings) -> SinkSpec:
    """The sink ``--webhook`` and its options describe."""
    return SinkSpec(
        args.name, args.sink_type, args.webhook,
        SinkFilter(tuple(args.symbol), tuple(args.detector), tuple(args.kind),
                   args.min_confidence),
        attempts=settings.notify_attempts, timeout_s=settings.notify_timeout_s,
        secret=settings.notify_webhook_secret,
    )
