"""``omega serve``: the HTTP API, the event stream and the live dashboard, read from Redis.

It reads what the store holds and writes nothing; run it beside a fleet or a one-machine run.
"""

from __future__ import annotations

import argparse

from omega_tasks.config import Settings
from omega_tasks.web.server import address, bind, serve


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("serve", help="the HTTP API and live dashboard")
    add_address(parser)
    parser.set_defaults(run=run)


def add_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default OMEGA_WEB_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default OMEGA_WEB_PORT, 8000)")


def web_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with the address the command line gives, if it gives one."""
    changes = {name: value for name, value in
               (("web_host", args.host), ("web_port", args.port)) if value is not None}
    return settings.replace(**changes) if changes else settings


def run(args: argparse.Namespace, settings: Settings) -> int:
    settings = web_settings(args, settings)
    sock = bind(settings)
    print(f"Omega on {address(sock)} (Ctrl-C to stop)", flush=True)
    serve(settings, sock)
    return 0
