"""``omega notify`` against real local HTTP sinks, a real Redis and a real recording's events."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis

from omega_tasks.cli import main, parser
from omega_tasks.cli.notify import webhook_spec
from omega_tasks.messages import Event
from omega_tasks.notify import receiver
from omega_tasks.notify.consumer import Backoff, SinkConsumer, group_name
from omega_tasks.notify.filters import SinkFilter
from omega_tasks.notify.metrics import Backlog
from omega_tasks.notify.sinks import build
from omega_tasks.notify.sinks.base import SinkSpec
from omega_tasks.notify.sinks.webhook import signature
from omega_tasks.store import Store
from tests.conftest import data_file
from tests.http_sink import http_sink
from tests.integration.test_cli import BIN, dead_port, omega
from tests.scrape import poll

RECORDING = "binance_ws/spot_btcusdt_20240808.gz"
FAST = Backoff(first_s=0.01, cap_s=0.05)


@pytest.fixture(scope="module")
def recorded_events(redis_base: str) -> list[Event]:
    """The events ``omega replay`` stores for a real Binance recording (replayed once)."""
    prefix = "omega-notify-replay"
    env = {"OMEGA_REDIS_URL": redis_base, "OMEGA_KEY_PREFIX": prefix}
    result = omega("replay", str(data_file(RECORDING)), "--speed", "max", env=env)
    assert result.returncode == 0, result.stderr
    client = redis.Redis.from_url(redis_base)
    raw = client.xrange(f"{prefix}:binance:BTC-USDT:events")
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)
    events = [Event.from_json(fields[b"e"]) for _, fields in raw]
    assert len(events) >= 10
    return events


def stored(store: Store, events: list[Event]) -> list[Event]:
    """Write events as the workers do (each once, in order); return them."""
    k = store.symbol(events[0].exchange, events[0].symbol)
    store.add_events(k, events)
    store.redis.sadd(store.keys.symbols, k.member)  # as the feeder does for a symbol with trades
    return events


@contextmanager
def consuming(store: Store, spec: SinkSpec, **options: object) -> Iterator[SinkConsumer]:
    sink = build(spec, telegram_api_url=str(options.pop("telegram", "")), dashboard_url="")
    consumer = SinkConsumer(store, sink, backoff=FAST, **options)  # type: ignore[arg-type]
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive()


def pending(store: Store, stream: str, sink: str) -> int:
    return int(store.redis.xpending(stream, group_name(sink))["pending"])


def handled(store: Store, stream: str, sink: str) -> bool:
    """Whether the sink's group has read and acknowledged every entry of the stream."""
    groups = {g["name"].decode(): g for g in store.redis.xinfo_groups(stream)}
    group = groups.get(group_name(sink))
    return group is not None and group["lag"] == 0 and group["pending"] == 0


