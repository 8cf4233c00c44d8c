"""Where trades come from: every source drives the feeder through one callback.

A source's ``run`` calls ``emit`` with lists of items (ticks, rejected messages) in the order
they arrived, until it is exhausted or ``stop`` is set. ``emit`` may block while the feeder
catches up; that is how a replay at full speed is held to the speed of the pipeline.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from omega_tasks.messages import Tick


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message a source could not turn into trades: dead-lettered with its reason."""

    source: str
    reason: str
    raw: bytes


Item = Tick | Rejected
Emit = Callable[[list[Item]], None]


class Source(ABC):
    """A producer of trades in arrival order."""

    name: str = "source"

    @abstractmethod
    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Emit items until exhausted or ``stop`` is set."""
