"""Running the web application: in the foreground (``omega serve``) or beside a one-machine
run (``--serve``), on a socket bound first so its address is known before it serves."""

from __future__ import annotations

import ipaddress
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError
from omega_tasks.web.app import create_app

STARTUP_S = 10.0


def loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(settings: Settings) -> socket.socket:
    """A listening socket at OMEGA_WEB_HOST:OMEGA_WEB_PORT; anywhere but loopback only with a
    token, since anyone who reaches the address would read the market state."""
    host, port = settings.web_host, settings.web_port
    if not loopback(host) and not settings.web_token:
        raise ConfigError(f"OMEGA_WEB_HOST={host!r} is reachable from other machines: set "
                          "OMEGA_WEB_TOKEN too, or bind 127.0.0.1")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(512)
    return sock


def address(sock: socket.socket) -> str:
    """The URL a browser opens for a bound socket."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class Server(uvicorn.Server):
    """uvicorn's server, for which SIGINT and SIGTERM are a clean end (uvicorn's own raises
    the signal again once it has shut down, which would kill the process), and whose open
    event streams end when it shuts down (else it would wait for them)."""

    def __init__(self, config: uvicorn.Config, app: Starlette) -> None:
        super().__init__(config)
        self.app = app

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        context = getattr(self.app.state, "context", None)
        if context is not None:
            context.hubs.close()
        await super().shutdown(sockets)

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def server_for(settings: Settings) -> Server:
    app = create_app(settings)
    config = uvicorn.Config(app, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2, lifespan="on")
    return Server(config, app)


def serve(settings: Settings, sock: socket.socket) -> None:
    """Serve on ``sock`` until SIGINT or SIGTERM."""
    server_for(settings).run(sockets=[sock])


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Serve in a background thread for the block; yield the address."""
    sock = bind(settings)
    server = server_for(settings)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="omega-web")
    thread.start()
    deadline = time.monotonic() + STARTUP_S
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)  # uvicorn says it started only through this flag
    if not server.started:
        sock.close()
        raise ConfigError(f"the web server did not start on {address(sock)}")
    try:
        yield address(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
