"""Local stand-ins for an exchange: a websocket server that replays real recorded frames and
misbehaves on command, and a REST server for trade backfill and klines, both on 127.0.0.1."""

from __future__ import annotations

import csv
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from feeder.recordings import frames

CLOSE_TIMEOUT_S = 5.0  # how long the server waits for a client to close its end


@dataclass
class Script:
    """What the websocket server sends and how it misbehaves.

    Indices are positions in ``frames``. After a forced close the next connection resumes
    ``rewind`` frames back, so it repeats trades the client already has (as a reconnect
    that overlaps does).
    """

    frames: list[str]
    close_at: set[int] = field(default_factory=set)
    stall_at: set[int] = field(default_factory=set)
    garbage_at: dict[int, str] = field(default_factory=dict)
    skip_ids: tuple[int, int] | None = None
    ping_at: set[int] = field(default_factory=set)
    rewind: int = 0


class ExchangeServer:
    """A websocket server replaying a Script; counts connections and subscriptions."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.position = 0
        self.connections = 0
        self.subscriptions: list[str] = []
        self.close_waits: list[float] = []  # seconds each forced close took to complete
        self.pongs: list[bool] = []  # whether the client answered each ping in time
        self.done = threading.Event()
        self._fired: set[tuple[str, int]] = set()
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None,
                             ping_interval=None, max_size=None, close_timeout=CLOSE_TIMEOUT_S)
        self.port = self._server.socket.getsockname()[1]
        self.url = f"ws://127.0.0.1:{self.port}/stream"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ExchangeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _once(self, kind: str, index: int, armed: set[int]) -> bool:
        if index in armed and (kind, index) not in self._fired:
            self._fired.add((kind, index))
            return True
        return False

    def _handle(self, conn: ServerConnection) -> None:
        self.connections += 1
        try:
            self.subscriptions.append(str(conn.recv(timeout=5)))
            s = self.script
            while self.position < len(s.frames):
                i = self.position
                if self._once("close", i, s.close_at):
                    self.position = max(0, i - s.rewind)
                    started = time.monotonic()
                    conn.close()  # returns when the client has closed its end too
                    self.close_waits.append(time.monotonic() - started)
                    return
                if self._once("stall", i, s.stall_at):
                    self._wait_for_client_to_leave(conn)
                    return
                if self._once("ping", i, s.ping_at):  # as Binance does every few minutes
                    self.pongs.append(conn.ping().wait(timeout=5))
                if i in s.garbage_at and self._once("garbage", i, set(s.garbage_at)):
                    conn.send(s.garbage_at[i])
                frame = s.frames[i] if s.skip_ids is None else _without(s.frames[i],
                                                                        *s.skip_ids)
                if frame is not None:
                    conn.send(frame)
                self.position = i + 1
            self.done.set()
            self._wait_for_client_to_leave(conn)
        except ConnectionClosed:
            return

    @staticmethod
    def _wait_for_client_to_leave(conn: ServerConnection) -> None:
        try:
            while True:
                conn.recv()
        except ConnectionClosed:
            return


def _without(frame: str, lo: int, hi: int) -> str | None:
    """The frame less its trades with ids in [lo, hi]; None if nothing is left of it."""
    if '"e":"trade"' in frame:  # Binance: one trade a frame
        at = frame.find('"t":')
        return None if lo <= int(frame[at + 4:frame.find(",", at)]) <= hi else frame
    if '"channel":"market_trades"' not in frame:
        return frame
    message = json.loads(frame)  # Coinbase: a list of trades in each event
    for event in message["events"]:
        event["trades"] = [t for t in event["trades"] if not lo <= int(t["trade_id"]) <= hi]
    if not any(event["trades"] for event in message["events"]):
        return None
    return json.dumps(message, separators=(",", ":"))


def trade_frames(*paths) -> list[str]:
    """The trade frames of Binance recordings, in order."""
    return [frame for path in paths for _, frame in frames(path) if '@trade"' in frame]


@dataclass
class Rest:
    """What the REST server serves: trades by id (Binance rows), the latest trades of a
    product (Coinbase rows) and 1m klines, in either exchange's format."""

    trades: dict[int, dict] = field(default_factory=dict)
    products: dict[str, list[dict]] = field(default_factory=dict)
    klines: list[list] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    fail_next: int = 0  # answer this many requests with 503
    cut_next: int = 0  # then cut this many replies short
    depth: Callable[[], dict] | None = None  # the book snapshot served now

    @classmethod
    def from_trade_frames(cls, trade_frames_: list[str]) -> Rest:
        rest = cls()
        for frame in trade_frames_:
            d = json.loads(frame)["data"]
            rest.trades[d["t"]] = {"id": d["t"], "price": d["p"], "qty": d["q"],
                                   "quoteQty": "0", "time": d["T"], "isBuyerMaker": d["m"],
                                   "isBestMatch": True}
        return rest

    @classmethod
    def from_coinbase_frames(cls, frames_: list[str]) -> Rest:
        rest = cls()
        seen: dict[str, dict[int, dict]] = {}
        for frame in frames_:
            message = json.loads(frame)
            if message.get("channel") != "market_trades":
                continue
            for event in message["events"]:
                for row in event["trades"]:
                    seen.setdefault(row["product_id"], {})[int(row["trade_id"])] = row
        rest.products = {p: [rows[i] for i in sorted(rows, reverse=True)]
                         for p, rows in seen.items()}  # newest first, as Coinbase serves them
        return rest

    def load_klines(self, path) -> None:
        with gzip.open(path, "rt") as rows:
            reader = csv.reader(rows)
            next(reader)
            for t, o, h, low, c, v in reader:
                self.klines.append([int(t), o, h, low, c, v, int(t) + 59_999, "0", 10,
                                    str(float(v) / 2), "0", "0"])


