"""The bearer token: asked of every request when OMEGA_WEB_TOKEN is set.

It comes in an ``Authorization: Bearer`` header, or in the cookie the login form sets, so a
browser (whose EventSource cannot send headers) can watch the page. The server is read only,
so the token guards what it shows, not what it changes.
"""

from __future__ import annotations

import hmac
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "omega_token"
OPEN_PATHS = ("/login",)
LOGIN_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Omega · sign in</title></head><body style="font-family:sans-serif;margin:4em">
<form method="post" action="/login"><p>{note}</p>
<label>Token <input type="password" name="token" autofocus></label>
<button type="submit">Open the dashboard</button></form></body></html>"""


def presented(scope: Scope) -> str:
    """The token a request carries, from its Authorization header or its cookie."""
    headers: dict[bytes, bytes] = dict(scope.get("headers", ()))
    auth = headers.get(b"authorization", b"").decode("latin-1")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
    return str(cookie[COOKIE].value) if COOKIE in cookie else ""


class TokenGate:
    """ASGI middleware letting through only requests that carry the token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        refused: Response
        if scope["path"].startswith("/api/") or scope["path"] == "/openapi.json":
            refused = JSONResponse(
                {"error": "this server asks for a token: send 'Authorization: Bearer TOKEN'"},
                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        else:
            refused = RedirectResponse("/login", status_code=303)
        await refused(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        return hmac.compare_digest(presented(scope).encode(), self.token)


async def login(request: Request) -> Response:
    """The login form; a right token sets the cookie and opens the page."""
    token: str = request.app.state.context.settings.web_token
    if request.method == "GET":
        return HTMLResponse(LOGIN_FORM.format(note="This Omega asks for its token."))
    body = parse_qs((await request.body()).decode("utf-8", "replace"))
    given = body.get("token", [""])[0]
    if not token or not hmac.compare_digest(given.encode(), token.encode()):
        return HTMLResponse(LOGIN_FORM.format(note="That token is not this Omega's."),
                            status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, given, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response
