"""HighFrequencyTrapDetector: bursts of rapid reversals, as a mode with expiry.

Trades are sampled once per second (the last price of each second that traded), and a
window holds the last ``window_s`` seconds of those samples. A burst is, within the window:

- at least ``min_reversals`` reversals between consecutive CUSUM events (up, down, up is
  two), with h = ``cusum_sigmas`` · σ (σ: the EWM standard deviation of 1m log returns in
  force), and an efficiency ratio
  |net move| / Σ|moves| below ``max_efficiency``, and realised volatility (Σ of squared
  one-second log returns) above the ``rv_quantile`` of its trailing values, sampled at each
  1m close over ``rv_history_bars`` bars; or
- sweeps of a swing high and of a swing low (see ``traps``).

The mode turns on at the first burst and off once ``quiet_s`` seconds pass without one; both
are events. A second is judged at the first trade after it, so nothing uses a later trade.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import deque
from dataclasses import astuple, dataclass
from typing import Any

from omega_tasks.core.types import Finding

ON, OFF = "hf_mode_on", "hf_mode_off"


@dataclass(frozen=True, slots=True)
class BurstParams:
    """Defaults of the burst rule and the mode."""

    window_s: int = 60
    cusum_sigmas: float = 1.0
    min_reversals: int = 3
    max_efficiency: float = 0.3
    rv_quantile: float = 0.8
    rv_history_bars: int = 1_440
    rv_min_bars: int = 30
    quiet_s: int = 120


class Burst:
    """The burst rule over one-second samples, and the mode it drives."""

    __slots__ = ("abs_sum", "cusum_high", "cusum_low", "flips", "last_burst_ms", "on",
                 "on_ms", "params", "rv_history", "rv_sorted", "second", "second_price",
                 "sq_sum", "sweeps", "turns", "window")

    def __init__(self, params: BurstParams | None = None) -> None:
        self.params = params or BurstParams()
        self.window: deque[tuple[int, float, float]] = deque()  # (second, log price, return)
        self.abs_sum = self.sq_sum = 0.0
        self.second = -1  # the second being formed, and its last price
        self.second_price = math.nan
        self.cusum_high = self.cusum_low = 0.0
        self.flips: deque[tuple[int, int]] = deque()  # (second, sign) of CUSUM events
        self.turns = 0  # sign changes between consecutive flips in the window
        self.sweeps: deque[tuple[int, int]] = deque()  # (time_ms, side) of sweep starts
        self.rv_history: deque[float] = deque(maxlen=self.params.rv_history_bars)
        self.rv_sorted: list[float] = []
        self.on = False
        self.on_ms = 0
        self.last_burst_ms = 0

    @property
    def realised(self) -> float:
        """Realised variance of the window: Σ of squared one-second log returns."""
        return self.sq_sum - (self.window[0][2] ** 2 if self.window else 0.0)

    @property
    def efficiency(self) -> float:
        """|net move| / Σ|moves| over the window (1 when it did not move)."""
        if len(self.window) < 2:
            return 1.0
        path = self.abs_sum - abs(self.window[0][2])
        net = abs(self.window[-1][1] - self.window[0][1])
        return net / path if path > 0 else 1.0

    def reversals(self) -> int:
        """Count sign changes between consecutive CUSUM events in the window."""
        return self.turns

    def rv_threshold(self) -> float:
        """Return the realised variance a burst must exceed (inf until enough history)."""
        if len(self.rv_sorted) < self.params.rv_min_bars:
            return math.inf
        i = min(int(self.params.rv_quantile * len(self.rv_sorted)), len(self.rv_sorted) - 1)
        return self.rv_sorted[i]

    def on_bar(self) -> None:
        """Sample the window's realised variance at a 1m close, for the trailing quantile."""
        if len(self.rv_history) == self.rv_history.maxlen:
            old = self.rv_history[0]
            del self.rv_sorted[bisect.bisect_left(self.rv_sorted, old)]
        value = self.realised
        self.rv_history.append(value)
        bisect.insort(self.rv_sorted, value)

    def on_trade(self, time_ms: int, price: float, sigma: float) -> list[Finding]:
        """Take a trade; on the first trade of a new second, judge the second before it.

        Returns findings without a trade id; the caller stamps them with the trade.
        """
        second = time_ms // 1000
        if second == self.second:
            self.second_price = price
            return []
        found: list[Finding] = []
        if self.second >= 0:
            self._close_second(sigma)
            if self.turns >= self.params.min_reversals and self._bursting():
                found = self._burst(time_ms, "chop")
        self.second, self.second_price = second, price
        if self.on and time_ms - self.last_burst_ms >= self.params.quiet_s * 1000:
            found = [*found, self._off(time_ms)]
        return found

    def note_sweep(self, time_ms: int, side: int) -> list[Finding]:
        """Take the start of a sweep of a swing level (+1 a high, -1 a low)."""
        horizon = time_ms - self.params.window_s * 1000
        while self.sweeps and self.sweeps[0][0] <= horizon:
            self.sweeps.popleft()
        self.sweeps.append((time_ms, side))
        if {s for _, s in self.sweeps} == {1, -1}:
            return self._burst(time_ms, "sweeps")
        return []

    def _close_second(self, sigma: float) -> None:
        """Add the second just ended to the window, drop what left it, and run the CUSUM."""
        window, flips = self.window, self.flips
        second = self.second
        x = math.log(self.second_price)
        r = x - window[-1][1] if window else 0.0
        window.append((second, x, r))
        self.abs_sum += abs(r)
        self.sq_sum += r * r
        oldest = second - self.params.window_s
        if window[0][0] <= oldest:  # flips share the window's seconds
            while window[0][0] <= oldest:
                _, _, old = window.popleft()
                self.abs_sum -= abs(old)
                self.sq_sum -= old * old
            while flips and flips[0][0] <= oldest:
                _, sign = flips.popleft()
                if flips and flips[0][1] != sign:
                    self.turns -= 1
        sweeps = self.sweeps  # stamped in ms, so not aligned with the window's seconds
        while sweeps and sweeps[0][0] <= oldest * 1000:
            sweeps.popleft()
        h = self.params.cusum_sigmas * sigma
        if not h > 0:
            return
        high = self.cusum_high + r
        low = self.cusum_low + r
        self.cusum_high = high if high > 0.0 else 0.0
        self.cusum_low = low if low < 0.0 else 0.0
        if high > h:
            self.cusum_high = 0.0
            self._flip(1)
        elif low < -h:
            self.cusum_low = 0.0
            self._flip(-1)

    def _flip(self, sign: int) -> None:
        if self.flips and self.flips[-1][1] != sign:
            self.turns += 1
        self.flips.append((self.second, sign))

    def _bursting(self) -> bool:
        p = self.params
        return (self.turns >= p.min_reversals and self.efficiency < p.max_efficiency
                and self.realised > self.rv_threshold())

    def _burst(self, time_ms: int, reason: str) -> list[Finding]:
        self.last_burst_ms = time_ms
        if self.on:
            return []
        self.on, self.on_ms = True, time_ms
        return [Finding(ON, 0, time_ms, {
            "reason": reason,
            "cusum_up": sum(1 for _, s in self.flips if s > 0),
            "cusum_down": sum(1 for _, s in self.flips if s < 0),
            "reversals": self.reversals(),
            "efficiency_ratio": self.efficiency,
            "realised_variance": self.realised,
            "realised_variance_quantile": self.rv_threshold(),
            "sweeps_high": sum(1 for _, s in self.sweeps if s > 0),
            "sweeps_low": sum(1 for _, s in self.sweeps if s < 0),
            "window_s": self.params.window_s,
        })]

    def _off(self, time_ms: int) -> Finding:
        self.on = False
        return Finding(OFF, 0, time_ms, {
            "on_ms": self.on_ms,
            "last_burst_ms": self.last_burst_ms,
            "duration_s": (time_ms - self.on_ms) / 1000,
            "quiet_s": self.params.quiet_s,
        })

    def dump(self) -> list[Any]:
        return [list(astuple(self.params)), [list(w) for w in self.window], self.abs_sum,
                self.sq_sum, self.second, self.second_price, self.cusum_high, self.cusum_low,
                [list(f) for f in self.flips], [list(s) for s in self.sweeps],
                list(self.rv_history), self.on, self.on_ms, self.last_burst_ms]

    @classmethod
    def load(cls, data: list[Any]) -> Burst:
        burst = cls(BurstParams(*data[0]))
        burst.window.extend((int(s), float(x), float(r)) for s, x, r in data[1])
        (burst.abs_sum, burst.sq_sum, burst.second, burst.second_price, burst.cusum_high,
         burst.cusum_low) = data[2:8]
        burst.flips.extend((int(s), int(g)) for s, g in data[8])
        burst.turns = sum(1 for a, b in itertools.pairwise(burst.flips) if a[1] != b[1])
        burst.sweeps.extend((int(t), int(s)) for t, s in data[9])
        burst.rv_history.extend(data[10])
        burst.rv_sorted = sorted(burst.rv_history)
        burst.on, burst.on_ms, burst.last_burst_ms = data[11:14]
        return burst
