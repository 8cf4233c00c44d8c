"""A Python client of ``omega serve``'s API, for notebooks and other programs.

    >>> from omega_tasks.client import Omega
    >>> omega = Omega("http://127.0.0.1:8000")
    >>> omega.events(detector="traps")          # a pandas DataFrame
    >>> for event in omega.follow():            # new events as they happen, resumable
    ...     print(event["kind"])

It speaks HTTP only (the standard library's), so it runs wherever the server is reachable;
DataFrames need pandas (``pip install 'omega-analytics[pandas]'``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

from omega_tasks.errors import ApiError, OmegaError

try:
    import pandas
except ImportError:  # an optional extra: only the DataFrame methods need it
    pandas = None

PAGE = 1_000  # the server's largest page of events
RECONNECT_S = 1.0


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> Any:
    if pandas is None:
        raise OmegaError("DataFrames need pandas: pip install 'omega-analytics[pandas]'")
    frame = pandas.DataFrame(rows, columns=columns)
    for name in [c for c in columns if c.endswith("_ms")]:
        frame[name.removesuffix("_ms") + "_time"] = pandas.to_datetime(frame[name], unit="ms",
                                                                       utc=True)
    return frame


class Omega:
    """An Omega web server at ``url`` (with its bearer token if it asks for one)."""

    def __init__(self, url: str = "http://127.0.0.1:8000", token: str | None = None,
                 timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s

    def _request(self, path: str, params: dict[str, Any],
                 headers: dict[str, str] | None = None) -> urllib.request.Request:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        return urllib.request.Request(f"{self.url}{path}?{query}", headers=sent)

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        """GET an API path; its JSON answer, or ApiError saying what the server refused."""
        try:
            with urllib.request.urlopen(self._request(path, params),
                                        timeout=self.timeout_s) as answer:
                found: dict[str, Any] = json.load(answer)
                return found
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, _reason(exc)) from None

    def symbols(self) -> list[dict[str, Any]]:
        """The exchange/symbol pairs stored, with their feed health."""
        found: list[dict[str, Any]] = self.get("/api/symbols")["symbols"]
        return found

    def events(self, exchange: str | None = None, symbol: str | None = None, *,
               detector: str | None = None, kind: str | None = None,
               since: str | None = None, limit: int | None = None) -> Any:
        """Events oldest first after the cursor ``since`` (all retained if None), as a
        DataFrame; its last ``cursor`` is where to continue from."""
        rows: list[dict[str, Any]] = []
        while limit is None or len(rows) < limit:
            page = self.get("/api/events", exchange=exchange, symbol=symbol, detector=detector,
                            kind=kind, since=since,
                            limit=PAGE if limit is None else min(PAGE, limit - len(rows)))
            rows += page["events"]
            since = page["next"]
            if not page["more"]:
                break
        return _frame(rows, ["cursor", "id", "exchange", "symbol", "detector", "kind",
                             "trade_id", "time_ms", "evidence"])

    def bars(self, exchange: str | None = None, symbol: str | None = None, *, tf: str = "1m",
             start: str | int | None = None, end: str | int | None = None,
             limit: int | None = None) -> Any:
        """Closed bars of ``tf`` (and the forming one, ``forming`` True) as a DataFrame."""
        found = self.get("/api/bars", exchange=exchange, symbol=symbol, tf=tf, limit=limit,
                         **{"from": start, "to": end})
        rows = [{**b, "forming": False} for b in found["bars"]]
        if found["forming"] is not None:
            rows.append({**found["forming"], "forming": True})
        return _frame(rows, ["open_ms", "close_ms", "open", "high", "low", "close", "volume",
                             "buy_volume", "sell_volume", "trades", "first_id", "last_id",
                             "forming"])

    def state(self, exchange: str | None = None, symbol: str | None = None) -> Any:
        """Every analysis snapshot, one row each: its last trade id and its view (a dict)."""
        found = self.get("/api/state", exchange=exchange, symbol=symbol)
        rows = [{"analysis": name, "last_trade_id": snap["last_trade_id"], "view": snap["view"]}
                for name, snap in found["snapshots"].items()]
        return _frame(rows, ["analysis", "last_trade_id", "view"])

    def follow(self, exchange: str | None = None, symbol: str | None = None, *,
               detector: str | None = None, kind: str | None = None,
               since: str | None = None) -> Iterator[dict[str, Any]]:
        """Yield events as the server streams them: after ``since`` first (the retained
        ones), then new ones; a dropped connection is resumed from the last event seen."""
        cursor = since
        while True:
            headers = {"Accept": "text/event-stream"}
            if cursor is not None:
                headers["Last-Event-ID"] = cursor
            request = self._request("/api/stream", {"exchange": exchange, "symbol": symbol},
                                    headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s + 30) as stream:
                    for kind_of, data in _messages(stream):
                        if kind_of != "event":
                            continue
                        event = json.loads(data)
                        cursor = event["cursor"]
                        if detector in (None, event["detector"]) and kind in (None,
                                                                              event["kind"]):
                            yield event
            except urllib.error.HTTPError as exc:
                raise ApiError(exc.code, _reason(exc)) from None
            except (urllib.error.URLError, OSError):
                pass  # the server went away: come back from the cursor
            time.sleep(RECONNECT_S)  # before reconnecting, as a browser's EventSource does


def _messages(stream: Any) -> Iterator[tuple[str, str]]:
    """(event type, data) of each Server-Sent Event in a byte stream."""
    kind, data = "message", list[str]()
    for raw in stream:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield kind, "\n".join(data)
            kind, data = "message", []
        elif line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read())["error"])
    except (ValueError, KeyError, TypeError):
        return str(exc.reason)
