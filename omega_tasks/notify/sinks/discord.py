"""A Discord webhook: ``{"content": ...}``, at most 2,000 characters."""

from __future__ import annotations

import json

from omega_tasks.notify.sinks.base import Request, Sink

MAX_CHARS = 2000


class DiscordSink(Sink):
    def text_request(self, text: str, key: str) -> Request:
        body = json.dumps({"content": text[:MAX_CHARS]}).encode()
        return Request(self.spec.url, body, self.headers(key))
