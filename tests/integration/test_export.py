"""``omega export`` round trips: what is written reads back (pyarrow, pandas, csv, json) equal
to what the store holds."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feeder.pipeline import build_feeder
from omega_tasks.cli import main
from omega_tasks.messages import Event
from omega_tasks.store import Store
from tests.support import ListSource, walk

T0_MS = 1_723_161_600_000


@pytest.fixture
def filled(settings, store, monkeypatch) -> Store:
    """Two symbols of ticks and bars (the real feeder, no workers) and events with nested
    evidence; the omega command pointed at them."""
    for symbol, seed in (("BTC-USDT", 1), ("ETH-USDT", 2)):
        build_feeder(settings, store, None).run(ListSource(walk(4_000, seed, symbol=symbol)))
    k = store.symbol("sim", "BTC-USDT")
    events = [Event(f"sim:BTC-USDT:traps:bull_trap:{i}", "sim", "BTC-USDT", "traps", "bull_trap",
                    i, T0_MS + i, {"level": 60_000.5 + i, "swing": {"kind": "high", "n": [1, 2]},
                                   "confidence": None if i % 3 else 0.5})
              for i in range(1, 1_201)]
    store.add_events(k, events)
    monkeypatch.setenv("OMEGA_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("OMEGA_KEY_PREFIX", settings.key_prefix)
    return store


def export(capsysbinary, *args: str) -> bytes:
    assert main(["export", *args]) == 0
    return capsysbinary.readouterr().out


def test_events_round_trip_through_parquet_with_typed_columns(filled, tmp_path):
    path = tmp_path / "events.parquet"
    assert main(["export", "events", "--format", "parquet", "--output", str(path)]) == 0
    table = pq.read_table(path)
    assert table.schema.field("time").type == pa.timestamp("ms", tz="UTC")
    assert table.schema.field("trade_id").type == pa.int64()
    frame = table.to_pandas()  # the one line a notebook needs
    stored = filled.events(filled.symbol("sim", "BTC-USDT"))
    assert len(frame) == len(stored) == 1_200
    assert list(frame["id"]) == [e.id for e in stored]
    assert [json.loads(x) for x in frame["evidence"]] == [e.evidence for e in stored]
    assert [int(t.timestamp() * 1000) for t in frame["time"]] == [e.time_ms for e in stored]


def test_ticks_round_trip_through_csv_and_jsonl_with_symbol_and_time_filters(
        filled, capsysbinary):
    k = filled.symbol("sim", "ETH-USDT")
    trades = filled.trades_between(k, 1, 10**9)
    since, until = trades.times_ms[1000], trades.times_ms[2000]
    iso = [datetime.fromtimestamp(t / 1000, tz=UTC).isoformat() for t in (since, until)]
    rows = list(csv.DictReader(io.StringIO(export(
        capsysbinary, "ticks", "--symbol", "ETH-USDT", "--since", iso[0], "--until", iso[1]
    ).decode())))
    want = [(i, t, p) for i, t, p in zip(trades.ids, trades.times_ms, trades.prices, strict=True)
            if since <= t <= until]
    assert [(int(r["trade_id"]), int(r["time"]), float(r["price"])) for r in rows] == want
    assert {r["symbol"] for r in rows} == {"ETH-USDT"}
    lines = export(capsysbinary, "ticks", "--format", "jsonl", "--exchange", "sim",
                   "--since", "2001-0", "--until", "2500-0").decode().splitlines()
    got = [(r["symbol"], r["trade_id"]) for r in map(json.loads, lines)]
    assert got == [(s, i) for s in ("BTC-USDT", "ETH-USDT") for i in range(2001, 2501)]


def test_bars_and_state_export_what_the_store_holds(filled, capsysbinary):
    k = filled.symbol("sim", "BTC-USDT")
    bars = filled.bars(k)
    lines = export(capsysbinary, "bars", "--format", "jsonl", "--symbol", "BTC-USDT").decode()
    got = [json.loads(line) for line in lines.splitlines()]
    assert [(g["open_time"], g["close"], g["trades"]) for g in got] == \
        [(b.open_ms, b.close, b.trades) for b in bars]


@pytest.mark.parametrize(("args", "message"), [
    (["ticks", "--since", "yesterday"], "neither a time"),
    (["bars", "--since", "5-0"], "bars have no stream ids"),
    (["state", "--until", "2024-01-01"], "takes no range"),
])
def test_a_range_that_does_not_fit_is_a_usage_error(filled, capsys, args, message):
    assert main(["export", *args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
