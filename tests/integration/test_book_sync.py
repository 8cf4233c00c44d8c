"""Order books synced as Binance documents it, against the local exchange: a real recording's
depth updates over a websocket, and REST snapshots of the true book as of what was sent.

The true book is rebuilt here, independently of the feeder's code, from the recording's own
snapshot and updates. Each case breaks the procedure one way (a snapshot older than the
first update, an update lost, a crossed book) and expects the resync to be counted, the
book synced again from a fresh snapshot, and the book to end equal to the truth.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import pytest

from feeder.attachments import Attachments, AttachParams
from feeder.batcher import MicroBatcher
from feeder.exchanges.binance import BinanceSpot
from feeder.publisher import Publisher
from feeder.recordings import frames
from feeder.rest import snapshotter
from feeder.service import Feeder
from feeder.sources.websocket import WebSocketSource
from tests.conftest import data_file
from tests.exchange_server import ExchangeServer, Rest, Script, rest_server
from tests.feeding import FAST

RECORDING = "binance_ws/spot_btcusdt_20240808.gz"
LAST_DEPTH = 400  # depth updates replayed (of 3,451): enough to cross several resyncs


@dataclass
class Tape:
    """The recording cut after LAST_DEPTH updates: its frames, its snapshot, its updates."""

    frames: list[str]
    snapshot: dict
    updates: list[dict]  # every depth update's data, in order

    def truth(self, last_u: int) -> dict:
        """The snapshot a REST call answers once updates through ``last_u`` were sent."""
        book = {side: {p: q for p, q in self.snapshot[side]} for side in ("bids", "asks")}
        applied = self.snapshot["lastUpdateId"]
        for d in self.updates:
            if d["u"] <= applied or d["u"] > last_u:
                continue
            for side, key in (("bids", "b"), ("asks", "a")):
                for p, q in d[key]:
                    if float(q) == 0:
                        book[side].pop(p, None)
                    else:
                        book[side][p] = q
            applied = d["u"]
        return {"lastUpdateId": applied,
                "bids": sorted(book["bids"].items(), key=lambda r: -float(r[0])),
                "asks": sorted(book["asks"].items(), key=lambda r: float(r[0]))}


@pytest.fixture(scope="module")
def tape() -> Tape:
    kept, updates, snapshot = [], [], None
    for _, frame in frames(data_file(RECORDING)):
        if frame.startswith('{"lastUpdateId"'):
            snapshot = json.loads(frame)
            continue
        kept.append(frame)
        if "@depth" in frame:
            updates.append(json.loads(frame)["data"])
            if len(updates) == LAST_DEPTH:
                break
    assert snapshot is not None
    return Tape(kept, snapshot, updates)


def _depth_index(tape: Tape, n: int) -> int:
    """The position in the frames of the n-th depth update."""
    return [i for i, f in enumerate(tape.frames) if "@depth" in f][n]


def feed(store, tape: Tape, sent: list[str], first_reply: dict | None = None):
    """Feed ``sent`` over a websocket with REST snapshots of the truth; return the feeder."""
    server = ExchangeServer(Script(sent))
    replies = [first_reply] if first_reply else []

    def depth() -> dict:
        if replies:
            return replies.pop()
        through = [json.loads(f)["data"]["u"] for f in sent[:server.position] if "@depth" in f]
        return tape.truth(max(through, default=tape.snapshot["lastUpdateId"]))

    rest = Rest(depth=depth)
    last_trade = max(json.loads(f)["data"]["t"] for f in sent if '"e":"trade"' in f)
    stop = threading.Event()

    def reached(batch) -> None:
        if batch.last_id >= last_trade:
            stop.set()

    with server, rest_server(rest) as rest_url:
        exchange = BinanceSpot(server.url, rest_url)
        feeder = Feeder(store, Publisher(store, None, (), stop), MicroBatcher(50, 0.02),
                        on_batch=reached, attachments=Attachments(AttachParams()),
                        snapshots=snapshotter(exchange), snapshot_every_s=0.0)
        feeder.run(WebSocketSource(exchange, ["BTC-USDT"], FAST))
    return feeder, rest


def book_of(feeder: Feeder):
    return feeder.attachments._symbols[("binance", "BTC-USDT")].book


def assert_true_book(feeder: Feeder, tape: Tape, sent: list[str]) -> None:
    """The feeder's whole book equals the truth as of the last update sent."""
    last_u = max(json.loads(f)["data"]["u"] for f in sent if "@depth" in f)
    truth = tape.truth(last_u)
    book = book_of(feeder)
    assert book.last_id == last_u
    assert dict(book.book.bids) == {float(p): float(q) for p, q in truth["bids"]}
    assert dict(book.book.asks) == {float(p): float(q) for p, q in truth["asks"]}


def test_a_clean_stream_syncs_once_and_keeps_the_true_book(store, tape):
    feeder, rest = feed(store, tape, tape.frames)
    assert book_of(feeder).state == "synced" and book_of(feeder).resyncs == 0
    assert_true_book(feeder, tape, tape.frames)
    assert sum("/depth" in r for r in rest.requests) == 1
    health = store.feed(store.symbol("binance", "BTC-USDT"))
    assert health["book_state"] == "synced" and health["book_resyncs"] == "0"


def test_a_snapshot_older_than_the_first_update_is_a_resync_then_a_fresh_one_syncs(
        store, tape):
    old = tape.truth(tape.snapshot["lastUpdateId"]) | {"lastUpdateId": 1}
    feeder, _rest = feed(store, tape, tape.frames, first_reply=old)
    assert book_of(feeder).resyncs == 1 and book_of(feeder).state == "synced"
    assert_true_book(feeder, tape, tape.frames)
    assert store.feed(store.symbol("binance", "BTC-USDT"))["book_resyncs"] == "1"


def test_a_lost_update_breaks_the_numbering_and_the_book_syncs_again(store, tape):
    lost = _depth_index(tape, 200)
    sent = tape.frames[:lost] + tape.frames[lost + 1:]
    feeder, _ = feed(store, tape, sent)
    assert book_of(feeder).resyncs == 1 and book_of(feeder).state == "synced"
    assert_true_book(feeder, tape, sent)


def test_a_crossed_book_is_a_resync(store, tape):
    at = _depth_index(tape, 200)
    message = json.loads(tape.frames[at])
    best_ask = min(float(p) for p, _ in tape.truth(message["data"]["u"])["asks"])
    message["data"]["b"].append([f"{best_ask + 1:.8f}", "1.00000000"])  # a bid above the ask
    sent = [*tape.frames[:at], json.dumps(message), *tape.frames[at + 1:]]
    feeder, _ = feed(store, tape, sent)
    assert book_of(feeder).resyncs == 1 and book_of(feeder).state == "synced"
    assert_true_book(feeder, tape, sent)
