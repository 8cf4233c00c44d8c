"""The feed misbehaving while workers analyse every trade: the analyses end where a clean
feed of the same trades leaves them, and the feed's own faults are visible, not absorbed."""

import threading

import pytest

from feeder.batcher import MicroBatcher
from feeder.exchanges.binance import BinanceSpot
from feeder.publisher import Publisher
from feeder.rest import backfiller
from feeder.service import Feeder, FeedReport
from feeder.sources.websocket import Timing, WebSocketSource
from omega_tasks.catalog import busy_queues
from omega_tasks.worker.app import celery_app
from tests.conftest import data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server, trade_frames
from tests.faults.fleet import Workers
from tests.pipeline import outcome, settle

pytestmark = pytest.mark.data
TRADES = 8_000
FAST = Timing(watchdog_s=5.0, ping_interval_s=0.5, backoff_first_s=0.05, backoff_max_s=0.2)


@pytest.fixture(scope="module")
def frames():
    return trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"))[:TRADES]


def live(store, app, script: Script, last_id: int) -> FeedReport:
    """Feed BTC-USDT from the scripted websocket into every busy queue until ``last_id``."""
    stop = threading.Event()

    def reached(batch) -> None:
        if batch.last_id >= last_id:
            stop.set()

    with ExchangeServer(script) as server, \
            rest_server(Rest.from_trade_frames(script.frames)) as rest_url:
        exchange = BinanceSpot(server.url, rest_url)
        publisher = Publisher(store, app, busy_queues(app.settings.queues), stop)
        feeder = Feeder(store, publisher, MicroBatcher(200, 0.02),
                        backfill=backfiller(exchange), on_batch=reached)
        deadline = threading.Timer(120, stop.set)
        deadline.start()
        try:
            return feeder.run(WebSocketSource(exchange, ["BTC-USDT"], FAST))
        finally:
            deadline.cancel()


def without_feed_events(seen):
    return {member: ([e for e in events if '"detector":"feed"' not in e[1]], snapshots)
            for member, (events, snapshots) in seen.items()}


def test_disconnects_a_skipped_range_repeats_and_garbage_under_load_change_no_analysis(
    settings, store, frames
):
    app = celery_app(settings)
    workers = Workers(settings, busy_queues(settings.queues))
    workers.start(1, concurrency=2)
    first = int(frames[0].split('"t":')[1].split(",")[0])
    last = first + TRADES - 1
    try:
        clean = live(store, app, Script(frames), last)
        settle(store, clean)
        expected = outcome(store)
        store.redis.flushdb()

        skipped = (first + 4_000, first + 4_099)
        script = Script(frames, close_at={1_500, 3_000, 6_500}, skip_ids=skipped, rewind=60,
                        garbage_at={2_000: "not json at all",
                                    5_000: '{"stream":"btcusdt@trade","data":{"e":"trade"}}'})
        faulty = live(store, app, script, last)
        settle(store, faulty)
    finally:
        workers.stop()

    assert faulty.trades == clean.trades == TRADES
    assert faulty.reconnects == 3 and faulty.duplicates > 0
    assert without_feed_events(outcome(store)) == without_feed_events(expected)
    k = store.symbol("binance", "BTC-USDT")
    (gap,) = [e for e in store.events(k) if e.detector == "feed"]
    assert gap.kind == "gap" and gap.evidence["closed"] is True
    assert (gap.evidence["first_missing_id"], gap.evidence["last_missing_id"]) == skipped
    reasons = [d["reason"].decode() for d in store.dead_letters()]
    assert len(reasons) == 2 and reasons[0].startswith("malformed JSON")
