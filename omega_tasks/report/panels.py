"""The chart's axes and bars, as every drawing layer receives them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from matplotlib.axes import Axes

from omega_tasks.core.types import Bar
from omega_tasks.messages import Event


@dataclass
class Panels:
    """The chart's axes and the bars drawn on them."""

    price: Axes
    strip: Axes
    bars: list[Bar] = field(default_factory=list)
    flow: Axes | None = None

    def price_at(self, event: Event) -> float:
        """Return where to put an event: its own price if it has one, else the bar close."""
        for key in ("price", "trigger_price", "level"):
            value = event.evidence.get(key)
            if isinstance(value, int | float):
                return float(value)
        opens = [b.open_ms for b in self.bars]
        i = max(0, bisect.bisect_right(opens, event.time_ms) - 1)
        return self.bars[i].close
