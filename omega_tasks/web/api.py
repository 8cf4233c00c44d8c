"""The JSON endpoints: symbols, state, events, bars, overlays, health.

Each declares its query parameters (``ENDPOINTS``), which the OpenAPI schema documents and
every request is checked against. Lists come with the cursor to continue from.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from omega_tasks.core.bars import TIMEFRAMES
from omega_tasks.core.types import MINUTE_MS
from omega_tasks.fleet import status_report
from omega_tasks.health import FeedHealth
from omega_tasks.names import HIGHFREQ
from omega_tasks.web.bars import bar_json, forming_bar, resample
from omega_tasks.web.context import Context
from omega_tasks.web.overlays import overlays
from omega_tasks.web.params import EXCHANGE, SYMBOL, BadRequest, Param, Query, pick_symbol
from omega_tasks.web.reader import StoredEvent

EVENTS_MAX = 1_000
BARS_MAX = 2_000
HF_EVENTS_READ = 2_000  # high-frequency mode spans are drawn from this many newest events

Handler = Callable[[Request], Awaitable[JSONResponse]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A GET endpoint: its path, what it answers and the query parameters it takes."""

    path: str
    summary: str
    params: tuple[Param, ...]


def ask(request: Request, endpoint: Endpoint) -> Query:
    return Query(request.query_params, endpoint.params)


def context(request: Request) -> Context:
    found: Context = request.app.state.context
    return found


SYMBOLS = Endpoint("/api/symbols", "exchange/symbol pairs with their feed health", ())


async def symbols(request: Request) -> JSONResponse:
    ask(request, SYMBOLS)
    ctx = context(request)
    now = time.time_ns()
    found = []
    for exchange, symbol in await ctx.reader.symbols():
        health = FeedHealth.of(await ctx.reader.feed(ctx.reader.symbol(exchange, symbol)), now)
        found.append({"exchange": exchange, "symbol": symbol,
                      "feed": None if health is None else {
                          "last_trade_id": health.last_trade_id,
                          "last_trade_ms": health.last_trade_ms, "age_s": round(health.age_s, 3),
                          "gaps_open": health.gaps_open, "gaps_closed": health.gaps_closed,
                          "reconnects": health.reconnects, "connection": health.connection}})
    return JSONResponse({"symbols": found})


STATE = Endpoint("/api/state", "every analysis snapshot of a symbol and its feed health",
                 (EXCHANGE, SYMBOL))


async def state(request: Request) -> JSONResponse:
    query = ask(request, STATE)
    ctx = context(request)
    k = ctx.reader.symbol(*pick_symbol(query, await ctx.reader.symbols()))
    return JSONResponse({"exchange": k.exchange, "symbol": k.symbol,
                         "feed": await ctx.reader.feed(k),
                         "snapshots": await ctx.reader.snapshots(k)})


EVENTS = Endpoint(
    "/api/events", "events oldest first after the cursor 'since', with the cursor to go on from",
    (EXCHANGE, SYMBOL,
     Param("detector", "only this detector's events"),
     Param("kind", "only events of this kind"),
     Param("since", "cursor: events after this one (a 'cursor' or 'next' from an earlier "
                    "answer); none: from the oldest retained"),
     Param("newest", "instead of 'since': the newest N events", "integer", maximum=EVENTS_MAX),
     Param("limit", f"at most this many events (default 200, at most {EVENTS_MAX})",
           "integer", maximum=EVENTS_MAX)),
)


async def events(request: Request) -> JSONResponse:
    query = ask(request, EVENTS)
    ctx = context(request)
    k = ctx.reader.symbol(*pick_symbol(query, await ctx.reader.symbols()))
    since = query.cursor("since")
    limit = query.count("limit", 200, EVENTS_MAX)
    newest = query.count("newest", 0, EVENTS_MAX) if query.text("newest") else 0
    detector, kind = query.text("detector"), query.text("kind")

    def wanted(stored: StoredEvent) -> bool:
        event = stored.event
        return detector in (None, event.detector) and kind in (None, event.kind)

    if newest:
        page = [e for e in await ctx.reader.events_newest(k, newest) if wanted(e)]
        last = page[-1].cursor if page else None
        return JSONResponse({"events": [e.to_dict() for e in page[-limit:]], "next": last,
                             "more": False})
    found: list[StoredEvent] = []
    cursor, more = since, True
    while len(found) < limit and more:  # a filter may skip many: read on until full or done
        page = await ctx.reader.events_after(k, cursor, max(limit, 200))
        more = len(page) == max(limit, 200)
        for stored in page:
            cursor = stored.cursor
            if wanted(stored):
                found.append(stored)
                if len(found) == limit:
                    more = more or stored is not page[-1]
                    break
    return JSONResponse({"events": [e.to_dict() for e in found], "next": cursor,
                         "more": more})


