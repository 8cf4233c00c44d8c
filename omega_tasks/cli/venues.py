"""Live venues as the command line names them: ``--exchange binance,binance-usdm,coinbase``
and ``--symbols``, where ``BTC-USDT`` goes to every venue and ``coinbase:BTC-USD`` to one.

Each venue is one websocket connection; several run in one feeder process
(``feeder.sources.venues``), each with its own REST side for warm-up, gap backfill and book
snapshots.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from feeder.exchanges.named import DEFAULT_SYMBOLS, EXCHANGES, exchange_named
from feeder.recordings import Recorder
from feeder.rest import backfiller, snapshotter
from feeder.service import Backfill, Snapshots
from feeder.sources import Source
from feeder.sources.venues import VenuesSource, backfill_by_exchange, snapshots_by_exchange
from feeder.sources.websocket import Timing, WebSocketSource
from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError


def exchanges(text: str) -> tuple[str, ...]:
    """A comma-separated list of known exchange names, each once."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in EXCHANGES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown exchange {unknown[0] if unknown else text!r}; known: {', '.join(EXCHANGES)}")
    return names


def symbols_of(venues: Sequence[str], text: str) -> dict[str, tuple[str, ...]]:
    """The symbols of each venue: plain ones go to every venue, ``venue:SYMBOL`` to one;
    a venue left with none gets its default (BTC-USDT, or BTC-USD on coinbase)."""
    found: dict[str, list[str]] = {venue: [] for venue in venues}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        venue, _, symbol = part.rpartition(":")
        symbol = symbol.upper()
        if venue and venue not in found:
            raise ConfigError(f"--symbols {part!r}: {venue} is not among the exchanges "
                              f"({', '.join(venues)})")
        for name in [venue] if venue else venues:
            if symbol not in found[name]:
                found[name].append(symbol)
    return {venue: tuple(got or [DEFAULT_SYMBOLS[venue]]) for venue, got in found.items()}


def live_sources(args: argparse.Namespace, settings: Settings,
                 recorder: Recorder | None = None) -> list[WebSocketSource]:
    """One websocket source per venue the arguments name."""
    venues: tuple[str, ...] = args.exchange
    if recorder is not None and len(venues) > 1:
        raise ConfigError("a recording holds one exchange's frames: name one --exchange")
    timing = Timing(watchdog_s=settings.watchdog_s, ping_interval_s=settings.ping_interval_s,
                    backoff_max_s=settings.reconnect_max_s)
    return [WebSocketSource(exchange_named(venue, settings), symbols, timing, recorder)
            for venue, symbols in symbols_of(venues, args.symbols).items()]


def one_feed(sources: Sequence[WebSocketSource]) -> Source:
    """The venues' sources as the one source a feeder runs."""
    return sources[0] if len(sources) == 1 else VenuesSource(sources)


def rest_of(sources: Sequence[WebSocketSource],
            record: Callable[[int, str], None] | None = None) -> tuple[Backfill, Snapshots]:
    """Gap backfill and book snapshots, each venue's over its own REST API."""
    backfills = {s.exchange.name: backfiller(s.exchange) for s in sources}
    snapshots = {s.exchange.name: snapshotter(s.exchange, record=record) for s in sources}
    return backfill_by_exchange(backfills), snapshots_by_exchange(snapshots)
