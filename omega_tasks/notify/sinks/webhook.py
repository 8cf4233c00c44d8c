"""A generic webhook: the event (or alert) JSON, signed with HMAC-SHA256 when a secret is set.

The signature header is ``X-Omega-Signature: sha256=<hex>`` over the exact body bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from omega_tasks.notify.notice import Notice
from omega_tasks.notify.sinks.base import Request, Sink

SIGNATURE_HEADER = "X-Omega-Signature"


def signature(secret: str, body: bytes) -> str:
    """Return the signature header's value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSink(Sink):
    def request(self, notice: Notice) -> Request:
        return self._signed(notice.body_bytes, notice.key)

    def text_request(self, text: str, key: str) -> Request:
        body = json.dumps({"summary": text, "id": key}, separators=(",", ":")).encode()
        return self._signed(body, key)

    def _signed(self, body: bytes, key: str) -> Request:
        headers = self.headers(key) | {"X-Omega-Event-Id": key}
        if self.spec.secret:
            headers[SIGNATURE_HEADER] = signature(self.spec.secret, body)
        return Request(self.spec.url, body, headers)
