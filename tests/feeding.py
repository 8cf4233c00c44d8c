"""The real feeder against the local exchange stand-ins: an observer that remembers what it
heard, and a feed that runs until given trades are stored."""

import threading
import time

from feeder.batcher import MicroBatcher
from feeder.observer import FeedObserver
from feeder.publisher import Publisher
from feeder.rest import backfiller
from feeder.service import Feeder
from feeder.sources.websocket import Timing, WebSocketSource

FAST = Timing(watchdog_s=5.0, ping_interval_s=0.5, backoff_first_s=0.05, backoff_max_s=0.2)


class Heard(FeedObserver):
    """Every report the feeder makes, with when it came."""

    def __init__(self) -> None:
        self.states: list[tuple[float, str]] = []
        self.reconnects: list[str] = []
        self.gaps: list[tuple[int, bool]] = []
        self.duplicates = 0
        self.dead_letters: list[str] = []
        self.received = 0
        self.last_trade_at = 0.0
        self.quiet_since = 0.0

    def trades_received(self, exchange, symbol, count):
        self.received += count
        self.last_trade_at = time.monotonic()

    def duplicate_dropped(self, exchange, symbol):
        self.duplicates += 1

    def gap(self, exchange, symbol, missing, closed):
        self.gaps.append((missing, closed))

    def dead_letter(self, source, reason):
        self.dead_letters.append(reason)

    def connection(self, exchange, state):
        self.states.append((time.monotonic(), state))
        if state == "stale":
            self.quiet_since = self.last_trade_at

    def reconnect(self, exchange, reason):
        self.reconnects.append(reason)


def feed_until(store, exchange, last_ids, timing=FAST, recorder=None, timeout_s=120.0):
    """Feed from the websocket until each symbol's trade in ``last_ids`` is stored; return
    the report and what the observer heard."""
    stop = threading.Event()
    heard = Heard()
    pending = dict(last_ids)

    def reached(batch):
        if batch.last_id >= pending.get(batch.symbol, batch.last_id + 1):
            del pending[batch.symbol]
        if not pending:
            stop.set()

    feeder = Feeder(store, Publisher(store, None, (), stop), MicroBatcher(1000, 0.02),
                    backfill=backfiller(exchange), observer=heard, on_batch=reached)
    deadline = threading.Timer(timeout_s, stop.set)
    deadline.start()
    try:
        report = feeder.run(WebSocketSource(exchange, list(last_ids), timing, recorder))
    finally:
        deadline.cancel()
    assert not pending, f"the feed ended before trades {pending} arrived"
    return report, heard
