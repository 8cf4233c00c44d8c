"""A real local HTTP server standing in for a webhook, Slack, Discord or Telegram."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    key: str
    body: bytes
    headers: dict[str, str]
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class HttpSink:
    """Records every request; ``answer(n)`` gives the status of the n-th (0-based) request."""

    def __init__(self, answer: Callable[[int], int], delay_s: float) -> None:
        self.answer = answer
        self.delay_s = delay_s
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.url = ""

    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if 200 <= r.status < 300]

    def accepted_keys(self) -> list[str]:
        return [r.key for r in self.accepted()]


@contextmanager
def http_sink(answer: Callable[[int], int] = lambda n: 200,
              delay_s: float = 0.0) -> Iterator[HttpSink]:
    """Serve a recording sink on 127.0.0.1 (a free port) for the duration of the block."""
    sink = HttpSink(answer, delay_s)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if sink.delay_s:
                time.sleep(sink.delay_s)  # a sink that takes its time: a latency, not a wait
            with sink.lock:
                status = sink.answer(len(sink.received))
                sink.received.append(Received(self.path, self.headers.get("Idempotency-Key", ""),
                                              body, dict(self.headers), status))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
