"""Query parameters: declared once per endpoint, checked on every request, documented in the
OpenAPI schema from the same declaration.

A parameter that is unknown, missing, malformed or out of range is a BadRequest naming it and
saying what would do; the server answers it as a 400 (404 for a symbol with no data).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CURSOR = re.compile(r"^\d{1,20}(-\d{1,20})?$")


class BadRequest(Exception):
    """A request the server will not answer as asked; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Param:
    """One query parameter of an endpoint, as the OpenAPI schema describes it."""

    name: str
    doc: str
    kind: str = "string"  # an OpenAPI type: string or integer
    choices: tuple[str, ...] = ()
    maximum: int | None = None

    def schema(self) -> dict[str, Any]:
        shape: dict[str, Any] = {"type": self.kind}
        if self.choices:
            shape["enum"] = list(self.choices)
        if self.kind == "integer":
            shape["minimum"] = 1
        if self.maximum is not None:
            shape["maximum"] = self.maximum
        return {"name": self.name, "in": "query", "required": False,
                "description": self.doc, "schema": shape}


EXCHANGE = Param("exchange", "exchange name, e.g. binance (optional when one symbol is stored)")
SYMBOL = Param("symbol", "normalised symbol, e.g. BTC-USDT (optional when one is stored)")


class Query:
    """A request's query parameters, checked against what its endpoint declares."""

    def __init__(self, values: Mapping[str, str], declared: Sequence[Param]) -> None:
        allowed = {p.name for p in declared}
        unknown = sorted(set(values) - allowed)
        if unknown:
            accepted = ", ".join(sorted(allowed)) or "none"
            raise BadRequest(f"unknown query parameter {unknown[0]!r}; accepted: {accepted}")
        self.values = values

    def text(self, name: str) -> str | None:
        """A text parameter; absent or empty is None."""
        value = self.values.get(name, "").strip()
        return value or None

    def choice(self, name: str, choices: Sequence[str], default: str) -> str:
        value = self.text(name) or default
        if value not in choices:
            raise BadRequest(f"{name}={value!r} is not one of {', '.join(choices)}")
        return value

    def count(self, name: str, default: int, maximum: int) -> int:
        """A whole number from 1 to ``maximum``."""
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(f"{name}={raw!r} is not a whole number") from None
        if not 1 <= value <= maximum:
            raise BadRequest(f"{name}={value} must be from 1 to {maximum}")
        return value

    def cursor(self, name: str) -> str | None:
        """An events-stream id (``<ms>-<seq>`` as the API gives it)."""
        raw = self.text(name)
        if raw is not None and not CURSOR.match(raw):
            raise BadRequest(f"{name}={raw!r} is not a cursor: give the 'cursor' or "
                             "'next' an earlier answer returned (like 1723161268533-0)")
        return raw

    def time_ms(self, name: str) -> int | None:
        """A time: epoch milliseconds, or ISO 8601 (UTC unless it says its offset)."""
        raw = self.text(name)
        if raw is None:
            return None
        if raw.isdigit():
            return int(raw)
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"{name}={raw!r} is neither epoch milliseconds nor an ISO 8601 "
                             "time (like 2024-08-09T00:00:00Z)") from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return int(when.timestamp() * 1000)


def pick_symbol(query: Query, stored: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """The (exchange, symbol) a request names; the only stored one when it names none."""
    exchange, symbol = query.text("exchange"), query.text("symbol")
    names = ", ".join(f"{x}:{s}" for x, s in stored) or "none yet"
    if exchange is None and symbol is None and len(stored) == 1:
        return stored[0]
    if exchange is None or symbol is None:
        raise BadRequest(f"name both exchange and symbol; stored: {names}")
    if (exchange, symbol) not in stored:
        raise BadRequest(f"no data for {exchange}:{symbol}; stored: {names}", 404)
    return exchange, symbol
