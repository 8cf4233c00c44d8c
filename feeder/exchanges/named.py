"""The exchanges Omega speaks to, by name, with their endpoints from the settings."""

from __future__ import annotations

from feeder.exchanges import Exchange
from feeder.exchanges.binance import BinanceSpot, BinanceUsdm
from feeder.exchanges.coinbase import Coinbase
from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError

EXCHANGES = ("binance", "binance-usdm", "coinbase")
DEFAULT_SYMBOLS = {"binance": "BTC-USDT", "binance-usdm": "BTC-USDT", "coinbase": "BTC-USD"}


def exchange_named(name: str, settings: Settings) -> Exchange:
    """Build the named exchange with the websocket and REST URLs the settings give."""
    limit, books = settings.max_frame_bytes, settings.books
    if name == "binance":
        return BinanceSpot(settings.binance_ws_url, settings.binance_rest_url, limit, books)
    if name == "binance-usdm":
        return BinanceUsdm(settings.binance_usdm_ws_url, settings.binance_usdm_rest_url, limit,
                           books)
    if name == "coinbase":
        return Coinbase(settings.coinbase_ws_url, settings.coinbase_rest_url, limit, books)
    raise ConfigError(f"unknown exchange {name!r}; known: {', '.join(EXCHANGES)}")
