"""The Telegram Bot API's ``sendMessage``: ``{base}/bot{token}/sendMessage`` with a chat id."""

from __future__ import annotations

import json

from omega_tasks.notify.sinks.base import Request, Sink

MAX_CHARS = 4096


class TelegramSink(Sink):
    def text_request(self, text: str, key: str) -> Request:
        url = f"{self.telegram_api_url.rstrip('/')}/bot{self.spec.token}/sendMessage"
        body = json.dumps({"chat_id": self.spec.chat_id, "text": text[:MAX_CHARS],
                           "disable_web_page_preview": True}).encode()
        return Request(url, body, self.headers(key))
