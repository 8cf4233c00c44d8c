"""Where an export starts and stops: a time (ISO 8601) or a stream id (``<ms or id>-<seq>``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from omega_tasks.errors import InputError

STREAM_ID = re.compile(r"^\d+-\d+$")


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of a range: ``time_ms`` or ``stream_id`` (the other None), or neither (open)."""

    time_ms: int | None = None
    stream_id: str | None = None


def parse_bound(text: str | None) -> Bound:
    """Read ``--since``/``--until``; InputError saying what is accepted if it is neither."""
    if text is None or text == "":
        return Bound()
    if STREAM_ID.match(text):
        return Bound(stream_id=text)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{text!r} is neither a time (2024-08-08T23:55:00Z) nor a stream id "
                         "(1723161300000-0)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return Bound(time_ms=int(when.timestamp() * 1000))


@dataclass(frozen=True, slots=True)
class Range:
    since: Bound = Bound()
    until: Bound = Bound()

    def stream_bounds(self) -> tuple[str, str]:
        """The XRANGE bounds its stream ids give ("-" and "+" when open or a time)."""
        return self.since.stream_id or "-", self.until.stream_id or "+"

    def has_time(self, time_ms: int) -> bool:
        """Whether an exchange time is inside the range's time bounds (ids pass)."""
        low, high = self.since.time_ms, self.until.time_ms
        return (low is None or time_ms >= low) and (high is None or time_ms <= high)

    @property
    def uses_ids(self) -> bool:
        return self.since.stream_id is not None or self.until.stream_id is not None

    @property
    def is_open(self) -> bool:
        return self == Range()
