"""Aggressor flow: cumulative volume delta, absorption, and liquidation cascades.

CVD is the running sum of aggressive buy size minus aggressive sell size. Trades are summed
per second (of trade time); a second is judged at the first trade after it, so nothing uses
a later trade. With ATR14 and the 1m volume mean and σ in force (of closed bars):

- **absorption**: over the last ``window_s`` seconds, one side took at least ``share`` of
  the volume, at a per-minute rate of at least ``volume_z`` σ above the 1m mean, and never
  moved price more than ``progress_atr`` · ATR its way from where the window opened. The
  level is the furthest price it reached (the high for buyers, the low for sellers): the
  passive side held it. ``direction`` is against the absorbed side. A side fires again
  only once a whole window has passed.
- **liquidation cascade**: ``cascade_count`` or more forced orders of one side (futures
  liquidations) within ``cascade_window_ms``; ``direction`` is the side the forced orders
  push price (forced sells: down). It fires once, then again only after a window with
  fewer. Seen just before the trade that followed them, it is stamped with that trade.
- **CVD divergence**, at the trade that starts the sweep of a swing level: price is beyond
  the swing, but the CVD since the close of the swing's bar went the other way by at least
  ``divergence_min`` of the volume traded since (a new high on net selling, a new low on
  net buying). ``direction`` is back inside the level.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.indicators import Ewm
from omega_tasks.core.types import MINUTE_MS, Finding, Liquidation

ABSORPTION = "absorption"
CASCADE = "liquidation_cascade"
DIVERGENCE = "cvd_divergence"


@dataclass(frozen=True, slots=True)
class FlowParams:
    """Defaults of the flow rules."""

    window_s: int = 10
    share: float = 0.6
    volume_z: float = 3.0
    progress_atr: float = 0.1
    slope_s: int = 60  # CVD slope: net aggression over this many seconds
    cascade_count: int = 5
    cascade_window_ms: int = 10_000
    divergence_min: float = 0.05
    bars_kept: int = 240  # CVD at bar closes, for swings up to 4 hours old


class Flow:
    """CVD per second and per bar, and the rules on it (see the module docstring)."""

    __slots__ = ("absorbed", "bars", "buy", "cascading", "cvd", "high", "liquidations",
                 "low", "open", "params", "price", "second", "seconds", "sell", "volume")

    def __init__(self, params: FlowParams | None = None) -> None:
        self.params = params or FlowParams()
        self.cvd = 0.0
        self.volume = 0.0
        self.second = -1  # the second being summed: its buy and sell volume, prices
        self.buy = self.sell = 0.0
        self.open = self.high = self.low = self.price = math.nan
        # closed seconds: (second, buy, sell, open, high, low, cvd at its end, volume at end)
        self.seconds: deque[tuple[int, float, float, float, float, float, float, float]] = \
            deque()
        self.bars: deque[tuple[int, float, float]] = deque(maxlen=self.params.bars_kept)
        self.absorbed = {1: -1, -1: -1}  # the second each side last fired until
        self.liquidations: dict[int, deque[tuple[int, float, float]]] = {1: deque(),
                                                                          -1: deque()}
        self.cascading = {1: False, -1: False}

    def on_trade(self, time_ms: int, price: float, size: float, side: int,
                 atr: float, volume: Ewm) -> Finding | None:
        """Count a trade; at the first trade of a new second, judge the window before it."""
        second = time_ms // 1000
        found = None
        if second != self.second:
            if self.second >= 0:
                found = self._close_second(atr, volume)
            self.second, self.buy, self.sell = second, 0.0, 0.0
            self.open = self.high = self.low = price
        elif price > self.high:
            self.high = price
        elif price < self.low:
            self.low = price
        if side > 0:
            self.buy += size
            self.cvd += size
        else:
            self.sell += size
            self.cvd -= size
        self.volume += size
        self.price = price
        return found

    def _close_second(self, atr: float, volume: Ewm) -> Finding | None:
        p = self.params
        seconds = self.seconds
        seconds.append((self.second, self.buy, self.sell, self.open, self.high, self.low,
                        self.cvd, self.volume))
        while seconds[0][0] <= self.second - max(p.slope_s, p.window_s):
            seconds.popleft()
        if not (atr > 0 and volume.n > 1 and volume.std > 0):
            return None
        return self._absorption(atr, volume)

    def _absorption(self, atr: float, volume: Ewm) -> Finding | None:
        p = self.params
        start = self.second - p.window_s
        window = [s for s in self.seconds if s[0] > start]
        buy = sum(s[1] for s in window)
        sell = sum(s[2] for s in window)
        total = buy + sell
        if total <= 0:
            return None
        side = 1 if buy >= p.share * total else -1 if sell >= p.share * total else 0
        if side == 0 or self.absorbed[side] > start:
            return None
        taken = buy if side > 0 else sell
        rate = taken * 60 / p.window_s
        z = (rate - volume.mean) / volume.std
        opened = window[0][3]
        level = max(s[4] for s in window) if side > 0 else min(s[5] for s in window)
        progress = side * (level - opened) / atr
        if z < p.volume_z or progress > p.progress_atr:
            return None
        self.absorbed[side] = self.second
        return Finding(ABSORPTION, 0, (self.second + 1) * 1000, {
            "direction": -side,
            "absorbed": "buyers" if side > 0 else "sellers",
            "level": level,
            "window_s": p.window_s,
            "window_start_ms": (start + 1) * 1000,
            "aggressive_volume": taken,
            "share": taken / total,
            "volume_z": z,
            "progress_atr": progress,
            "atr14": atr,
        })

    def on_bar(self, close_ms: int) -> None:
        """Note the CVD as a 1m bar closes (for swings that pivot on that bar), once trades
        are counted (bars of a warm-up carry no CVD)."""
        if self.second >= 0:
            self.bars.append((close_ms, self.cvd, self.volume))

    def on_liquidation(self, q: Liquidation) -> Finding | None:
        p = self.params
        recent = self.liquidations[q.side]
        recent.append((q.time_ms, q.size, q.price))
        while recent[0][0] < q.time_ms - p.cascade_window_ms:
            recent.popleft()
        if len(recent) < p.cascade_count:
            self.cascading[q.side] = False
            return None
        if self.cascading[q.side]:
            return None
        self.cascading[q.side] = True
        size = sum(r[1] for r in recent)
        return Finding(CASCADE, q.before_trade_id, q.time_ms, {
            "direction": q.side,
            "liquidated": "shorts" if q.side > 0 else "longs",
            "orders": len(recent),
            "size": size,
            "notional": sum(r[1] * r[2] for r in recent),
            "first_ms": recent[0][0],
            "low": min(r[2] for r in recent),
            "high": max(r[2] for r in recent),
            "window_ms": p.cascade_window_ms,
        })

    def divergence(self, side: int, swing_price: float, pivot_ms: int, minutes: int,
                   price: float) -> dict[str, Any] | None:
        """How CVD moved since a swing's bar closed, as a share of the volume since (None:
        that bar closed before the first trade counted, or is older than the bars kept);
        ``diverges`` if it went against the sweep."""
        closes = pivot_ms - pivot_ms % MINUTE_MS + minutes * MINUTE_MS
        then = next((b for b in reversed(self.bars) if b[0] <= closes), None)
        if then is None or (self.bars and self.bars[0][0] > closes):
            return None
        traded = self.volume - then[2]
        strength = (self.cvd - then[1]) / traded if traded > 0 else 0.0
        return {"cvd_change": self.cvd - then[1], "volume_since": traded,
                "strength": strength, "swing": swing_price, "swing_close_ms": then[0],
                "diverges": side * strength <= -self.params.divergence_min and
                side * (price - swing_price) > 0}

    def slope(self) -> float | None:
        """Net aggression over the last ``slope_s`` seconds: ΔCVD / volume, −1..1."""
        if not self.seconds:
            return None
        first = self.seconds[0]
        base_cvd = first[6] - (first[1] - first[2])  # the CVD as that second opened
        base_volume = first[7] - (first[1] + first[2])
        traded = self.volume - base_volume
        return (self.cvd - base_cvd) / traded if traded > 0 else 0.0

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), self.cvd, self.volume, self.second, self.buy,
                self.sell, self.open, self.high, self.low, self.price,
                [list(s) for s in self.seconds], [list(b) for b in self.bars],
                [self.absorbed[1], self.absorbed[-1]],
                [[list(r) for r in self.liquidations[s]] for s in (1, -1)],
                [self.cascading[1], self.cascading[-1]]]

    @classmethod
    def load(cls, data: list[Any]) -> Flow:
        flow = cls(FlowParams(*data[0]))
        (flow.cvd, flow.volume, flow.second, flow.buy, flow.sell, flow.open, flow.high,
         flow.low, flow.price) = data[1:10]
        flow.seconds.extend(tuple(s) for s in data[10])
        flow.bars.extend(tuple(b) for b in data[11])
        flow.absorbed = {1: data[12][0], -1: data[12][1]}
        for side, rows in zip((1, -1), data[13], strict=True):
            flow.liquidations[side].extend(tuple(r) for r in rows)
        flow.cascading = {1: data[14][0], -1: data[14][1]}
        return flow