@contextmanager
def rest_server(rest: Rest) -> Iterator[str]:
    """Serve ``rest`` over HTTP on 127.0.0.1; yield its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            rest.requests.append(self.path)
            url = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            if rest.fail_next > 0:
                rest.fail_next -= 1
                return self._reply(503, {"code": -1, "msg": "try later"})
            if url.path.endswith("/historicalTrades"):
                first, limit = int(q["fromId"]), int(q.get("limit", 500))
                rows = [rest.trades[i] for i in range(first, first + limit) if i in rest.trades]
                return self._reply(200, rows)
            if url.path.endswith("/depth") and rest.depth is not None:
                return self._reply(200, rest.depth())
            if url.path.endswith("/klines"):
                end, limit = int(q.get("endTime", 2**62)), int(q.get("limit", 500))
                rows = [k for k in rest.klines if k[0] <= end][-limit:]
                return self._reply(200, rows)
            product = url.path.split("/products/")[-1].split("/")[0]
            if url.path.endswith("/ticker"):
                rows = rest.products.get(product, [])[:int(q.get("limit", 100))]
                return self._reply(200, {"trades": rows, "best_bid": "", "best_ask": ""})
            if url.path.endswith("/candles"):
                start_ms, end_ms = int(q["start"]) * 1000, int(q["end"]) * 1000
                rows = [{"start": str(k[0] // 1000), "low": k[3], "high": k[2], "open": k[1],
                         "close": k[4], "volume": k[5]}
                        for k in reversed(rest.klines) if start_ms <= k[0] < end_ms]
                return self._reply(200, {"candles": rows[:350]})
            return self._reply(404, {"code": -1, "msg": "no such endpoint"})

        def _reply(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if rest.cut_next > 0:
                rest.cut_next -= 1
                data = data[:len(data) // 2]
                self.close_connection = True
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def wait_for(condition, timeout_s: float, what: str) -> None:
    """Wait until ``condition()`` holds, polling; fail naming ``what`` after the deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.01)
