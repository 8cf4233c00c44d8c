"""``GET /api/stream``: Server-Sent Events of a symbol: new events, snapshot changes, bars.

Events carry their events-stream id as the SSE id, so a client that reconnects with
Last-Event-ID (or asks with ``since``) first gets every retained event after it, then the
live ones, none twice. Snapshots and bars carry no id: they are states, the newest is enough.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import anyio
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from omega_tasks.names import SymbolKeys
from omega_tasks.web.api import EVENTS_MAX, Endpoint, ask, context
from omega_tasks.web.hub import DROPPED, ENDED, Hubs, event_message
from omega_tasks.web.params import CURSOR, EXCHANGE, SYMBOL, BadRequest, Param, pick_symbol
from omega_tasks.web.reader import Reader, position

KEEP_ALIVE_S = 15.0  # a comment this often keeps proxies from closing a quiet stream
WRITE_MESSAGES = 256  # messages that piled up for a client are written together, up to this

STREAM = Endpoint(
    "/api/stream",
    "Server-Sent Events (text/event-stream): 'event' (with the events-stream id as the SSE "
    "id), 'snapshot' and 'bar'; resumes after Last-Event-ID",
    (EXCHANGE, SYMBOL,
     Param("since", "cursor to resume after when no Last-Event-ID header is sent")),
)


class EventStream(StreamingResponse):
    """A response that ends its stream as soon as the client goes away (the server may not
    say so when a write fails), so the client's place in its hub is given up at once."""

    def __init__(self, messages: AsyncGenerator[bytes, None]) -> None:
        super().__init__(messages, media_type="text/event-stream",
                         headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        self.messages = messages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:
                async def write() -> None:
                    await self.stream_response(send)
                    group.cancel_scope.cancel()

                group.start_soon(write)
                await self.listen_for_disconnect(receive)
                group.cancel_scope.cancel()
        finally:
            await self.messages.aclose()


async def stream(request: Request) -> EventStream:
    query = ask(request, STREAM)
    ctx = context(request)
    k = ctx.reader.symbol(*pick_symbol(query, await ctx.reader.symbols()))
    resume = request.headers.get("last-event-id", "").strip() or None
    if resume is not None and not CURSOR.match(resume):
        raise BadRequest(f"Last-Event-ID {resume!r} is not an events-stream id")
    cursor = resume or query.cursor("since")
    return EventStream(messages(ctx.reader, ctx.hubs, k, cursor))


async def messages(reader: Reader, hubs: Hubs, k: SymbolKeys,
                   cursor: str | None) -> AsyncGenerator[bytes, None]:
    """The stream of one client: the retained events after ``cursor``, then the live ones."""
    try:
        hub, queue = await hubs.join(k)  # first join: nothing added during the catch-up is missed
    except TimeoutError:
        yield b"event: unavailable\ndata: {}\n\n"
        return
    try:
        yield b"retry: 1000\n\n"
        last = cursor
        if cursor is not None:
            while True:
                page = await reader.events_after(k, last, EVENTS_MAX)
                for stored in page:
                    yield event_message(stored).data
                    last = stored.cursor
                if len(page) < EVENTS_MAX:
                    break
        while True:
            try:
                waiting = [await asyncio.wait_for(queue.get(), KEEP_ALIVE_S)]
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            while not queue.empty() and len(waiting) < WRITE_MESSAGES:
                waiting.append(queue.get_nowait())  # what piled up goes out in one write
            chunk = []
            for message in waiting:
                if message.cursor is not None:
                    if last is not None and position(message.cursor) <= position(last):
                        continue  # sent in the catch-up already
                    last = message.cursor
                chunk.append(message.data)
                if message is DROPPED or message is ENDED:
                    yield b"".join(chunk)
                    return
            if chunk:
                yield b"".join(chunk)
    finally:
        hubs.leave(hub, queue)
