"""A real recording replayed into the test Redis, and the web server running on it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from feeder.exchanges.binance import BinanceSpot
from feeder.pipeline import build_feeder
from feeder.service import FeedReport
from feeder.sources.recording import RecordingSource
from omega_tasks.config import Settings
from omega_tasks.store import Store
from omega_tasks.web.server import serving
from tests.conftest import data_file
from tests.pipeline import settle

FIRST = "binance_ws/spot_btcusdt_20240808.gz"
SECOND = "binance_ws/spot_btcusdt_20240809.gz"  # continues the first


def replay(store: Store, app, recording: str, speed: float | None = None,
           stop: threading.Event | None = None) -> FeedReport:
    """Replay a real Binance recording through the feeder and wait for every analysis."""
    feeder = build_feeder(app.settings, store, app, stop)
    report = feeder.run(RecordingSource(data_file(recording), BinanceSpot("ws://x", "http://x"),
                                        speed))
    settle(store, report)
    return report


@contextmanager
def server(settings: Settings) -> Iterator[httpx.Client]:
    """``omega serve`` on a free port for the block, and an HTTP client pointed at it."""
    with serving(settings.replace(web_port=0)) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        yield client


def sse(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Parse Server-Sent Events from a stream's lines: each as its fields."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line:
            if fields:
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = fields.get(name, "") + value.removeprefix(" ")