@pytest.mark.data
def test_every_event_reaches_the_webhook_once_across_two_sigkills(
        settings, store, recorded_events):
    events = stored(store, recorded_events)
    want = [e.id for e in events]
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OMEGA_")} | env
    with http_sink(delay_s=0.1) as sink:
        command = [str(BIN / "omega"), "notify", "--webhook", sink.url + "/hook",
                   "--detector", "orderflow"]
        for kill_at in (len(want) // 3, 2 * len(want) // 3):
            proc = subprocess.Popen(command, env=clean, start_new_session=True,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            poll(lambda: len(sink.accepted()), lambda n, at=kill_at: n >= at, 60,  # type: ignore[misc]
                 f"{kill_at} deliveries")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        proc = subprocess.Popen(command, env=clean, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            poll(lambda: set(sink.accepted_keys()), lambda got: got == set(want), 60,
                 "every event")
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(30) == 0
        received = sink.accepted()
    first_seen = list(dict.fromkeys(r.key for r in received))
    assert first_seen == want  # each once, in stream order
    repeats = len(received) - len(first_seen)
    assert repeats <= 2  # at most the one in flight at each kill, with the same key and body
    for r in received:
        assert r.json == json.loads(events[want.index(r.key)].to_json())
        assert r.headers["X-Omega-Event-Id"] == r.key
    assert pending(store, store.symbol("binance", "BTC-USDT").events, "webhook") == 0


@pytest.mark.data
def test_a_sink_failing_for_a_while_gets_every_event_in_order(store, recorded_events):
    events = stored(store, recorded_events)
    with http_sink(answer=lambda n: 500 if n < 6 else 200) as sink:
        spec = SinkSpec("flaky", "webhook", sink.url, attempts=10)
        with consuming(store, spec):
            poll(lambda: sink.accepted_keys(), lambda got: len(got) == len(events), 30,
                 "every event")
        assert sink.accepted_keys() == [e.id for e in events]
        assert [r.status for r in sink.received[:6]] == [500] * 6
        assert {r.key for r in sink.received[:7]} == {events[0].id}  # retried, not skipped
    assert store.dead_letters() == []


@pytest.mark.data
def test_a_sink_that_always_refuses_gets_dead_letters_and_the_consumer_carries_on(
        store, recorded_events):
    events = stored(store, recorded_events)
    k = store.symbol("binance", "BTC-USDT")
    with http_sink(answer=lambda n: 503) as down, http_sink(answer=lambda n: 422) as picky:
        with consuming(store, SinkSpec("down", "webhook", down.url, attempts=3)), \
                consuming(store, SinkSpec("picky", "webhook", picky.url, attempts=3)):
            poll(lambda: len(store.dead_letters(1000)), lambda n: n == 2 * len(events), 30,
                 "a dead letter per event and sink")
            poll(lambda: pending(store, k.events, "down") + pending(store, k.events, "picky"),
                 lambda n: n == 0, 10, "every entry acknowledged")
        assert len(down.received) == 3 * len(events)  # three attempts each
        assert len(picky.received) == len(events)  # a 422 will not change: one attempt
    letters = store.dead_letters(1000)
    by_source = {s: [d for d in letters if d["source"] == f"notify:{s}".encode()]
                 for s in ("down", "picky")}
    first = by_source["down"][0]
    assert events[0].id in first["reason"].decode()
    assert b"HTTP 503" in first["reason"] and b"attempt 3 of 3" in first["reason"]
    assert json.loads(first["raw"]) == json.loads(events[0].to_json())
    assert b"HTTP 422" in by_source["picky"][0]["reason"]


def synthetic(n: int, kind: str = "bull_trap", confidence: float = 0.7,
              symbol: str = "BTC-USDT") -> list[Event]:
    return [Event(f"binance:{symbol}:traps:{kind}:{100 + i}", "binance", symbol, "traps", kind,
                  100 + i, 1_723_161_600_000 + i * 1000,
                  {"trigger_price": 61_800.5 + i, "level": 61_790.0, "confidence": confidence})
            for i in range(n)]


def test_a_webhook_body_is_signed_with_hmac_sha256(store):
    events = stored(store, synthetic(2))
    with http_sink() as sink, \
            consuming(store, SinkSpec("signed", "webhook", sink.url, secret="s3cret")):
        poll(lambda: len(sink.accepted()), lambda n: n == 2, 10, "two events")
    for r in sink.received:
        assert r.headers["X-Omega-Signature"] == signature("s3cret", r.body)
        assert r.headers["Idempotency-Key"] == r.json["id"]
    assert [r.json["id"] for r in sink.received] == [e.id for e in events]


@pytest.mark.parametrize("kind", ["slack", "discord", "telegram"])
def test_chat_sinks_get_a_short_human_text_per_event(store, kind):
    stored(store, synthetic(1))
    with http_sink() as sink:
        spec = SinkSpec("chat", kind, sink.url + "/hook", token="T0K", chat_id="-42")
        with consuming(store, spec, telegram=sink.url):
            poll(lambda: len(sink.accepted()), lambda n: n == 1, 10, "the message")
    got = sink.received[0]
    text = {"slack": "text", "discord": "content", "telegram": "text"}[kind]
    assert got.json[text] == ("Bull trap on binance BTC-USDT at 61,800.50 (level 61,790.00) "
                              "confidence 0.70 — 2024-08-09 00:00:00 UTC")
    if kind == "telegram":
        assert got.path == "/botT0K/sendMessage" and got.json["chat_id"] == "-42"


def test_filters_pick_symbol_detector_kind_and_confidence(store):
    stored(store, synthetic(3, "bull_trap", 0.7) + synthetic(2, "bear_trap", 0.7)[1:])
    stored(store, synthetic(2, "bull_trap", 0.2, symbol="BTC-USD")[1:])
    eth = synthetic(1, "bull_trap", 0.9, symbol="ETH-USDT")
    stored(store, eth)
    wanted = SinkFilter(("binance:BTC-USDT", "BTC-USD"), ("traps",), ("bull_trap",), 0.5)
    with http_sink() as sink, \
            consuming(store, SinkSpec("bulls", "webhook", sink.url, filter=wanted)) as c:
        poll(lambda: len(c.joined) == 4 and all(handled(store, s, "bulls") for s in c.joined),
             bool, 10, "every entry handled")
        poll(lambda: len(sink.accepted()), lambda n: n == 3, 10, "the three bull traps")
    assert {r.json["symbol"] for r in sink.received} == {"BTC-USDT"}


def test_the_rate_limit_holds_back_and_then_summarises(store):
    stored(store, synthetic(8))
    now = [0.0]
    with http_sink() as sink:
        spec = SinkSpec("calm", "slack", sink.url, burst=3, per_minute=60)
        with consuming(store, spec, clock=lambda: now[0]) as c:
            k = store.symbol("binance", "BTC-USDT")
            poll(lambda: handled(store, k.events, "calm"), bool, 10, "every entry handled")
            assert len(sink.received) == 3 and sum(c.limit.held.values()) == 5
            now[0] = 1.0  # a token back after a second
            poll(lambda: len(sink.received), lambda n: n == 4, 10, "the summary")
    assert sink.received[3].json["text"] == ("5 more held back by the rate limit: "
                                             "5 traps/bull_trap")


def test_a_new_sink_from_now_skips_what_was_stored(store):
    stored(store, synthetic(3))
    k = store.symbol("binance", "BTC-USDT")
    with http_sink() as sink, \
            consuming(store, SinkSpec("late", "webhook", sink.url), from_now=True) as c:
        poll(lambda: k.events in c.joined, bool, 10, "the group")
        later = synthetic(5)[3:]
        stored(store, later)
        poll(lambda: sink.accepted_keys(), lambda got: len(got) == 2, 10, "new events")
    assert sink.accepted_keys() == [e.id for e in later]


ALERT = {"version": "4", "status": "firing", "receiver": "omega", "alerts": [
    {"status": "firing", "labels": {"alertname": "OmegaFeedStale", "severity": "critical"},
     "annotations": {"summary": "binance BTC-USDT has had no trade for 2 minutes"},
     "startsAt": "2026-12-07T23:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
     "fingerprint": "abc123"}]}


def post(url: str, body: bytes, token: str = "") -> tuple[int, str]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_alertmanager_alerts_go_out_to_the_sinks_like_events(store):
    server = receiver.serve(store, "127.0.0.1", 0, token="tok")
    url = f"http://127.0.0.1:{server.server_port}/alertmanager"
    try:
        assert post(url, json.dumps(ALERT).encode(), "wrong")[0] == 401
        status, text = post(url, b'{"version": "4", "alerts": [{"status": "odd"}]}', "tok")
        assert status == 400 and "alerts[0].status" in text
        assert post(url, b"not json", "tok")[0] == 400
        assert post(url.replace("alertmanager", "other"), b"{}", "tok")[0] == 404
        assert post(url, json.dumps(ALERT).encode(), "tok") == (200, "1 alerts queued\n")
        with http_sink() as sink, consuming(store, SinkSpec("ops", "discord", sink.url)):
            poll(lambda: len(sink.accepted()), lambda n: n == 1, 10, "the alert")
        assert sink.received[0].json["content"] == (
            "[FIRING] OmegaFeedStale (critical): binance BTC-USDT has had no trade for 2 minutes")
        assert sink.received[0].key == "alert:abc123:firing:2026-12-07T23:00:00Z"
    finally:
        server.shutdown()


def test_omega_notify_without_a_sink_or_with_a_bad_sinks_file_says_what_is_wrong(
        settings, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OMEGA_REDIS_URL", settings.redis_url)
    assert main(["notify"]) == 2
    assert "no sink" in capsys.readouterr().err
    bad = tmp_path / "sinks.toml"
    bad.write_text('[[sink]]\nname = "a"\ntype = "webhook"\nurl = "http://x"\nburts = 3\n')
    monkeypatch.setenv("OMEGA_NOTIFY_SINKS_FILE", str(bad))
    assert main(["notify"]) == 2
    assert "line 5: burts is not a sink setting; did you mean burst?" in capsys.readouterr().err
    monkeypatch.delenv("OMEGA_NOTIFY_SINKS_FILE")
    monkeypatch.setenv("OMEGA_NOTIFY_RECEIVER_PORT", str(dead_port()))
    monkeypatch.setenv("OMEGA_NOTIFY_RECEIVER_HOST", "0.0.0.0")
    assert main(["notify", "--webhook", "http://127.0.0.1:1/"]) == 2
    assert "OMEGA_NOTIFY_RECEIVER_TOKEN" in capsys.readouterr().err


def test_a_pending_entry_trimmed_from_the_stream_is_dead_lettered_and_the_rest_delivered(store):
    events = stored(store, synthetic(3))
    k = store.symbol("binance", "BTC-USDT")
    store.redis.xgroup_create(k.events, group_name("late"), id="0")
    first = store.redis.xreadgroup(group_name("late"), "notify", {k.events: ">"}, count=1)
    store.redis.xdel(k.events, first[0][1][0][0])  # read, not acknowledged, then trimmed
    with http_sink() as sink, consuming(store, SinkSpec("late", "webhook", sink.url)):
        poll(lambda: sink.accepted_keys(), lambda got: len(got) == 2, 10, "the other two")
        poll(lambda: handled(store, k.events, "late"), bool, 10, "every entry handled")
    assert sink.accepted_keys() == [e.id for e in events[1:]]
    (letter,) = store.dead_letters()
    assert b"trimmed from the stream" in letter["reason"]


def test_the_command_line_sink_sends_discord_messages_for_bull_traps_on_one_symbol(
        settings, store):
    stored(store, synthetic(2, "bull_trap") + synthetic(4, "bear_trap")[2:])
    stored(store, synthetic(1, "bull_trap", symbol="ETH-USDT"))
    with http_sink() as sink:
        args = parser().parse_args(["notify", "--webhook", sink.url, "--format", "discord",
                                    "--kind", "bull_trap", "--symbol", "BTC-USDT"])
        with consuming(store, webhook_spec(args, settings)):
            poll(lambda: len(sink.accepted()), lambda n: n == 2, 10, "the two bull traps")
    assert [r.json["content"][:29] for r in sink.received] == \
        ["Bull trap on binance BTC-USDT"] * 2


def test_the_backlog_gauge_counts_what_a_sink_has_not_yet_taken(store):
    stored(store, synthetic(3))

    def backlog() -> float:
        (family,) = Backlog(store, ["slow"]).collect()
        return family.samples[0].value

    with http_sink(answer=lambda n: 503) as down, \
            consuming(store, SinkSpec("slow", "webhook", down.url, attempts=10_000)):
        poll(lambda: len(down.received), lambda n: n >= 2, 10, "refusals")
        assert backlog() == 3
    with http_sink() as up, consuming(store, SinkSpec("slow", "webhook", up.url)):
        poll(lambda: len(up.accepted()), lambda n: n == 3, 10, "the three events")
        poll(backlog, lambda n: n == 0, 10, "an empty backlog")
