"""The Python client against a real server on a real Redis holding a real replay."""

import threading

import pytest

from omega_tasks.client import Omega
from omega_tasks.errors import ApiError
from tests.web import FIRST, SECOND, replay, server

pytestmark = pytest.mark.data


def test_the_client_reads_events_bars_and_state_as_dataframes_and_follows_new_events(
        settings, store, app, worker):
    replay(store, app, FIRST)
    k = store.symbol("binance", "BTC-USDT")
    with server(settings) as http:
        omega = Omega(str(http.base_url))
        assert [s["symbol"] for s in omega.symbols()] == ["BTC-USDT"]

        events = omega.events("binance", "BTC-USDT")
        assert list(events["id"]) == [e.id for e in store.events(k)]
        assert str(events["time_time"].dt.tz) == "UTC"
        half = omega.events(since=events["cursor"].iloc[4], limit=3)
        assert list(half["id"]) == list(events["id"].iloc[5:8])

        bars = omega.bars(tf="1m")
        assert list(bars["open_ms"][~bars["forming"]]) == [b.open_ms for b in store.bars(k)]
        assert bars["forming"].iloc[-1] and bars["last_id"].iloc[-1] == 3735693015

        state = omega.state().set_index("analysis")
        assert state.loc["threshold", "last_trade_id"] == 3735693015
        assert state.loc["threshold", "view"]["symbol"] == "BTC-USDT"

        with pytest.raises(ApiError, match="tf='2h' is not one of"):
            omega.bars(tf="2h")

        followed: list[dict] = []
        done = threading.Event()

        def follow() -> None:
            for event in omega.follow(since=events["cursor"].iloc[-1]):
                followed.append(event)
                if event["trade_id"] > 3735700000:  # well into the second recording
                    done.set()
                    return

        threading.Thread(target=follow, daemon=True).start()
        replay(store, app, SECOND)
        assert done.wait(20), "no event of the second recording was followed"
        stored = [e.id for e in store.events(k)]
        first_new = stored.index(followed[0]["id"])
        assert first_new == len(events)  # nothing skipped after the cursor, nothing repeated
        assert [e["id"] for e in followed] == stored[first_new:first_new + len(followed)]
