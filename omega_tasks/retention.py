"""How much of each key family the store keeps: the settings' numbers, in one value."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.config import Settings


@dataclass(frozen=True, slots=True)
class Retention:
    """How much of each key family is kept (the defaults are the settings')."""

    trades: int
    bars: int
    events: int
    deadletters: int
    deadletter_bytes: int
    checkpoints: int

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        return cls(
            settings.ticks_retained, settings.bars_retained, settings.events_retained,
            settings.deadletters_retained, settings.deadletter_raw_bytes,
            settings.checkpoints_kept,
        )
