"""One sink's consumer: its own Redis consumer group on every events stream and the alerts stream.

An entry is acknowledged only once the sink accepted it, was dead-lettered, or was passed
over (filter, rate limit), so after a crash the entries still pending are read again first:
nothing is lost, and an entry the sink may already have accepted goes again with the same
idempotency key. Entries of one stream go one at a time, in stream order, so a sink that
refuses for a while still receives each symbol's events in order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from omega_tasks.errors import DecodeError
from omega_tasks.notify.notice import Notice, decode_entry
from omega_tasks.notify.observer import DeliveryObserver
from omega_tasks.notify.ratelimit import RateLimit
from omega_tasks.notify.sinks.base import Request, Sink
from omega_tasks.notify.text import held_back_text
from omega_tasks.retry import TRANSIENT, backoff_s, retrying
from omega_tasks.store import Store

log = logging.getLogger(__name__)
CONSUMER = "notify"  # one consumer per group: a restart reads its own pending entries
READ_COUNT = 100
BLOCK_MS = 500


def group_name(sink: str) -> str:
    """The consumer group a sink reads through, on every stream."""
    return f"notify:{sink}"


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waits between attempts at one notice: doubling from ``first_s`` to ``cap_s``, jittered."""

    first_s: float = 0.5
    cap_s: float = 60.0


class SinkConsumer:
    """Delivers what one sink wants, resuming where its consumer group stands."""

    def __init__(self, store: Store, sink: Sink, from_now: bool = False,
                 backoff: Backoff = Backoff(), observer: DeliveryObserver | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.sink = sink
        self.group = group_name(sink.name)
        self.from_now = from_now
        self.backoff = backoff
        self.observer = observer or DeliveryObserver()
        self.clock = clock
        self.limit = RateLimit(sink.spec.burst, sink.spec.per_minute)
        self.joined: set[str] = set()
        self.recovering = True  # read our own pending entries before new ones

    def run(self, stop: threading.Event) -> None:
        """Deliver until ``stop`` is set; Redis outages are waited out."""
        log.info("sink %s: delivering", self.sink.name)
        while not stop.is_set():
            try:
                retrying(f"sink {self.sink.name}", lambda: self.step(stop), stop=stop, cap_s=5.0)
            except TRANSIENT:
                if not stop.is_set():
                    raise

    def step(self, stop: threading.Event) -> None:
        """Read a slice of entries (pending first, after a restart) and handle each."""
        try:
            self._step(stop)
        except BaseException:
            self.recovering = True  # what was read but not acknowledged is pending: read it
            raise

    def _step(self, stop: threading.Event) -> None:
        streams = self._streams()
        start = "0" if self.recovering else ">"
        got = self.store.redis.xreadgroup(
            self.group, CONSUMER, dict.fromkeys(streams, start), count=READ_COUNT,
            block=None if self.recovering else BLOCK_MS,
        )
        entries = [(s, i, f) for s, rows in got or [] for i, f in rows]
        if self.recovering and not entries:
            self.recovering = False
        for stream, entry_id, fields in entries:
            if stop.is_set() or not self._handle(stream.decode(), entry_id, fields, stop):
                return
        if not entries:
            self._summarise(stop)

    def _streams(self) -> list[str]:
        """Every events stream (symbols appear while running) and the alerts stream."""
        names = [self.store.symbol(x, s).events for x, s in self.store.symbols()]
        names.append(self.store.keys.alerts)
        for name in names:
            if name not in self.joined:
                self._join(name)
        return names

    def _join(self, stream: str) -> None:
        """Create this sink's group on a stream, at its start or (``from_now``) its end."""
        start = "$" if self.from_now else "0"
        try:
            self.store.redis.xgroup_create(stream, self.group, id=start, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self.joined.add(stream)

    def _handle(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes] | None,
                stop: threading.Event) -> bool:
        """Deliver, pass over or dead-letter one entry; False if stopped before it was done."""
        notice: Notice | None = None
        if not fields:  # a pending entry trimmed from the stream (MAXLEN) before it went out
            self._dead_letter("trimmed from the stream before the sink accepted it", b"",
                              stream, entry_id)
        else:
            try:
                notice = decode_entry(fields)
            except DecodeError as exc:
                self._dead_letter(exc.reason, exc.raw, stream, entry_id)
        if notice is None:
            pass
        elif not self.sink.spec.filter.wants(notice):
            self.observer.filtered(self.sink.name)
        elif not self.limit.available(self.clock()):
            self.limit.hold(_label(notice))
            self.observer.held_back(self.sink.name)
        else:
            if self.limit.held and not self._summarise(stop):
                return False
            if not self.limit.available(self.clock()):
                self.limit.hold(_label(notice))
                self.observer.held_back(self.sink.name)
            elif not self._deliver(notice, stream, entry_id, stop):
                return False
        self.store.redis.xack(stream, self.group, entry_id)
        return True

    def _deliver(self, notice: Notice, stream: str, entry_id: bytes,
                 stop: threading.Event) -> bool:
        """Send a notice until accepted or refused ``attempts`` times; False if stopped."""
        request = self.sink.request(notice)
        done = self._attempts(request, stop)
        if done is None:
            return False
        if done:
            self.limit.spend()
        else:
            self._dead_letter(self._last_reason, notice.body_bytes, stream, entry_id, notice.key)
        return True

    def _attempts(self, request: Request, stop: threading.Event) -> bool | None:
        """True if accepted, False if refused for good, None if stopped while retrying."""
        began = time.perf_counter()
        attempts = self.sink.spec.attempts
        for attempt in range(1, attempts + 1):
            outcome = self.sink.send(request)
            if outcome.accepted:
                self.observer.delivered(self.sink.name, time.perf_counter() - began)
                return True
            self.observer.refused(self.sink.name, outcome.reason)
            self._last_reason = f"{outcome.reason} (attempt {attempt} of {attempts})"
            if outcome.permanent or attempt == attempts:
                return False
            log.warning("sink %s refused: %s", self.sink.name, self._last_reason)
            if stop.wait(backoff_s(attempt, self.backoff.first_s, self.backoff.cap_s)):
                return None
        return False

    _last_reason = ""

    def _summarise(self, stop: threading.Event) -> bool:
        """Send what the rate limit held back, when it lets one more go; False if stopped."""
        if not self.limit.held or not self.limit.available(self.clock()):
            return True
        counts = self.limit.take_held()
        key = f"held-back:{self.sink.name}:{time.time_ns()}"
        done = self._attempts(self.sink.text_request(held_back_text(counts), key), stop)
        if done is None:
            self.limit.held.update(counts)
            return False
        self.limit.spend()
        if not done:
            log.warning("sink %s: a held-back summary was refused: %s", self.sink.name,
                        self._last_reason)
        return True

    def _dead_letter(self, reason: str, raw: bytes, stream: str, entry_id: bytes,
                     key: str = "") -> None:
        what = f"event {key}" if key else f"entry {entry_id.decode()} of {stream}"
        log.warning("sink %s: dead-lettered %s: %s", self.sink.name, what, reason)
        self.store.dead_letter(f"notify:{self.sink.name}", f"{what}: {reason}", raw)
        self.observer.dead_lettered(self.sink.name)


def _label(notice: Notice) -> str:
    event = notice.event
    return f"{event.detector}/{event.kind}" if event is not None else "fleet alerts"
