"""``omega serve``'s JSON API over real HTTP, on a real Redis holding a real replay."""

import socket

import pytest

from omega_tasks.core.types import Bar
from omega_tasks.errors import ConfigError
from omega_tasks.web.server import bind
from tests.web import FIRST, replay, server

pytestmark = pytest.mark.data

LAST_TRADE = 3735693015  # of the first recording


def test_every_endpoint_answers_what_the_store_holds_after_a_real_replay(settings, store, app,
                                                                          worker):
    replay(store, app, FIRST)
    k = store.symbol("binance", "BTC-USDT")
    with server(settings) as http:
        symbols = http.get("/api/symbols").json()["symbols"]
        assert [(s["exchange"], s["symbol"]) for s in symbols] == [("binance", "BTC-USDT")]
        assert symbols[0]["feed"]["last_trade_id"] == LAST_TRADE

        state = http.get("/api/state", params={"exchange": "binance", "symbol": "BTC-USDT"})
        snapshots = state.json()["snapshots"]
        assert {name: (s["last_trade_id"], s["view"]) for name, s in snapshots.items()} \
            == store.snapshots(k)
        assert state.json()["feed"]["last_trade_id"] == str(LAST_TRADE)

        one_page = http.get("/api/events", params={"limit": 1000}).json()
        assert [e["id"] for e in one_page["events"]] == [e.id for e in store.events(k)]
        paged, since = [], None
        while True:  # pages of 4 neither skip nor repeat an event
            page = http.get("/api/events", params={"limit": 4, **({"since": since} if since
                                                                   else {})}).json()
            paged += page["events"]
            since = page["next"]
            if not page["more"]:
                break
        assert paged == one_page["events"]
        newest = http.get("/api/events", params={"newest": 3}).json()["events"]
        assert newest == one_page["events"][-3:]
        kinds = {e["kind"] for e in paged}
        kind = sorted(kinds)[0]
        only = http.get("/api/events", params={"kind": kind, "limit": 1000}).json()["events"]
        assert only == [e for e in paged if e["kind"] == kind]

        bars = http.get("/api/bars", params={"tf": "1m"}).json()
        assert [(b["open_ms"], b["close"]) for b in bars["bars"]] \
            == [(b.open_ms, b.close) for b in store.bars(k)]
        forming = store.bar_clock(k).forming()
        assert bars["forming"]["open_ms"] == forming.open_ms
        assert bars["forming"]["close"] == forming.close and bars["timezone"] == "UTC"
        early = http.get("/api/bars", params={"from": "2024-08-08T23:55:00Z", "limit": 2}).json()
        assert [b["open_ms"] for b in early["bars"]] == [1723161300000, 1723161360000]
        assert early["next_from"] == 1723161420000 and early["forming"] is None
        five = http.get("/api/bars", params={"tf": "5m"}).json()
        assert five["forming"]["open_ms"] % 300_000 == 0
        assert five["forming"]["close"] == forming.close

        overlays = http.get("/api/overlays").json()
        band = overlays["threshold"]
        assert band["lower"] < band["center"] < band["upper"]
        assert overlays["orderflow"]["top"]["bid"] > 0
        assert set(overlays) >= {"fibonacci", "swing_levels", "hf_mode", "regime", "prediction"}

        health = http.get("/api/health")
        assert health.status_code == 503  # a recording from 2024 is a stale feed
        assert health.json()["feeds"][0]["lag_trades"]["threshold"] == 0
        assert "no trade for" in health.json()["problems"][0]
        assert health.json()["dead_letters"] == 0

        schema = http.get("/openapi.json").json()
        assert set(schema["paths"]) == {"/api/symbols", "/api/state", "/api/events",
                                        "/api/bars", "/api/overlays", "/api/health",
                                        "/api/stream"}
        tf = next(p for p in schema["paths"]["/api/bars"]["get"]["parameters"]
                  if p["name"] == "tf")
        assert tf["schema"]["enum"] == ["1m", "5m", "15m", "1h", "4h"]


BAD = [
    ("/api/events?limit=0", 400, "limit=0 must be from 1 to 1000"),
    ("/api/events?limit=5000", 400, "limit=5000 must be from 1 to 1000"),
    ("/api/events?limit=ten", 400, "'ten' is not a whole number"),
    ("/api/events?since=yesterday", 400, "is not a cursor"),
    ("/api/events?colour=red", 400, "unknown query parameter 'colour'"),
    ("/api/bars?tf=2m", 400, "tf='2m' is not one of 1m, 5m, 15m, 1h, 4h"),
    ("/api/bars?from=soon", 400, "neither epoch milliseconds nor an ISO 8601 time"),
    ("/api/bars?from=2000&to=1000", 400, "must be later than from"),
    ("/api/state?exchange=binance&symbol=DOGE-USDT", 404, "no data for binance:DOGE-USDT"),
    ("/api/state?symbol=BTC-USDT", 400, "name both exchange and symbol"),
    ("/api/health?workers=maybe", 400, "workers='maybe' is not one of true, false"),
    ("/api/stream?since=%27%3B", 400, "is not a cursor"),
    ("/api/nothing", 404, "/api/nothing: Not Found"),
]


def test_bad_parameters_are_answered_with_a_4xx_that_says_what_is_wrong(settings, store):
    store.add_bars(store.symbol("binance", "BTC-USDT"),
                   [Bar(1723161300000, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)])
    store.add_bars(store.symbol("binance", "ETH-USDT"),
                   [Bar(1723161300000, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)])
    with server(settings) as http:
        for url, status, says in BAD:
            sep = "&" if "?" in url else "?"
            named = url if "symbol=" in url or "nothing" in url or "health" in url else \
                f"{url}{sep}exchange=binance&symbol=BTC-USDT"
            answer = http.get(named)
            assert (answer.status_code, answer.headers["content-type"]) \
                == (status, "application/json"), named
            assert says in answer.json()["error"], (named, answer.json())
        stream = http.get("/api/stream?exchange=binance&symbol=BTC-USDT",
                          headers={"Last-Event-ID": "not-an-id"})
        assert stream.status_code == 400 and "Last-Event-ID" in stream.json()["error"]


def test_a_token_guards_the_api_and_the_page_and_the_login_form_sets_it_as_a_cookie(
        settings, store):
    with server(settings.replace(web_token="s3cret")) as http:
        refused = http.get("/api/symbols")
        assert refused.status_code == 401 and "Bearer" in refused.json()["error"]
        assert http.get("/api/symbols", headers={"Authorization": "Bearer wrong"}) \
            .status_code == 401
        assert http.get("/api/symbols", headers={"Authorization": "Bearer s3cret"}) \
            .json() == {"symbols": []}
        page = http.get("/")
        assert page.status_code == 303 and page.headers["location"] == "/login"
        assert http.post("/login", data={"token": "guess"}).status_code == 401
        signed = http.post("/login", data={"token": "s3cret"})
        assert signed.status_code == 303 and "httponly" in signed.headers["set-cookie"].lower()
        assert http.get("/api/symbols").status_code == 200  # the cookie now goes along
        assert http.get("/").status_code == 200


def test_the_server_refuses_to_listen_beyond_this_machine_without_a_token(settings):
    outside = socket.gethostbyname(socket.gethostname())
    with pytest.raises(ConfigError, match="OMEGA_WEB_TOKEN"):
        bind(settings.replace(web_host="0.0.0.0", web_port=0))
    if outside.startswith("127."):
        return
    sock = bind(settings.replace(web_host=outside, web_port=0, web_token="t"))
    sock.close()
