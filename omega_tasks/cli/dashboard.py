"""``--serve`` for the one-machine commands: the web server beside the run, on its Redis."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from omega_tasks.cli.signals import stop_on_signals
from omega_tasks.config import Settings
from omega_tasks.web.server import serving


def add(parser: argparse.ArgumentParser, lingers: bool) -> None:
    after = "; it keeps serving after the run until Ctrl-C" if lingers else ""
    parser.add_argument("--serve", action="store_true",
                        help="also serve the API and live dashboard (OMEGA_WEB_HOST:"
                             f"OMEGA_WEB_PORT, 127.0.0.1:8000){after}")


@contextmanager
def dashboard(wanted: bool, settings: Settings) -> Iterator[str | None]:
    """Serve for the block when ``wanted``; yield the address (None when not serving)."""
    if not wanted:
        yield None
        return
    with serving(settings) as url:
        print(f"dashboard: {url}", flush=True)
        yield url


def linger(url: str | None) -> None:
    """Keep serving after the run until SIGINT or SIGTERM, saying where."""
    if url is None:
        return
    with stop_on_signals() as stop:
        print(f"the run is over; the dashboard stays on {url} (Ctrl-C to stop)", flush=True)
        stop.wait()
