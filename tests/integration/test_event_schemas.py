"""The event contract: every kind the code can emit has a JSON Schema, and every event the
demo and the real recordings produce matches its kind's schema."""

from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from omega_tasks.schemas import event_kinds, event_schema
from omega_tasks.store import Store
from tests.conftest import data_file
from tests.event_kinds import emitted_kinds
from tests.integration.test_cli import omega


def stored_events(store: Store) -> list[dict]:
    return [json.loads(fields[b"e"]) for exchange, symbol in store.symbols()
            for _, fields in store.redis.xrange(store.symbol(exchange, symbol).events)]


def assert_valid(events: list[dict]) -> set[str]:
    validators = {k: jsonschema.Draft202012Validator(event_schema(k)) for k in event_kinds()}
    for event in events:
        validators[event["kind"]].validate(event)
    return {e["kind"] for e in events}


def test_every_kind_the_code_can_emit_has_a_schema_and_no_schema_is_for_nothing():
    kinds = emitted_kinds()
    assert len(kinds) >= 20
    assert set(event_kinds()) == kinds
    for kind in kinds:
        jsonschema.Draft202012Validator.check_schema(event_schema(kind))


def test_a_trap_without_its_order_flow_or_with_a_mistyped_field_is_refused():
    schema = event_schema("bull_trap")
    flow = {"queue_imbalance": 0.2, "microprice": 61_800.1, "spread": 0.01, "quote_age_ms": 40,
            "cvd_slope": -0.3, "cvd_divergence": {"strength": -0.4, "diverges": True},
            "absorption": None, "pulled": {"kind": "liquidity_pulled", "time_ms": 1,
                                           "trade_id": 2, "direction": 1, "level": 61_801.0}}
    evidence = {name: 1 for name in schema["properties"]["evidence"]["required"]}
    evidence |= {"orderflow": flow, "swing": {}, "also_spent": [], "regime": "ranging",
                 "hf_mode": False, "liquidation_burst": False, "fibonacci": None}
    event = {"v": 1, "id": "x", "exchange": "binance", "symbol": "BTC-USDT", "detector": "traps",
             "kind": "bull_trap", "trade_id": 2, "time_ms": 1, "evidence": evidence}
    jsonschema.validate(event, schema)
    for broken in ({"orderflow": None}, {"orderflow": {**flow, "spread": "wide"}},
                   {"trigger_trade_id": 1.5}):
        bad = copy.deepcopy(event)
        bad["evidence"] |= broken
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    bad = copy.deepcopy(event)
    del bad["evidence"]["orderflow"]["microprice"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def replay(settings, recording: str) -> None:
    result = omega("replay", str(data_file(recording)), "--speed", "max",
                   env={"OMEGA_REDIS_URL": settings.redis_url,
                        "OMEGA_KEY_PREFIX": settings.key_prefix})
    assert result.returncode == 0, result.stderr


@pytest.mark.data
def test_every_event_of_the_real_recordings_matches_its_schema(settings, store):
    replay(settings, "binance_ws/spot_btcusdt_20240808.gz")
    events = stored_events(store)
    assert len(events) >= 10 and "liquidity_pulled" in assert_valid(events)


@pytest.mark.slow
def test_every_event_of_the_demo_matches_its_schema(settings, store, tmp_path):
    result = omega("demo", "--hours", "3", "--chart", str(tmp_path / "demo.png"),
                   env={"OMEGA_REDIS_URL": settings.redis_url,
                        "OMEGA_KEY_PREFIX": settings.key_prefix})
    assert result.returncode == 0, result.stderr
    kinds = assert_valid(stored_events(store))
    assert {"bull_trap", "bear_trap", "liquidity_grab_high", "hf_mode_on", "leg", "touch",
            "regime_change", "prediction_change"} <= kinds
