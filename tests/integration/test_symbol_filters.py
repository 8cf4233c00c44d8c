"""``omega events`` and ``omega state`` narrowed to an exchange or a symbol."""

from __future__ import annotations

import json

from omega_tasks.cli import main
from omega_tasks.messages import Event

PAIRS = [("binance", "BTC-USDT"), ("binance", "ETH-USDT"), ("coinbase", "BTC-USD")]


def fill(store, monkeypatch, settings) -> None:
    for exchange, symbol in PAIRS:
        k = store.symbol(exchange, symbol)
        event = Event(f"{exchange}:{symbol}:feed:gap:7", exchange, symbol, "feed", "gap", 7, 1,
                      {"missing": 2})
        store.commit(k, "threshold", [event], 7,
                     snapshots={"threshold": json.dumps({"exchange": exchange,
                                                         "symbol": symbol})})
        store.redis.sadd(store.keys.symbols, k.member)
    monkeypatch.setenv("OMEGA_REDIS_URL", settings.redis_url)
    monkeypatch.setenv("OMEGA_KEY_PREFIX", settings.key_prefix)


def shown(capsys, *args: str) -> set[tuple[str, str]]:
    assert main([*args, "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {(r["exchange"], r["symbol"]) for r in rows}


def test_events_and_state_show_only_the_exchange_or_symbol_asked_for(
        settings, store, monkeypatch, capsys):
    fill(store, monkeypatch, settings)
    for command in ("events", "state"):
        assert shown(capsys, command) == set(PAIRS)
        assert shown(capsys, command, "--exchange", "binance") == set(PAIRS[:2])
        assert shown(capsys, command, "--symbol", "BTC-USD") == {PAIRS[2]}
        assert shown(capsys, command, "--exchange", "binance", "--symbol", "BTC-USD") == set()
