"""A live exchange connection on websocket-client, kept alive whatever the network does.

One connection carries every symbol of one exchange. The source pings on a schedule, and a
watchdog reconnects when no data frame arrived for ``watchdog_s`` (a silent stall, not just a
dead socket). Any end of a connection (the server closing it, as Binance does after 24 h, a
network error, the watchdog) is followed by a reconnect after a capped, jittered exponential
backoff, and the subscriptions are sent again. Every change of state is emitted in order with
the trades, so the feeder records it in feed health and tells the observer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import websocket

from feeder.exchanges import Exchange
from feeder.recordings import Recorder
from feeder.sources import Connection, Emit, Source
from omega_tasks.retry import backoff_s

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timing:
    """How a connection is watched and retried (seconds)."""

    watchdog_s: float = 30.0
    ping_interval_s: float = 15.0
    backoff_first_s: float = 0.5
    backoff_max_s: float = 30.0
    connect_timeout_s: float = 10.0


class WebSocketSource(Source):
    """Trades of some symbols from one exchange's websocket, until ``stop`` is set."""

    def __init__(self, exchange: Exchange, symbols: Sequence[str], timing: Timing | None = None,
                 recorder: Recorder | None = None) -> None:
        self.exchange = exchange
        self.symbols = tuple(symbols)
        self.timing = timing or Timing()
        self.recorder = recorder
        self.name = f"websocket-{exchange.name}"
        self.connections = 0

    def run(self, emit: Emit, stop: threading.Event) -> None:
        attempt = 0
        emit([self._state("connecting")])
        while not stop.is_set():
            got_data, why = self._session(emit, stop)
            if stop.is_set():
                break
            attempt = 1 if got_data else attempt + 1
            wait = backoff_s(attempt, self.timing.backoff_first_s, self.timing.backoff_max_s)
            log.warning("%s: %s; reconnecting in %.2fs", self.name, why, wait)
            emit([self._state("reconnecting", why)])
            if stop.wait(wait):
                break
        emit([self._state("closed", "stopped")])

    def _state(self, state: str, reason: str = "") -> Connection:
        return Connection(self.exchange.name, state, self.symbols, reason)

    def _session(self, emit: Emit, stop: threading.Event) -> tuple[bool, str]:
        """Run one connection until it ends; say whether data came, and why it ended."""
        t = self.timing
        try:
            ws = websocket.create_connection(
                self.exchange.ws_url, timeout=t.connect_timeout_s, skip_utf8_validation=True,
                enable_multithread=False,
            )
        except Exception as exc:  # refused, DNS, TLS, handshake: all mean try again later
            return False, f"connect failed: {type(exc).__name__}: {exc}"
        self.connections += 1
        got_data = False
        try:
            for frame in self.exchange.subscriptions(self.symbols):
                ws.send(frame)
            emit([self._state("connected")])
            ws.settimeout(min(0.25, t.watchdog_s / 4, t.ping_interval_s / 2))
            last_data = last_ping = time.monotonic()
            parse, recorder = self.exchange.parse, self.recorder
            while not stop.is_set():
                now = time.monotonic()
                if now - last_data >= t.watchdog_s:
                    emit([self._state("stale", f"no data for {t.watchdog_s:g}s")])
                    return got_data, f"stale: no data for {t.watchdog_s:g}s"
                if now - last_ping >= t.ping_interval_s:
                    ws.ping()
                    last_ping = now
                try:
                    opcode, frame = ws.recv_data_frame(control_frame=True)
                except websocket.WebSocketTimeoutException:
                    continue
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    return got_data, f"server closed the connection{_close_reason(frame.data)}"
                if opcode not in (websocket.ABNF.OPCODE_TEXT, websocket.ABNF.OPCODE_BINARY):
                    continue  # ping (answered by the library) or pong
                received_ns = time.time_ns()
                last_data = time.monotonic()
                got_data = True
                if recorder is not None:
                    recorder.write(received_ns, frame.data.decode("utf-8", "replace"))
                items = parse(frame.data, received_ns)
                if items:
                    emit(items)
            return got_data, "stopped"
        except websocket.WebSocketConnectionClosedException:
            return got_data, "connection closed"
        except Exception as exc:  # a reset socket, a protocol error: reconnect
            return got_data, f"connection error: {type(exc).__name__}: {exc}"
        finally:
            ws.close(timeout=1)
            # after the server's close frame the library marks the socket closed and close()
            # skips it: shut it down, or it stays open and the server waits on it
            ws.shutdown()  # type: ignore[no-untyped-call]


def _close_reason(data: bytes) -> str:
    if len(data) < 2:
        return ""
    code = int.from_bytes(data[:2], "big")
    text = data[2:].decode("utf-8", "replace")
    return f" (code {code}{': ' + text if text else ''})"
