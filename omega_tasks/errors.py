"""Omega's errors, all under one root.

    OmegaError
    ├── ConfigError          an OMEGA_* setting is unknown or has a bad value
    ├── InputError           bad input: dead-lettered with its reason, never retried
    │   └── DecodeError      bytes that do not decode; keeps the raw bytes
    ├── TransientError       a dependency is briefly unavailable: retried with backoff
    ├── InputsBehind         an analysis's inputs have not reached its trade yet
    ├── HistoryTrimmed       trades an analysis needs are no longer in the tick stream
    ├── EmbeddedRedisError   the embedded Redis server could not be started
    ├── ModelRejected        a stored model names types outside the trusted list: not loaded
    └── ApiError             an Omega web server refused a request (``omega_tasks.client``)
"""

from __future__ import annotations


class OmegaError(Exception):
    """Root of every error Omega raises on purpose."""


class ConfigError(OmegaError):
    """An OMEGA_* setting is unknown or has a bad value."""


class InputError(OmegaError):
    """Input that breaks a rule; it is dead-lettered, never retried."""

    def __init__(self, reason: str, raw: bytes = b"") -> None:
        super().__init__(reason)
        self.reason = reason
        self.raw = raw


class DecodeError(InputError):
    """Bytes that do not decode into the message they claim to be."""


class TransientError(OmegaError):
    """A dependency is briefly unavailable; the operation is retried with backoff."""


class HistoryTrimmed(OmegaError):
    """The trades needed to bring an analysis up to date were trimmed from the stream."""

    def __init__(self, stream: str, needed_from: int, retained_from: int) -> None:
        super().__init__(
            f"{stream}: trades from id {needed_from} are needed but the stream starts at "
            f"{retained_from}"
        )
        self.stream = stream
        self.needed_from = needed_from
        self.retained_from = retained_from


class EmbeddedRedisError(OmegaError):
    """The embedded Redis server could not be started."""


class ModelRejected(OmegaError):
    """A stored model holds types that are not on the trusted list; it is never loaded."""


class InputsBehind(OmegaError):
    """An analysis's inputs have not reached the trade it would read them at: the last input
    to get there runs it."""


class ApiError(OmegaError):
    """An Omega web server answered a request with an error; ``status`` is its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
