"""What a sink's consumer reports as it works: its metrics hook in here, not in the loop."""

from __future__ import annotations


class DeliveryObserver:
    """Hears about deliveries to sinks; every method is a no-op until overridden."""

    def delivered(self, sink: str, seconds: float) -> None:
        """A sink accepted a notice after ``seconds`` (all attempts included)."""

    def refused(self, sink: str, reason: str) -> None:
        """A sink refused one attempt (it is retried or dead-lettered)."""

    def dead_lettered(self, sink: str) -> None:
        """A notice went to the dead-letter stream."""

    def filtered(self, sink: str) -> None:
        """A notice the sink's filter does not want was passed over."""

    def held_back(self, sink: str) -> None:
        """The rate limit held a notice back (it is counted in the next summary)."""
