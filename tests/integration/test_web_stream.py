"""``GET /api/stream`` over real HTTP while a real recording is replayed: every event live,
none twice, and a client that comes back with Last-Event-ID after a restart misses nothing."""

import threading
import time

import httpx
import pytest

from tests.web import FIRST, SECOND, replay, server, sse

pytestmark = pytest.mark.data


class Listener:
    """A stream client in a thread, keeping what it receives."""

    def __init__(self, http: httpx.Client, headers: dict[str, str] | None = None,
                 since: str | None = None) -> None:
        self.messages: list[dict[str, str]] = []
        self.opened = threading.Event()
        self.url, self.params, self.headers = "/api/stream", {"since": since} if since else {}, \
            headers or {}
        self.http = http
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()
        assert self.opened.wait(10), "the stream did not open"
        assert self.response.status_code == 200, self.response.read()
        assert self.response.headers["content-type"].startswith("text/event-stream")

    def _listen(self) -> None:
        with self.http.stream("GET", self.url, params=self.params,
                              headers=self.headers) as response:
            self.response = response
            self.opened.set()
            if response.status_code != 200:
                return
            try:
                for message in sse(response.iter_lines()):
                    self.messages.append(message)
            except (httpx.ReadError, httpx.RemoteProtocolError, httpx.StreamClosed):
                return  # the server went away or the test closed the stream

    def events(self) -> list[str]:
        return [m["id"] for m in self.messages if m.get("event") == "event"]

    def wait_for(self, cursor: str, timeout_s: float = 20.0) -> None:
        self.wait_until(lambda: cursor in self.events(), f"{cursor} did not arrive", timeout_s)

    def wait_until(self, arrived, what: str, timeout_s: float = 20.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not arrived():
            assert time.monotonic() < deadline, what
            time.sleep(0.02)  # polling what the listener thread has received

    def close(self) -> None:
        self.response.close()
        self.thread.join(5)


def test_a_stream_delivers_every_event_once_live_and_resumes_after_a_server_restart(
        settings, store, app, worker):
    replay(store, app, FIRST)
    k = store.symbol("binance", "BTC-USDT")
    before = [entry.decode() for entry, _ in store.redis.xrange(k.events)]
    since = before[len(before) // 2]
    with server(settings) as http:
        listener = Listener(http, since=since)
        replay(store, app, SECOND)  # live: the events of the second recording arrive now
        stored = [entry.decode() for entry, _ in store.redis.xrange(k.events)]
        listener.wait_for(stored[-1])
        received = listener.events()
        assert received == stored[stored.index(since) + 1:]  # the retained ones, then live
        kinds = {m.get("event") for m in listener.messages}
        assert {"bar", "snapshot"} <= kinds
        listener.wait_until(lambda: any('"last_id":3735703162' in m["data"]
                                        for m in listener.messages if m.get("event") == "bar"),
                            "the forming bar of the last trade did not arrive")
        listener.close()
    cut = received[len(received) // 3]
    with server(settings) as http:  # a new server process state: nothing but Redis remains
        again = Listener(http, headers={"Last-Event-ID": cut})
        again.wait_for(stored[-1])
        assert again.events() == stored[stored.index(cut) + 1:]
        again.close()
