"""The feeder's screen on real data: no real trade is doubted, crash minutes included, and
absurd prices slipped into a real recording are dead-lettered without changing an analysis
beyond the trades they replaced (the CVD lacks their volume)."""

import dataclasses

import pytest

from feeder.exchanges.named import exchange_named
from feeder.files import read_trades
from feeder.recordings import frames
from omega_tasks.config import Settings
from omega_tasks.messages import Tick
from tests.conftest import data_file
from tests.pipeline import feed, outcome, settle
from tests.unit.test_screen import screen_all

pytestmark = pytest.mark.data

FILES = [
    "klines_1m/binance_BTCUSDT_1m_20200521-20200620.csv.gz",
    "klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz",  # the 2024-08-05 crash
    "klines_1m/binance_BTCUSDT_1m_20250520-20250818.csv.gz",
    "klines_1m/binance_BTCUSDT_1m_20260323-20260422.csv.gz",
    "ticks/binance_spot_BTCUSDT_ticks_20220608T2145-20220609T1000.csv.gz",
]
RECORDINGS = {
    "binance_ws/spot_btcusdt_20240808.gz": "binance",
    "binance_ws/spot_btcusdt_20240809.gz": "binance",
    "binance_ws/spot_btcusdt_20230405.gz": "binance",
    "binance_ws/usdm_btcusdt_20240808.gz": "binance-usdm",
}


def file_ticks(name):
    trades, _ = read_trades(data_file(name))
    return [Tick("file", "BTC-USDT", i, p, q, s, t, t * 1_000_000)
            for i, t, p, q, s in trades.rows()]


def recorded_ticks(name):
    exchange = exchange_named(RECORDINGS[name], Settings())
    return [item for ns, frame in frames(data_file(name)) for item in exchange.parse(frame, ns)
            if isinstance(item, Tick)]


@pytest.mark.parametrize("name", FILES)
def test_no_real_trade_of_a_candle_or_tick_file_is_doubted(name):
    ticks = file_ticks(name)
    passed, rejected, _ = screen_all(ticks, step_s=0.0)
    assert rejected == [] and passed == ticks


@pytest.mark.parametrize("name", sorted(RECORDINGS))
def test_no_real_trade_of_a_recording_is_doubted(name):
    ticks = recorded_ticks(name)
    passed, rejected, _ = screen_all(ticks, step_s=0.0)
    assert rejected == [] and passed == ticks


def test_absurd_prices_in_a_real_recording_are_dead_lettered_and_change_no_analysis(
        store, app, worker):
    ticks = recorded_ticks("binance_ws/spot_btcusdt_20240808.gz")
    settle(store, feed(store, app, ticks, batch_max=500), timeout_s=120)
    clean = outcome(store)
    store.redis.flushdb()
    bad = {3_000: 99999999999999999999.9, 6_000: 0.00000001}
    corrupt = [dataclasses.replace(t, price=bad.get(i, t.price)) for i, t in enumerate(ticks)]
    report = feed(store, app, corrupt, batch_max=500)
    settle(store, report, timeout_s=120)
    letters = store.dead_letters()
    assert report.dead_letters == len(letters) == 2
    assert all(b"implausible price" in d["reason"] for d in letters)
    k = store.symbol("binance", "BTC-USDT")
    gaps = [e for e in store.events(k) if e.kind == "gap"]
    assert [(g.evidence["first_missing_id"], g.evidence["closed"]) for g in gaps] == [
        (ticks[i].trade_id, False) for i in sorted(bad)]
    lost = sum(ticks[i].side * ticks[i].size for i in bad)
    analyses = {member: ([e for e in events if ":feed:" not in e[0]], without_cvd(snaps))
                for member, (events, snaps) in outcome(store).items()}
    assert analyses == {member: ([e for e in events if ":feed:" not in e[0]],
                                 without_cvd(snaps, lost))
                        for member, (events, snaps) in clean.items()}


def without_cvd(snapshots, lost=0.0):
    """Snapshots with the order flow's CVD less ``lost`` (rounded), and its slope left out:
    the figures that sum every trade's volume."""
    out = {}
    for name, (last_id, view) in snapshots.items():
        flow = view.get("orderflow")
        if flow is not None:
            flow = {**flow, "cvd": round(flow["cvd"] - lost, 6), "cvd_slope": None}
            view = {**view, "orderflow": flow}
        out[name] = (last_id, view)
    return out
