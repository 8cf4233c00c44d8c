"""What every sink shares: its spec, rendering a notice as an HTTP request, posting it."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field

from omega_tasks.notify.filters import SinkFilter
from omega_tasks.notify.notice import Notice
from omega_tasks.notify.text import alert_text, event_text

# Refusals that will not change however often they are retried: dead-lettered at once.
PERMANENT = frozenset((400, 401, 403, 404, 405, 410, 413, 415, 422))


@dataclass(frozen=True, slots=True)
class SinkSpec:
    """One sink as configured: where, in which format, which notices, how hard to try."""

    name: str
    type: str
    url: str = ""
    filter: SinkFilter = field(default_factory=SinkFilter)
    burst: int = 10
    per_minute: float = 0.0
    attempts: int = 8
    timeout_s: float = 10.0
    secret: str = ""
    token: str = ""
    chat_id: str = ""


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a sink answered: accepted, or refused (``permanent`` if retrying cannot help)."""

    accepted: bool
    reason: str = ""
    permanent: bool = False


class Sink:
    """A destination; subclasses say how a notice or a plain text becomes a request."""

    def __init__(self, spec: SinkSpec, telegram_api_url: str = "", dashboard_url: str = "") -> None:
        self.spec = spec
        self.telegram_api_url = telegram_api_url
        self.dashboard_url = dashboard_url

    @property
    def name(self) -> str:
        return self.spec.name

    def text(self, notice: Notice) -> str:
        """The human text of a notice, for chat sinks."""
        if notice.event is not None:
            return event_text(notice.event, self.dashboard_url)
        return alert_text(notice.alert)

    def request(self, notice: Notice) -> Request:
        return self.text_request(self.text(notice), notice.key)

    def text_request(self, text: str, key: str) -> Request:
        """The request carrying a plain text (a rate-limit summary)."""
        raise NotImplementedError

    def headers(self, key: str) -> dict[str, str]:
        return {"Content-Type": "application/json", "Idempotency-Key": key,
                "User-Agent": "omega-notify"}

    def send(self, request: Request) -> Answer:
        """POST a request; any answer but 2xx, and any network failure, is a refusal."""
        http = urllib.request.Request(request.url, data=request.body, headers=request.headers,
                                      method="POST")
        try:
            with urllib.request.urlopen(http, timeout=self.spec.timeout_s) as answer:
                answer.read()
                return Answer(True)
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode("utf-8", "replace").strip()
            return Answer(False, f"HTTP {exc.code} {detail}".strip(), exc.code in PERMANENT)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            return Answer(False, f"unreachable: {reason}")
