"""``omega chart``: the demo's chart of any stored symbol and time range, after the fact."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.core.types import MINUTE_MS, TopOfBook
from omega_tasks.errors import InputError
from omega_tasks.export.bounds import parse_bound
from omega_tasks.names import SymbolKeys
from omega_tasks.report.chart import render
from omega_tasks.store import Store

DEFAULT_SPAN_MS = 4 * 3_600_000  # without --from: the last four hours stored


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("chart", help="draw a stored symbol's bars and events to a PNG")
    arguments.symbol_filters(parser)
    parser.add_argument("--from", dest="since",
                        help="from this time (2024-08-08T23:55:00Z; default: 4 h before --to)")
    parser.add_argument("--to", dest="until",
                        help="up to this time (default: the newest stored bar)")
    parser.add_argument("--output", "-o", type=arguments.new_file, default="omega-chart.png",
                        help="the PNG to write (default omega-chart.png)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    since, until = (_time(text, flag) for text, flag in ((args.since, "--from"),
                                                        (args.until, "--to")))
    store = Store.connect(settings)
    k = _one_symbol(store, args)
    bars = store.bars(k)
    if not bars:
        raise InputError(f"{k.member}: no closed 1m bars stored")
    until = bars[-1].close_ms if until is None else until
    since = until - DEFAULT_SPAN_MS if since is None else since
    if since >= until:
        raise InputError("--from must come before --to")
    shown = [b for b in bars if since <= b.open_ms and b.close_ms <= until]
    if not shown:
        raise InputError(f"{k.member}: no bars between {_iso(since)} and {_iso(until)} (stored: "
                         f"{_iso(bars[0].open_ms)} to {_iso(bars[-1].close_ms)})")
    events = [e for e in store.events(k) if since <= e.time_ms <= until]
    render(str(args.output), shown, events,
           f"omega · {k.member} · {_iso(since)} to {_iso(until)} UTC · {len(events)} events",
           quotes=_quotes(store, k, since, until))
    print(f"{len(shown):,} bars and {len(events):,} events of {k.member}: {args.output}")
    return 0


def _time(text: str | None, flag: str) -> int | None:
    if text is None:
        return None
    bound = parse_bound(text)
    if bound.time_ms is None:
        raise InputError(f"{flag} takes a time (2024-08-08T23:55:00Z), not {text!r}")
    return bound.time_ms


def _one_symbol(store: Store, args: argparse.Namespace) -> SymbolKeys:
    stored = store.symbols()
    matching = arguments.chosen(stored, args)
    if len(matching) != 1:
        listed = ", ".join(f"{x}:{s}" for x, s in stored) or "none"
        raise InputError(f"name one stored symbol with --exchange/--symbol (stored: {listed})")
    return store.symbol(*matching[0])


def _quotes(store: Store, k: SymbolKeys, since: int, until: int) -> list[TopOfBook]:
    """The top of book stored within the range, for the queue-imbalance strip."""
    quotes: list[TopOfBook] = []
    after = 0
    while batches := store.batches(k, after_id=after, count=100):
        for batch in batches:
            if batch.trades.times_ms[0] > until:
                return quotes
            quotes += (q for q in batch.quotes if since <= q.time_ms <= until)
        after = batches[-1].first_id
    return quotes


def _iso(time_ms: int) -> str:
    stamp = datetime.fromtimestamp(time_ms / 1000, UTC)
    return stamp.strftime("%Y-%m-%d %H:%M" if time_ms % MINUTE_MS == 0 else "%Y-%m-%d %H:%M:%S")
