"""The sinks file: TOML, one ``[[sink]]`` table per sink. A mistake is an error naming its line.

    [[sink]]
    name = "desk"                 # the consumer group's name: keep it to keep the position
    type = "discord"              # webhook | slack | discord | telegram
    url = "https://discord.com/api/webhooks/..."
    symbols = ["binance:BTC-USDT"]
    detectors = ["traps"]
    kinds = ["bull_trap"]
    min_confidence = 0.5
    burst = 5                     # then at most per_minute a minute (0: no limit)
    per_minute = 12
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from omega_tasks.errors import ConfigError
from omega_tasks.notify.filters import SinkFilter
from omega_tasks.notify.sinks.base import SinkSpec

TYPES = ("webhook", "slack", "discord", "telegram")
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) else "must be a string"


def _texts(value: Any) -> str | None:
    ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
    return None if ok else "must be a list of strings"


def _number(low: float, whole: bool = False) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or value < low:
            return f"must be {'a whole number' if whole else 'a number'} ≥ {low:g}"
        return None

    return check


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


FIELDS: dict[str, Callable[[Any], str | None]] = {
    "name": _text, "type": _text, "url": _text, "symbols": _texts, "detectors": _texts,
    "kinds": _texts, "min_confidence": _number(0.0), "alerts": _flag,
    "burst": _number(1, whole=True), "per_minute": _number(0.0),
    "attempts": _number(1, whole=True), "timeout_s": _number(0.1), "secret": _text,
    "token": _text, "chat_id": _text,
}


def load(path: Path) -> list[SinkSpec]:
    """Read a sinks file; ConfigError naming the file and line if anything is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"sinks file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"sinks file {path}: not UTF-8 text (TOML)") from None
    return parse(text, str(path))


def parse(text: str, where: str = "sinks file") -> list[SinkSpec]:
    """Read the TOML text of a sinks file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    extra = sorted(set(data) - {"sink"})
    if extra:
        raise ConfigError(f"{where}, line {_line(text, extra[0])}: unknown table or key "
                          f"{extra[0]!r}; sinks are [[sink]] tables")
    tables = data.get("sink", [])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{where}: no [[sink]] table")
    specs = [_spec(table, text, index, where) for index, table in enumerate(tables)]
    names = [s.name for s in specs]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(f"{where}, line {_line(text, 'name', index)}: sink name {name!r} "
                              "is used twice")
    return specs


def _spec(table: dict[str, Any], text: str, index: int, where: str) -> SinkSpec:
    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}, line {_line(text, key, index)}: {key} {problem}")

    for key, value in table.items():
        check = FIELDS.get(key)
        if check is None:
            hint = difflib.get_close_matches(key, FIELDS, n=1)
            also = f"; did you mean {hint[0]}?" if hint else ""
            raise fail(key, "is not a sink setting" + also)
        problem = check(value)
        if problem:
            raise fail(key, problem)
    for key in ("name", "type"):
        if key not in table:
            raise ConfigError(f"{where}, line {_header_line(text, index)}: this sink has no {key}")
    if not NAME.match(table["name"]):
        raise fail("name", "must be 1-64 letters, digits, '.', '_' or '-'")
    if table["type"] not in TYPES:
        raise fail("type", f"must be one of {', '.join(TYPES)}")
    if table["type"] == "telegram":
        for key in ("token", "chat_id"):
            if not table.get(key):
                raise ConfigError(f"{where}, line {_header_line(text, index)}: a telegram sink "
                                  f"needs {key}")
    elif urlsplit(table.get("url", "")).scheme not in ("http", "https"):
        raise fail("url", "must be an http:// or https:// URL") if "url" in table else \
            ConfigError(f"{where}, line {_header_line(text, index)}: this sink has no url")
    return SinkSpec(
        name=table["name"], type=table["type"], url=table.get("url", ""),
        filter=SinkFilter(tuple(table.get("symbols", ())), tuple(table.get("detectors", ())),
                          tuple(table.get("kinds", ())), float(table.get("min_confidence", 0)),
                          table.get("alerts", True)),
        burst=table.get("burst", 10), per_minute=float(table.get("per_minute", 0)),
        attempts=table.get("attempts", 8), timeout_s=float(table.get("timeout_s", 10)),
        secret=table.get("secret", ""), token=table.get("token", ""),
        chat_id=table.get("chat_id", ""),
    )


def _header_line(text: str, index: int) -> int:
    """The line of the ``index``-th ``[[sink]]`` header (1-based)."""
    seen = -1
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*\[\[\s*sink\s*\]\]", line):
            seen += 1
            if seen == index:
                return number
    return 1


def _line(text: str, key: str, index: int | None = None) -> int:
    """The line where ``key`` is set (in the ``index``-th sink table, if given)."""
    lines = text.splitlines()
    start = _header_line(text, index) if index is not None else 1
    pattern = re.compile(rf"^\s*(\[+\s*)?\"?{re.escape(key)}\"?\s*(=|\]|\.)")
    for number in range(start, len(lines) + 1):
        if number > start and index is not None and re.match(r"^\s*\[", lines[number - 1]):
            break
        if pattern.match(lines[number - 1]):
            return number
    return start
