"""The event contract: a JSON Schema per event kind, per event version, shipped in the package.

``schemas/events/v1/<kind>.json`` describes events whose ``v`` is 1 (``messages.EVENT_VERSION``):
the envelope (id, exchange, symbol, detector, kind, trade id, time) and the evidence each
kind carries, with the fields it always has and their types. Within a version, evidence
only gains fields (a schema lets unknown evidence fields through); a field removed, renamed
or retyped makes a new version, in a folder of its own, with the old one kept.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from omega_tasks.errors import InputError


def _folder(version: int) -> Any:
    return resources.files("omega_tasks").joinpath(f"schemas/events/v{version}")


def event_kinds(version: int = 1) -> list[str]:
    """Return the kinds that have a schema in ``version``."""
    return sorted(p.name.removesuffix(".json") for p in _folder(version).iterdir()
                  if p.name.endswith(".json"))


def event_schema(kind: str, version: int = 1) -> dict[str, Any]:
    """Return the JSON Schema of one event kind; InputError if there is none."""
    path = _folder(version).joinpath(f"{kind}.json")
    if not path.is_file():
        raise InputError(f"no schema for event kind {kind!r} in version {version}")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
