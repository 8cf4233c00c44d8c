"""Exact reading of exchange fields: decimals arrive as strings, ids and times as integers.

Every reader raises InputError naming the field, so a bad message is dead-lettered with a
reason a person can act on.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from omega_tasks.errors import InputError

EARLIEST_MS = 1_230_768_000_000  # 2009-01-01: no BTC trade is older
AHEAD_MS = 3_600_000  # an exchange clock may run ahead of ours, not by an hour
QUOTES = ("FDUSD", "USDT", "USDC", "BUSD", "TUSD", "USD", "EUR", "GBP", "TRY", "BTC", "ETH",
          "BNB")

_DECIMAL = re.compile(r"\d{1,20}(\.\d{1,20})?")
_DECIMALS = re.compile(r"(?:\d{1,20}(?:\.\d{1,20})?,)*")  # a list of them, each followed by ","
_ISO = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z")


def field(message: Any, name: str) -> Any:
    """Return a field of a JSON object, or raise naming what is missing."""
    if not isinstance(message, dict):
        raise InputError(f"expected an object holding {name!r}, got {type(message).__name__}")
    if name not in message:
        raise InputError(f"missing field {name!r}")
    return message[name]


def positive(value: Any, name: str) -> float:
    """Read a decimal string that must be a finite number above zero."""
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise InputError(f"{name}: expected a decimal string, got {_shown(value)}")
    number = float(value)  # correctly rounded: the nearest double to the exact decimal
    if not (number > 0 and math.isfinite(number)):
        raise InputError(f"{name}: must be above zero, got {value}")
    return number


def non_negative(value: Any, name: str) -> float:
    """Read a decimal string that may be zero (a volume, an unfilled quantity)."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value) and float(value) == 0:
        return 0.0
    return positive(value, name)


def decimal_pairs(rows: Any, name: str) -> tuple[tuple[float, float], ...]:
    """Read ``[["price", "size"], ...]``: prices above zero, sizes zero or more.

    Order book messages carry hundreds of these: the whole list is checked by one match,
    and only a list that fails is read field by field, for a message naming what is wrong.
    """
    if not isinstance(rows, list):
        raise InputError(f"{name}: expected a list of [price, size] pairs")
    try:
        flat = [x for p, q in rows for x in (p, q)]
        if not (all(type(x) is str for x in flat) and _DECIMALS.fullmatch(",".join(flat) + ",")):
            return tuple((positive(p, name), non_negative(q, name)) for p, q in rows)
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected [price, size] pairs") from None
    numbers = list(map(float, flat))
    prices = numbers[0::2]
    if not all(price > 0 for price in prices):
        raise InputError(f"{name}: a price must be above zero, got {min(prices)}")
    return tuple(zip(prices, numbers[1::2], strict=True))


def identifier(value: Any, name: str) -> int:
    """Read a non-negative integer id (a JSON integer or a string of digits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    if type(value) is int and 0 <= value < 2**63:
        return value
    raise InputError(f"{name}: expected a non-negative integer id, got {_shown(value)}")


def flag(value: Any, name: str) -> bool:
    if type(value) is not bool:
        raise InputError(f"{name}: expected true or false, got {_shown(value)}")
    return value


def text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"{name}: expected a name, got {_shown(value)}")
    return value


def epoch_ms(value: Any, name: str, received_ns: int) -> int:
    """Read an exchange time in epoch milliseconds and check that it is plausible."""
    if type(value) is not int:
        raise InputError(f"{name}: expected epoch milliseconds, got {_shown(value)}")
    return plausible(value, name, received_ns)


def iso_ms(value: Any, name: str, received_ns: int) -> int:
    """Read an ISO-8601 UTC time (``...T...Z``, up to nanoseconds) as epoch milliseconds."""
    match = _ISO.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InputError(f"{name}: expected an ISO-8601 UTC time, got {_shown(value)}")
    try:
        whole = datetime.fromisoformat(match[1]).replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{name}: not a calendar time: {value}") from None
    millis = int((match[2] or "0").ljust(3, "0")[:3])
    return plausible(int(whole.timestamp()) * 1000 + millis, name, received_ns)


def plausible(time_ms: int, name: str, received_ns: int) -> int:
    """Reject a time before 2009 or more than an hour after we received it."""
    if not EARLIEST_MS <= time_ms <= received_ns // 1_000_000 + AHEAD_MS:
        raise InputError(f"{name}: absurd time {time_ms} ms (received at "
                         f"{received_ns // 1_000_000} ms)")
    return time_ms


@lru_cache(maxsize=1024)
def normal_symbol(raw: str) -> str:
    """Name an exchange symbol as BASE-QUOTE: ``BTCUSDT``, ``btcusdt`` → ``BTC-USDT``."""
    upper = raw.upper()
    if "-" in upper:
        return upper
    for quote in QUOTES:
        if upper.endswith(quote) and len(upper) > len(quote):
            return f"{upper[: -len(quote)]}-{quote}"
    raise InputError(f"unknown symbol {raw!r}: no known quote currency")


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
