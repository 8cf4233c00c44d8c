"""Metrics endpoints of real fleet processes: a live feeder on a replayed recording, a
prefork worker whose counts come from several child processes, and beat's fleet gauges."""

import pytest

from omega_tasks.catalog import CATALOG, published
from omega_tasks.worker.app import celery_app
from tests.conftest import data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server, trade_frames
from tests.faults.fleet import BIN, environment, free_port
from tests.scrape import poll, process, scrape, total, value

pytestmark = pytest.mark.data
TRADES = 3_000
ANALYSIS_QUEUES = sorted({spec.queue for spec in CATALOG})


@pytest.fixture(scope="module")
def tape():
    return trade_frames(data_file("binance_ws/spot_btcusdt_20240808.gz"))[:TRADES]


def test_feeder_worker_and_beat_endpoints_count_a_replayed_recording(settings, store, tape,
                                                                      tmp_path):
    rest = Rest()  # klines before the recording, so the analyses start warm
    rest.load_klines(data_file("klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"))
    rest.klines = [k for k in rest.klines if k[0] < 1_723_161_240_000]
    with ExchangeServer(Script(tape)) as server, rest_server(rest) as rest_url:
        env = environment(settings) | {
            "OMEGA_KLINES_AT_START": "1440", "OMEGA_BATCH_MAX": "200",
            "OMEGA_BINANCE_REST_URL": rest_url, "OMEGA_BINANCE_WS_URL": server.url}
        fed, worked, fleet = run_fleet(env, tmp_path, celery_app(settings))

    symbol = {"exchange": "binance", "symbol": "BTC-USDT"}
    assert value(fed, "omega_feeder_trades_received_total", **symbol) == TRADES
    batches = value(fed, "omega_feeder_batches_total", **symbol)
    assert batches >= TRADES / 200
    assert value(fed, "omega_feeder_batch_trades_sum") == TRADES
    assert value(fed, "omega_feeder_publish_seconds_count") == batches
    assert value(fed, "omega_feeder_connection_state", exchange="binance",
                 omega_feeder_connection_state="connected") == 1
    assert 0 <= value(fed, "omega_feeder_seconds_since_trade", **symbol) < 60

    # Two child processes ran the tasks; the endpoint sums both, so every count is whole.
    for queue in ANALYSIS_QUEUES:
        assert value(worked, "omega_worker_ticks_analysed_total", queue=queue) == TRADES
        analysed = value(worked, "omega_worker_trade_to_result_seconds_count", queue=queue)
        assert analysed == batches
        assert value(worked, "omega_worker_task_seconds_count", task=f"omega.{queue}.analyse") \
            == batches + (queue == "traps") + value(worked, "omega_worker_task_retries_total",
                                                    task=f"omega.{queue}.analyse")
    k = store.symbol("binance", "BTC-USDT")
    events = [e for e in store.events(k) if e.detector != "feed"]
    stored = {(e.detector, e.kind) for e in events}
    assert stored, "the recording raises events"
    for detector, kind in stored:
        assert value(worked, "omega_worker_events_total", detector=detector, kind=kind) == sum(
            1 for e in events if (e.detector, e.kind) == (detector, kind))

    assert value(worked, "omega_worker_dead_letters_total", task="omega.traps.analyse",
                 reason="undecodable batch") == 1

    assert value(fleet, "omega_fleet_redis_up") == 1
    for name in published():
        assert value(fleet, "omega_fleet_snapshot_lag_trades", analysis=name, **symbol) == 0
    assert value(fleet, "omega_fleet_queue_length", queue="traps") == 0
    assert ("omega_fleet_queue_length", (("queue", "maintenance"),)) in fleet
    assert 0 <= value(fleet, "omega_fleet_feed_age_seconds", **symbol) < 60



def run_fleet(env, tmp_path, app):
    """Run a prefork worker, beat and a live feeder; return their scrapes once all is done,
    and a batch that does not decode has been sent to the traps queue."""
    feeder_port, worker_port, beat_port = free_port(), free_port(), free_port()
    with process([str(BIN / "celery"), "-A", "omega_tasks", "worker", "-Q",
                  ",".join(ANALYSIS_QUEUES), "--pool", "prefork", "-c", "2",
                  "-n", "metrics@%h", "--without-mingle", "--without-gossip"],
                 env | {"OMEGA_METRICS_PORT": str(worker_port)}), \
            process([str(BIN / "celery"), "-A", "omega_tasks", "beat",
                     "-s", str(tmp_path / "beat-schedule")],
                    env | {"OMEGA_METRICS_PORT": str(beat_port)}), \
            process([str(BIN / "omega"), "feed", "--live"],
                    env | {"OMEGA_METRICS_PORT": str(feeder_port)}):
        poll(lambda: scrape(feeder_port),
             lambda s: total(s, "omega_feeder_trades_received_total") >= TRADES, 60,
             "the feeder to count every replayed trade")
        poll(lambda: scrape(worker_port),
             lambda s: all(value(s, "omega_worker_ticks_analysed_total", queue=q)
                           >= TRADES for q in ANALYSIS_QUEUES), 90,
             "the worker to analyse every trade on every queue")
        app.send_task("omega.traps.analyse", args=(b"not a batch",), queue="traps")
        # One scrape reads each process's files in turn, so a task being counted may show in
        # one metric and not yet in the next: wait for every task's every count to land.
        worked = poll(lambda: scrape(worker_port),
                      lambda s: total(s, "omega_worker_dead_letters_total") >= 1
                      and all(value(s, "omega_worker_task_seconds_count",
                                    task=f"omega.{q}.analyse")
                              == value(s, "omega_worker_trade_to_result_seconds_count", queue=q)
                              + value(s, "omega_worker_task_retries_total",
                                      task=f"omega.{q}.analyse")
                              + (q == "traps") for q in ANALYSIS_QUEUES), 30,
                      "the worker to dead-letter the batch that does not decode")
        fleet = poll(lambda: scrape(beat_port),
                     lambda s: total(s, "omega_fleet_snapshot_lag_trades") == 0
                     and sum(value(s, "omega_fleet_queue_length", queue=q)
                             for q in ANALYSIS_QUEUES) == 0, 30,
                     "the snapshots to catch up with the feed")
        fed = scrape(feeder_port)  # every batch is published once the workers have it all
    return fed, worked, fleet
