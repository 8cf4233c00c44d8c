"""A notice: one thing to deliver to a sink, built from an event or a fleet alert."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from omega_tasks.errors import DecodeError
from omega_tasks.messages import Event


@dataclass(frozen=True, slots=True)
class Notice:
    """What a sink delivers: its idempotency key, the JSON body a webhook posts, and the
    facts filters and chat texts read. ``event`` is None for a fleet alert."""

    key: str
    body: dict[str, Any]
    event: Event | None = None
    alert: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of_event(cls, event: Event) -> Notice:
        return cls(event.id, json.loads(event.to_json()), event=event)

    @classmethod
    def of_alert(cls, alert: dict[str, Any]) -> Notice:
        return cls(str(alert["id"]), alert, alert=alert)

    @property
    def body_bytes(self) -> bytes:
        return json.dumps(self.body, separators=(",", ":"), sort_keys=True).encode()


def decode_entry(fields: dict[bytes, bytes]) -> Notice:
    """Read a stream entry (an event ``e`` or an alert ``a``); DecodeError if neither."""
    if b"e" in fields:
        return Notice.of_event(Event.from_json(fields[b"e"]))
    raw = fields.get(b"a", b"")
    try:
        alert = json.loads(raw)
        if not isinstance(alert, dict) or "id" not in alert:
            raise ValueError("not an alert")
    except ValueError as exc:
        raise DecodeError(f"undecodable stream entry: {exc}", raw) from None
    return Notice.of_alert(alert)