BARS = Endpoint(
    "/api/bars", "closed bars of a timeframe, oldest first, plus the forming one",
    (EXCHANGE, SYMBOL,
     Param("tf", "timeframe (default 1m)", choices=tuple(TIMEFRAMES)),
     Param("from", "first bar opening at or after this time (epoch ms or ISO 8601); none: "
                   "the newest 'limit' bars"),
     Param("to", "bars opening before this time (epoch ms or ISO 8601)"),
     Param("limit", f"at most this many closed bars (default 500, at most {BARS_MAX})",
           "integer", maximum=BARS_MAX)),
)


async def bars(request: Request) -> JSONResponse:
    query = ask(request, BARS)
    ctx = context(request)
    k = ctx.reader.symbol(*pick_symbol(query, await ctx.reader.symbols()))
    tf = query.choice("tf", tuple(TIMEFRAMES), "1m")
    minutes = TIMEFRAMES[tf]
    span = minutes * MINUTE_MS
    limit = query.count("limit", 500, BARS_MAX)
    start, end = query.time_ms("from"), query.time_ms("to")
    if start is not None and end is not None and end <= start:
        raise BadRequest(f"to={end} must be later than from={start}")
    newest = await ctx.reader.newest_bar_ms(k)
    top = end if end is not None else (newest + MINUTE_MS if newest is not None else 0)
    if start is None:  # the newest bars
        first = top - top % span - limit * span
        closed, parts = resample(await ctx.reader.bars(k, first, top), minutes)
        closed, more, stop = closed[-limit:], False, top
    else:
        first = start - start % span + (span if start % span else 0)
        stop = min(top, first + limit * span)
        closed, parts = resample(await ctx.reader.bars(k, first, stop), minutes)
        more = stop < top
    forming = None
    if end is None and not more:
        bar = forming_bar(parts, await ctx.reader.forming(k), minutes)
        forming = bar_json(bar) if bar is not None else None
    return JSONResponse({
        "exchange": k.exchange, "symbol": k.symbol, "tf": tf, "timezone": "UTC",
        "bars": [bar_json(b) for b in closed], "forming": forming,
        "next_from": stop if more else None,
    })


OVERLAYS = Endpoint("/api/overlays", "what the chart draws besides candles", (EXCHANGE, SYMBOL))


async def overlays_of(request: Request) -> JSONResponse:
    query = ask(request, OVERLAYS)
    ctx = context(request)
    k = ctx.reader.symbol(*pick_symbol(query, await ctx.reader.symbols()))
    snapshots = await ctx.reader.snapshots(k)
    recent = [s.event for s in await ctx.reader.events_newest(k, HF_EVENTS_READ)
              if s.event.detector == HIGHFREQ]
    last = await ctx.reader.feed(k)
    now_ms = int(last["last_trade_ms"]) if "last_trade_ms" in last else None
    return JSONResponse({"exchange": k.exchange, "symbol": k.symbol,
                         **overlays(snapshots, recent, now_ms)})


HEALTH = Endpoint(
    "/api/health", "what `omega status --json` says: feeds, queues, snapshot lag, dead letters",
    (Param("workers", "also ask the workers which queues they consume (slower)",
           choices=("true", "false")),),
)


async def health(request: Request) -> JSONResponse:
    query = ask(request, HEALTH)
    ctx = context(request)
    timeout = 1.0 if query.choice("workers", ("true", "false"), "false") == "true" else None
    report = await run_in_threadpool(status_report, ctx.store, ctx.app, ctx.settings, timeout)
    if "feeds" in report:
        report["dead_letters"] = await ctx.reader.redis.xlen(ctx.reader.keys.deadletter)
    return JSONResponse(report, status_code=200 if report["healthy"] else 503)


ENDPOINTS: Sequence[tuple[Endpoint, Handler]] = (
    (SYMBOLS, symbols), (STATE, state), (EVENTS, events), (BARS, bars),
    (OVERLAYS, overlays_of), (HEALTH, health),
)
