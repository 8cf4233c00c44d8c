"""Which notices a sink wants: by exchange/symbol, detector, kind and minimum confidence."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.notify.notice import Notice


@dataclass(frozen=True, slots=True)
class SinkFilter:
    """Empty tuples let everything through. ``symbols`` holds ``exchange:symbol`` pairs or
    bare symbols; an event without a numeric ``confidence`` fails a ``min_confidence`` above 0.
    Fleet alerts pass when ``alerts`` is true, whatever the event filters say."""

    symbols: tuple[str, ...] = ()
    detectors: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_confidence: float = 0.0
    alerts: bool = True

    def wants(self, notice: Notice) -> bool:
        event = notice.event
        if event is None:
            return self.alerts
        if self.symbols and not ({event.symbol, f"{event.exchange}:{event.symbol}"}
                                 & set(self.symbols)):
            return False
        if self.detectors and event.detector not in self.detectors:
            return False
        if self.kinds and event.kind not in self.kinds:
            return False
        if self.min_confidence > 0:
            confidence = event.evidence.get("confidence")
            if not isinstance(confidence, int | float) or confidence < self.min_confidence:
                return False
        return True
