"""REST calls of the feeder: trade backfill for a gap, book snapshots, 1m klines for warm-up."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from typing import Any

from feeder.exchanges import Exchange
from feeder.sequencer import Gap
from feeder.sources import DepthSnapshot
from omega_tasks.core.types import Bar
from omega_tasks.errors import InputError, TransientError
from omega_tasks.messages import Tick
from omega_tasks.retry import retrying
from omega_tasks.store import Store, minute_of

log = logging.getLogger(__name__)
PAGE = 1000  # trades or klines per request: the most Binance serves
Fetch = Callable[[str], Any]


def get_json(url: str, timeout_s: float = 10.0) -> Any:
    """GET a JSON document; a refusal, a timeout, 429 or 5xx is transient, other errors not."""
    request = urllib.request.Request(url, headers={"User-Agent": "omega-feeder"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as reply:
            body = reply.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise TransientError(f"GET {url}: HTTP {exc.code}") from None
        raise InputError(f"GET {url}: HTTP {exc.code}") from None
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, TLS, cut short
        raise TransientError(f"GET {url}: {type(exc).__name__}: {exc}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise InputError(f"GET {url}: not JSON", body) from None


def _patient(fetch: Fetch, url: str, tries: int) -> Any:
    """Fetch, retrying transient errors a few times with jittered doubling waits."""
    return retrying(f"GET {url}", lambda: fetch(url), first_s=0.2, tries=tries)


MAX_BACKFILL = 50_000  # trades fetched for one gap: 50 requests, while live trades wait


def backfiller(exchange: Exchange, fetch: Fetch = get_json, tries: int = 4,
               most: int = MAX_BACKFILL) -> Callable[[Gap], list[Tick]]:
    """Return a backfill for the feeder: the gap's trades over REST, as far as they come.

    At most the newest ``most`` trades of the gap: a longer gap (a feed down for hours) stays
    open rather than hold up the live trades behind it for minutes, and what is filled joins
    the trades that follow it.
    """

    def backfill(gap: Gap) -> list[Tick]:
        found: list[Tick] = []
        next_id, last_id = max(gap.first_id, gap.last_id - most + 1), gap.last_id
        while next_id <= last_id:
            url = exchange.trades_url(gap.symbol, next_id, PAGE)
            if url is None:
                break
            payload = _patient(fetch, url, tries)
            ticks = exchange.read_trades(payload, gap.symbol, time.time_ns())
            fresh = [t for t in ticks if next_id <= t.trade_id <= last_id]
            if not fresh:
                break  # the exchange no longer serves them, or serves only newer ones
            found += fresh
            next_id = max(t.trade_id for t in fresh) + 1
        log.info("backfill %s %s %d..%d: %d of %d trades", gap.exchange, gap.symbol,
                 gap.first_id, gap.last_id, len(found), gap.missing)
        return found

    return backfill


def snapshotter(exchange: Exchange, fetch: Fetch = get_json, tries: int = 3,
                record: Callable[[int, str], None] | None = None,
                ) -> Callable[[str, str], DepthSnapshot]:
    """Return the feeder's source of order book snapshots: the exchange's REST depth.

    ``record`` (a recorder's ``write``) keeps each snapshot in the recording, as a line of
    its own, so that a replay syncs its books as the live feed did.
    """

    def snapshot(exchange_name: str, symbol: str) -> DepthSnapshot:
        url = exchange.depth_url(symbol)
        if url is None or exchange_name != exchange.name:
            raise InputError(f"{exchange_name} serves no book snapshot over REST")
        payload = _patient(fetch, url, tries)
        received_ns = time.time_ns()
        if record is not None:
            record(received_ns, json.dumps(payload, separators=(",", ":")))
        return exchange.read_depth(payload, symbol, received_ns)

    return snapshot


def warm_up(store: Store, exchange: Exchange, symbols: Sequence[str], bars: int,
            now_ms: int, fetch: Fetch = get_json) -> dict[str, int]:
    """Load up to ``bars`` closed 1m klines before now for symbols with no history yet.

    A symbol that already has trades stored keeps its own bars (klines would double them).
    Returns how many bars each symbol got.
    """
    loaded: dict[str, int] = {}
    for symbol in symbols:
        k = store.symbol(exchange.name, symbol)
        if bars <= 0 or store.last_trade(k) is not None:
            loaded[symbol] = 0
            continue
        end_ms = minute_of(now_ms)  # the forming minute is not a closed bar
        got: list[Bar] = []
        while len(got) < bars:
            want = min(PAGE, bars - len(got))
            page = exchange.read_klines(_patient(fetch, exchange.klines_url(symbol, end_ms, want),
                                                 4))
            page = [b for b in page if b.close_ms <= end_ms]
            if not page:
                break
            got = page + got
            end_ms = page[0].open_ms
        store.add_bars(k, got[-bars:])
        loaded[symbol] = len(got[-bars:])
    return loaded
