"""Feed health read from a symbol's feed hash: how old its last trade is, its gaps, its link."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """The state of one symbol's feed at a moment (``now_ns``, wall clock)."""

    last_trade_id: int
    last_trade_ms: int
    age_s: float
    gaps_open: int
    gaps_closed: int
    reconnects: int
    connection: str

    @classmethod
    def of(cls, feed: Mapping[str, str], now_ns: int) -> FeedHealth | None:
        """Read the feed hash; None when no trade was ever stored."""
        if "last_trade_id" not in feed:
            return None
        received = int(feed.get("last_received_ns", "0"))
        return cls(
            int(feed["last_trade_id"]),
            int(feed.get("last_trade_ms", "0")),
            max(0.0, (now_ns - received) / 1e9),
            int(feed.get("gaps_open", "0")),
            int(feed.get("gaps_closed", "0")),
            int(feed.get("reconnects", "0")),
            feed.get("connection", ""),
        )

    def stale(self, limit_s: float) -> bool:
        """True when no trade arrived for longer than ``limit_s``."""
        return self.age_s > limit_s
