"""The ASGI application of ``omega serve``: the JSON API, the event stream, the page.

Read only: it writes no state to Redis (only the health answer's expiring write probe, as
``omega status`` sets it). Every error a request can cause is an answer in JSON
saying what is wrong (4xx); Redis being unreachable is a 503 saying so.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata, resources

import redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import DecodeError
from omega_tasks.web.api import ENDPOINTS
from omega_tasks.web.auth import TokenGate, login
from omega_tasks.web.context import REFRESH_S, Context
from omega_tasks.web.openapi import document
from omega_tasks.web.params import BadRequest
from omega_tasks.web.stream import STREAM, stream

log = logging.getLogger(__name__)
STATIC = resources.files("omega_tasks.web") / "static"


def create_app(settings: Settings, refresh_s: float = REFRESH_S) -> Starlette:
    """The web application on the Redis of ``settings``."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.context = Context.open(settings, refresh_s)
        try:
            yield
        finally:
            await app.state.context.close()

    schema = document([e for e, _ in ENDPOINTS] + [STREAM], _version())

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(schema)

    async def page(request: Request) -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers={"Cache-Control": "no-store"})

    async def bad_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadRequest)
        return JSONResponse({"error": exc.message}, status_code=exc.status)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": f"{request.url.path}: {exc.detail}"},
                            status_code=exc.status_code)

    async def redis_down(request: Request, exc: Exception) -> Response:
        return JSONResponse({"error": f"Redis at {redact_url(settings.redis_url)} did not "
                                      f"answer: {exc}"}, status_code=503)

    async def undecodable(request: Request, exc: Exception) -> Response:
        log.warning("a stored record does not decode: %s", exc)
        return JSONResponse({"error": f"a stored record does not decode: {exc}"},
                            status_code=502)

    routes: list[BaseRoute] = [Route(e.path, handler) for e, handler in ENDPOINTS]
    routes += [Route(STREAM.path, stream), Route("/openapi.json", openapi), Route("/", page),
               Route("/login", login, methods=["GET", "POST"]),
               Mount("/static", StaticFiles(directory=str(STATIC)), name="static")]
    middleware = []
    if settings.web_cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.web_cors_origins),
                                     allow_methods=["GET"], allow_headers=["Authorization",
                                                                           "Last-Event-ID"]))
    if settings.web_token:
        middleware.append(Middleware(TokenGate, token=settings.web_token))
    return Starlette(
        routes=routes, middleware=middleware, lifespan=lifespan,
        exception_handlers={BadRequest: bad_request, HTTPException: http_error,
                            redis.RedisError: redis_down, DecodeError: undecodable},
    )


def _version() -> str:
    try:
        return metadata.version("omega-analytics")
    except metadata.PackageNotFoundError:
        return "0"
