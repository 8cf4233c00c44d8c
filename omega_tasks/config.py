"""One frozen Settings, built once at an entry point from OMEGA_* environment variables.

Each field maps to the variable OMEGA_<FIELD NAME>. An unknown OMEGA_* variable, or a value
that does not parse or breaks its rule, is a ConfigError that names the variable.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from omega_tasks.errors import ConfigError
from omega_tasks.names import ANALYSIS_QUEUES

PREFIX = "OMEGA_"
REDIS_SCHEMES = ("redis", "rediss", "unix", "redis+socket")
EMBEDDED_MODES = ("auto", "never", "always")
BROKER_SCHEMES = ("amqp", "pyamqp")  # RabbitMQ, besides Redis

Check = Callable[[Any], str | None]


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be greater than 0"


def _non_negative(value: Any) -> str | None:
    return None if value >= 0 else "must be 0 or more"


def _one_of(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


def _queues(value: tuple[str, ...]) -> str | None:
    unknown = [q for q in value if q not in ANALYSIS_QUEUES]
    if unknown:
        return f"unknown queue {unknown[0]!r}; analysis queues are {', '.join(ANALYSIS_QUEUES)}"
    return None


def _port(value: int) -> str | None:
    return None if 0 <= value <= 65_535 else "must be a port, 0 to 65535"


def _queue_list(value: tuple[str, ...]) -> str | None:
    if not value:
        return "names no queue: the feeder would publish to none and nothing would be analysed"
    return _queues(value)


def _url_port(value: str) -> str | None:
    try:
        port = urlsplit(value).port
    except ValueError as exc:
        return f"has a bad port: {exc}"
    return None if port is None or port > 0 else "has port 0"


def _redis_url(value: str) -> str | None:
    if value == "":
        return None
    scheme = urlsplit(value).scheme
    if scheme not in REDIS_SCHEMES:
        return f"must be a Redis URL ({', '.join(s + '://' for s in REDIS_SCHEMES)})"
    return _url_port(value)


def _broker_url(value: str) -> str | None:
    if urlsplit(value).scheme in BROKER_SCHEMES:
        return _url_port(value)
    if urlsplit(value).scheme in REDIS_SCHEMES or value == "":
        return _redis_url(value)
    return (f"must be a Redis URL ({', '.join(s + '://' for s in REDIS_SCHEMES)}) "
            "or a RabbitMQ URL (amqp://)")


def _ws_url(value: str) -> str | None:
    if urlsplit(value).scheme not in ("ws", "wss"):
        return "must be a ws:// or wss:// URL"
    return _url_port(value)


def _http_url(value: str) -> str | None:
    if urlsplit(value).scheme not in ("http", "https"):
        return "must be an http:// or https:// URL"
    return _url_port(value)


def _setting(default: Any, doc: str, check: Check | None = None) -> Any:
    return field(default=default, metadata={"doc": doc, "check": check})


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything Omega can be told from outside, with the units in the names."""

    redis_url: str = _setting(
        "redis://127.0.0.1:6379/0",
        "Redis for ticks, bars, events and snapshots (rediss:// for TLS; password in the URL)",
        _redis_url,
    )
    broker_url: str = _setting(
        "", "Celery broker: Redis or RabbitMQ (amqp://); empty means the Redis URL", _broker_url
    )
    result_url: str = _setting("", "Celery result backend; empty means the Redis URL", _redis_url)
    key_prefix: str = _setting("omega", "prefix of every Redis key and channel Omega writes")
    embedded: str = _setting(
        "auto",
        "auto: use OMEGA_REDIS_URL when it answers, else start an embedded Redis; "
        "never: fail when it does not answer; always: embedded Redis only",
        _one_of(*EMBEDDED_MODES),
    )
    embedded_dir: str = _setting("", "folder for the embedded Redis socket; empty: a temp dir")
    batch_ms: int = _setting(20, "flush a tick batch after this many milliseconds", _positive)
    batch_max: int = _setting(1000, "flush a tick batch at this many ticks", _positive)
    reorder_trades: int = _setting(
        32, "trades that arrive out of id order wait for the missing ones until this many wait",
        _positive,
    )
    reorder_ms: int = _setting(
        250, "... or until the oldest has waited this many milliseconds", _positive
    )
    price_jump_sigmas: float = _setting(
        50.0, "a price further than this many σ·√s from the last one is doubted (σ: recent "
        "volatility per √second) ...", _positive,
    )
    price_jump_min: float = _setting(
        0.02, "... when it also moved more than this (log, 0.02 ≈ 2 %); a doubted price is "
        "dead-lettered unless the next two trades confirm it", _positive,
    )
    books: bool = _setting(
        True, "subscribe to depth updates and keep each symbol's order book (true/false)"
    )
    book_levels: int = _setting(10, "order book levels per side sampled into the tape", _positive)
    book_sample_ms: int = _setting(
        250, "sample the order book at most once per this many milliseconds", _positive
    )
    quote_sample_ms: int = _setting(
        100, "keep a best bid/ask change once per this many milliseconds (0: every change); "
        "the one in force at each trade is always kept", _non_negative,
    )
    queues: tuple[str, ...] = _setting(
        ANALYSIS_QUEUES, "analysis queues the feeder publishes to (comma-separated)", _queue_list
    )
    shards: int = _setting(
        1, "shard queues per analysis queue (traps.0, traps.1, ...): a symbol's batches go to "
        "one shard, and each shard to one worker node at a time (1: no shards)", _positive,
    )
    ticks_retained: int = _setting(
        1_000_000, "trades kept per symbol in its tick stream", _positive
    )
    bars_retained: int = _setting(20_160, "closed 1m bars kept per symbol (14 days)", _positive)
    events_retained: int = _setting(100_000, "events kept per symbol", _positive)
    deadletters_retained: int = _setting(10_000, "dead letters kept", _positive)
    deadletter_raw_bytes: int = _setting(
        4_096, "bytes of a dead-lettered message kept (its full size is recorded)", _positive
    )
    checkpoints_kept: int = _setting(16, "checkpoints kept per analysis and symbol", _positive)
    ml_train_bars: int = _setting(
        10_080, "1m bars the trend model trains on (a sliding window: 7 days)", _positive
    )
    ml_min_train_bars: int = _setting(
        1_440, "fewest 1m bars worth training a trend model on", _positive
    )
    ml_test_bars: int = _setting(
        1_440, "1m bars per walk-forward test block when a model is retrained", _positive
    )
    ml_expiry_min: int = _setting(
        180, "minutes of market time after its training data that a model may predict",
        _positive,
    )
    models_kept: int = _setting(3, "trend model versions kept per symbol", _positive)
    visibility_timeout_s: int = _setting(
        900, "seconds before an unacknowledged task is redelivered", _positive
    )
    task_retries: int = _setting(8, "retries of a task on a transient error", _non_negative)
    feed_stale_s: float = _setting(
        60.0, "a symbol with no trade for this many seconds is stale (event, unhealthy)",
        _positive,
    )
    binance_ws_url: str = _setting(
        "wss://stream.binance.com:9443/stream", "Binance spot combined-stream websocket", _ws_url
    )
    binance_rest_url: str = _setting(
        "https://api.binance.com", "Binance spot REST (trade backfill, klines)", _http_url
    )
    binance_usdm_ws_url: str = _setting(
        "wss://fstream.binance.com/stream", "Binance USD-M futures combined-stream websocket",
        _ws_url,
    )
    binance_usdm_rest_url: str = _setting(
        "https://fapi.binance.com", "Binance USD-M futures REST (trade backfill, klines)",
        _http_url,
    )
    coinbase_ws_url: str = _setting(
        "wss://advanced-trade-ws.coinbase.com", "Coinbase Advanced Trade websocket", _ws_url
    )
    coinbase_rest_url: str = _setting(
        "https://api.coinbase.com",
        "Coinbase Advanced Trade REST (recent-trade backfill, klines)",
        _http_url,
    )
    watchdog_s: float = _setting(
        30.0, "reconnect when no websocket message arrived for this many seconds", _positive
    )
    ping_interval_s: float = _setting(15.0, "seconds between websocket pings", _positive)
    reconnect_max_s: float = _setting(
        30.0, "cap of the jittered exponential backoff between reconnects", _positive
    )
    max_frame_bytes: int = _setting(
        16_777_216, "websocket frames longer than this are dead-lettered", _positive
    )
    klines_at_start: int = _setting(
        720, "closed 1m klines loaded over REST when a live feed starts (0: none)",
        _non_negative,
    )
    metrics_host: str = _setting(
        "127.0.0.1", "address this process's Prometheus endpoint binds (0.0.0.0 in a container)"
    )
    metrics_port: int = _setting(
        0, "port of this process's Prometheus endpoint (feeder, worker or beat); 0: none",
        _port,
    )
    notify_sinks_file: str = _setting(
        "", "omega notify: the TOML file of sinks (see the README); empty: --webhook only"
    )
    notify_webhook_secret: str = _setting(
        "", "omega notify --webhook: HMAC-SHA256 key of the X-Omega-Signature header"
    )
    notify_attempts: int = _setting(
        8, "omega notify --webhook: attempts at a notice before it is dead-lettered (a sinks "
        "file sets attempts per sink)", _positive
    )
    notify_backoff_s: float = _setting(
        0.5, "omega notify: first wait between attempts (doubling, jittered)", _positive
    )
    notify_backoff_max_s: float = _setting(
        60.0, "omega notify: longest wait between attempts", _positive
    )
    notify_timeout_s: float = _setting(
        10.0, "omega notify --webhook: seconds the sink may take (a sinks file: timeout_s)",
        _positive,
    )
    notify_receiver_host: str = _setting(
        "127.0.0.1", "omega notify: address of the Alertmanager receiver (wider needs a token)"
    )
    notify_receiver_port: int = _setting(
        0, "omega notify: port of the Alertmanager receiver (POST /alertmanager); 0: none", _port
    )
    notify_receiver_token: str = _setting(
        "", "omega notify: bearer token the Alertmanager receiver requires (empty: none)"
    )
    telegram_api_url: str = _setting(
        "https://api.telegram.org", "Telegram Bot API base URL", _http_url
    )
    dashboard_url: str = _setting(
        "", "link added to chat notifications (empty: none)"
    )
    log_level: str = _setting(
        "INFO", "logging level", _one_of("DEBUG", "INFO", "WARNING", "ERROR")
    )
    web_host: str = _setting(
        "127.0.0.1", "address `omega serve` binds; anywhere but loopback needs OMEGA_WEB_TOKEN"
    )
    web_port: int = _setting(8000, "port `omega serve` listens on (0: any free one)", _port)
    web_token: str = _setting(
        "", "bearer token the web API and page ask for (also taken from a login cookie); "
        "empty: none asked"
    )
    web_cors_origins: tuple[str, ...] = _setting(
        (), "origins the web API allows cross-origin reads from (comma-separated); none unless set"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from the OMEGA_* entries of an environment mapping."""
        known = {PREFIX + f.name.upper(): f for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for name, raw in environ.items():
            if not name.startswith(PREFIX):
                continue
            spec = known.get(name)
            if spec is None:
                hint = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
                also = f"; did you mean {hint[0]}?" if hint else ""
                raise ConfigError(f"unknown setting {name}{also}")
            values[spec.name] = _parse(name, raw, spec)
        return cls(**values)

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            check: Check | None = spec.metadata.get("check")
            value = getattr(self, spec.name)
            problem = check(value) if check else None
            if problem:
                shown = redact_url(value) if spec.name.endswith("_url") else value
                raise ConfigError(f"{PREFIX}{spec.name.upper()}={shown!r}: {problem}")

    @property
    def broker(self) -> str:
        """The Celery broker URL in use."""
        return self.broker_url or self.redis_url

    @property
    def results(self) -> str:
        """The Celery result backend URL in use."""
        return self.result_url or self.redis_url

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def describe(self) -> list[tuple[str, str, str]]:
        """Return (variable, value, meaning) rows, with passwords masked."""
        rows = []
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            shown = ",".join(value) if isinstance(value, tuple) else str(value)
            if spec.name.endswith("_url"):
                shown = redact_url(shown)
            if spec.name.endswith("_token") and shown:
                shown = "***"
            rows.append((PREFIX + spec.name.upper(), shown, spec.metadata["doc"]))
        return rows


def _parse(name: str, raw: str, spec: dataclasses.Field[Any]) -> Any:
    kind = _field_type(spec)
    text = raw.strip()
    try:
        if kind is bool:
            lowered = text.lower()
            if lowered not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(text)
            return lowered in ("1", "true", "yes", "on")
        if kind is int:
            return int(text.replace("_", ""))
        if kind is float:
            return float(text)
        if kind is tuple:
            return tuple(part.strip() for part in text.split(",") if part.strip())
        return text
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected {kind.__name__}") from None


def _field_type(spec: dataclasses.Field[Any]) -> type:
    hints = typing.get_type_hints(Settings)
    hint = hints[spec.name]
    origin = typing.get_origin(hint)
    if origin in (tuple, types.GenericAlias):
        return tuple
    found: type = origin or hint
    return found


def redact_url(url: str) -> str:
    """Mask the password in a URL (user info or a ``password`` parameter), for logs."""
    parts = urlsplit(url)
    pairs = [pair.split("=", 1)[0] for pair in parts.query.split("&")]
    if parts.password is None and "password" not in (p.lower() for p in pairs):
        return url
    query = "&".join(
        f"{pair.split('=', 1)[0]}=***" if pair.split("=", 1)[0].lower() == "password" else pair
        for pair in parts.query.split("&") if pair
    )
    netloc = parts.netloc
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rsplit('@', 1)[1]}"
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
