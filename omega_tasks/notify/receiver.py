"""Alertmanager's webhook receiver: fleet alerts join the alerts stream, and go out to the
sinks the way events do (consumer groups, retries, dead letters).

``POST /alertmanager`` takes Alertmanager's webhook payload (version 4). With a token set,
a request needs ``Authorization: Bearer <token>``. Anything malformed is a 4xx saying what.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from omega_tasks.store import Store

log = logging.getLogger(__name__)
PATH = "/alertmanager"
MAX_BODY_BYTES = 1_048_576
STATUSES = ("firing", "resolved")


class BadPayload(ValueError):
    """A payload that is not Alertmanager's webhook format."""


def alerts_of(payload: Any) -> list[dict[str, Any]]:
    """Return the alerts of an Alertmanager webhook payload, each with its own id."""
    if not isinstance(payload, dict):
        raise BadPayload("the body must be a JSON object")
    if payload.get("version") != "4":
        raise BadPayload(f"version must be \"4\", not {payload.get('version')!r}")
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise BadPayload("alerts must be a list")
    found = []
    for n, alert in enumerate(alerts):
        if not isinstance(alert, dict):
            raise BadPayload(f"alerts[{n}] must be an object")
        status, labels = alert.get("status"), alert.get("labels")
        if status not in STATUSES:
            raise BadPayload(f"alerts[{n}].status must be firing or resolved")
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise BadPayload(f"alerts[{n}].labels must be an object of strings")
        starts = alert.get("startsAt")
        if not isinstance(starts, str):
            raise BadPayload(f"alerts[{n}].startsAt must be a time")
        notes = alert.get("annotations") if isinstance(alert.get("annotations"), dict) else {}
        who = alert.get("fingerprint") or ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
        found.append({
            "id": f"alert:{who}:{status}:{starts}", "status": status, "labels": labels,
            "annotations": notes, "starts_at": starts, "ends_at": alert.get("endsAt", ""),
            "generator_url": alert.get("generatorURL", ""),
        })
    return found


def add_alerts(store: Store, alerts: list[dict[str, Any]]) -> None:
    """Append alerts to the alerts stream (capped like an events stream)."""
    with store.redis.pipeline() as pipe:
        for alert in alerts:
            pipe.xadd(store.keys.alerts, {"a": json.dumps(alert, sort_keys=True)},
                      maxlen=store.retention.events, approximate=True)
        pipe.execute()


def serve(store: Store, host: str, port: int, token: str = "",
          received: Callable[[int], None] | None = None) -> ThreadingHTTPServer:
    """Start the receiver on a thread; return the server (``shutdown()`` stops it)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path.split("?")[0] != PATH:
                return self._answer(HTTPStatus.NOT_FOUND, f"no such route; POST {PATH}")
            given = self.headers.get("Authorization", "")
            if token and not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return self._answer(HTTPStatus.UNAUTHORIZED, "a bearer token is needed")
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                return self._answer(HTTPStatus.LENGTH_REQUIRED, "Content-Length is needed")
            if length > MAX_BODY_BYTES:
                return self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                                    f"the body is over {MAX_BODY_BYTES} bytes")
            try:
                alerts = alerts_of(json.loads(self.rfile.read(length)))
            except (BadPayload, ValueError) as exc:
                return self._answer(HTTPStatus.BAD_REQUEST, f"not an Alertmanager payload: {exc}")
            try:
                add_alerts(store, alerts)
            except Exception as exc:  # Redis away: Alertmanager retries on 5xx
                log.warning("alerts not stored: %s", exc)
                return self._answer(HTTPStatus.SERVICE_UNAVAILABLE, "alerts not stored; retry")
            if received is not None:
                received(len(alerts))
            return self._answer(HTTPStatus.OK, f"{len(alerts)} alerts queued")

        def do_GET(self) -> None:
            self._answer(HTTPStatus.METHOD_NOT_ALLOWED, f"POST {PATH}")

        def _answer(self, status: HTTPStatus, text: str) -> None:
            body = (text + "\n").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("receiver: " + format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="alert-receiver", daemon=True).start()
    log.info("Alertmanager receiver on http://%s:%d%s", host, server.server_port, PATH)
    return server
