"""Argument types that refuse nonsense with a clear usage error instead of a traceback."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

MAX_SPEED = 1e6  # a million times market time; "max" goes as fast as the pipeline takes
MIN_SPEED = 1e-3  # a thousand times slower than market time


def number(kind: type[float] | type[int], low: float, high: float = math.inf,
           low_open: bool = False) -> Callable[[str], float]:
    """A float or int within [low, high] (or (low, high] with ``low_open``)."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        inside = (value > low if low_open else value >= low) and value <= high
        if not math.isfinite(value) or not inside:
            bound = f"more than {low:g}" if low_open else f"at least {low:g}"
            if math.isfinite(high):
                bound += f" and at most {high:g}"
            raise argparse.ArgumentTypeError(f"{text!r}: must be {bound}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


positive = number(float, 0.0, low_open=True)
count = number(int, 1)
at_least_zero = number(float, 0.0)


def speed(text: str) -> float | None:
    """'max' (None: as fast as the pipeline takes it) or times market time."""
    if text == "max":
        return None
    return number(float, MIN_SPEED, MAX_SPEED)(text)


def existing_file(text: str) -> Path:
    """A path to a file that exists and is a file."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: not a file")
    return path


def new_file(text: str) -> Path:
    """A path to write to: its folder must exist and it must not be a folder."""
    path = Path(text)
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: no folder {path.parent}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: a folder, not a file")
    return path


def http_url(text: str) -> str:
    """An http:// or https:// URL."""
    if urlsplit(text).scheme not in ("http", "https") or not urlsplit(text).netloc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an http:// or https:// URL")
    return text


def symbol_filters(parser: argparse.ArgumentParser) -> None:
    """Add --exchange and --symbol, which narrow a command to some symbols."""
    parser.add_argument("--exchange", help="only this exchange's symbols (e.g. binance)")
    parser.add_argument("--symbol", help="only this symbol (e.g. BTC-USDT)")


def chosen(symbols: list[tuple[str, str]],
           args: argparse.Namespace) -> list[tuple[str, str]]:
    """The (exchange, symbol) pairs that --exchange and --symbol let through."""
    return [(x, s) for x, s in symbols
            if args.exchange in (None, x) and args.symbol in (None, s)]
