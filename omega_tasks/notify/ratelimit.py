"""A sink's rate limit: a burst, then so many a minute; what it holds back is summarised."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class RateLimit:
    """A token bucket of ``burst`` tokens refilled at ``per_minute``; 0 per minute: no limit.

    Times are monotonic seconds, passed in, so the limit is a pure function of them.
    """

    burst: int
    per_minute: float
    tokens: float = field(init=False)
    last_s: float | None = field(default=None, init=False)
    held: Counter[str] = field(default_factory=Counter, init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    @property
    def limited(self) -> bool:
        return self.per_minute > 0

    def _refill(self, now_s: float) -> None:
        if self.last_s is not None:
            elapsed = max(0.0, now_s - self.last_s)
            self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_minute / 60)
        self.last_s = now_s

    def available(self, now_s: float) -> bool:
        """Whether a notice may go now (without spending the token)."""
        if not self.limited:
            return True
        self._refill(now_s)
        return self.tokens >= 1.0

    def spend(self) -> None:
        if self.limited:
            self.tokens -= 1.0

    def hold(self, label: str) -> None:
        """Count a notice held back, by its label (``detector/kind``)."""
        self.held[label] += 1

    def take_held(self) -> dict[str, int]:
        """Return what was held back since the last summary, and forget it."""
        taken = dict(self.held)
        self.held.clear()
        return taken
