"""A Slack incoming webhook (or anything that takes Slack's ``{"text": ...}``)."""

from __future__ import annotations

import json

from omega_tasks.notify.sinks.base import Request, Sink


class SlackSink(Sink):
    def text_request(self, text: str, key: str) -> Request:
        body = json.dumps({"text": text}).encode()
        return Request(self.spec.url, body, self.headers(key))
