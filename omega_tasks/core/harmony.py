"""Harmony: how many independent signals agree on a direction, 0..1.

Five signals, each read from another analysis's snapshot as of the same trade:

    trend      the sign of the alignment of the warm timeframes (−1..1)
    regime     the 5m direction while the 5m regime is trending; against it while ranging
               (a range reverts); no direction while volatile or neutral
    model      the ``prediction`` snapshot's class: up +1, down −1, neither 0
    traps      the direction of the newest trap or liquidity grab in the last 15 minutes
               (including the minute still forming), from the traps snapshot's last_trap
    fibonacci  the confluence zone nearest the close, within 1 ATR: support (+1) with the
               close above it, resistance (−1) below it, no direction inside it

A signal is absent when it cannot be read (no snapshot yet, still warming up, or a model
prediction made at a bar that closed over ``stale_ms`` before the last close), present
without a direction (0), or votes ±1. The direction is the sign of the sum of the votes; the
score is the share of present signals that vote for it, and 0 when the votes cancel or none is cast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

from omega_tasks.core.analysis import Analysis, views
from omega_tasks.core.types import MINUTE_MS, Bar, Finding
from omega_tasks.names import FIB, HARMONY, PREDICTION, THRESHOLD, TRAPS, TREND

View = Mapping[str, Any]
SIGNALS = ("trend", "regime", "model", "traps", "fibonacci")
MODEL_VOTES = {"up": 1, "down": -1, "neither": 0}


@dataclass(frozen=True, slots=True)
class HarmonyParams:
    """How far back traps count, how near a zone must be, when a prediction is stale."""

    trap_window_ms: int = 15 * MINUTE_MS
    zone_within_atr: float = 1.0
    stale_ms: int = 5 * MINUTE_MS


@dataclass(frozen=True, slots=True)
class Vote:
    """One signal's say: ``direction`` None when absent, else −1, 0 or +1."""

    signal: str
    direction: int | None
    why: str

    def view(self) -> dict[str, Any]:
        return {"vote": self.direction, "why": self.why}


@dataclass(frozen=True, slots=True)
class Harmony:
    """The direction most signals point to and the share of present signals behind it."""

    direction: int
    score: float
    agree: int
    present: int
    votes: tuple[Vote, ...]
    as_of_ms: int

    def view(self) -> dict[str, Any]:
        return {
            "as_of_ms": self.as_of_ms,
            "score": self.score,
            "direction": {1: "up", -1: "down", 0: "none"}[self.direction],
            "agree": self.agree,
            "present": self.present,
            "signals": {v.signal: v.view() for v in self.votes},
        }


def harmony(votes: Sequence[Vote], as_of_ms: int) -> Harmony:
    """Return how far the present votes, read at ``as_of_ms``, agree on one direction."""
    present = [v.direction for v in votes if v.direction is not None]
    total = sum(present)
    direction = (total > 0) - (total < 0)
    agree = sum(1 for d in present if d == direction) if direction else 0
    score = agree / len(present) if present else 0.0
    return Harmony(direction, score, agree, len(present), tuple(votes), as_of_ms)


def trend_vote(trend: View | None) -> Vote:
    """Vote the sign of the alignment across timeframes."""
    alignment = trend.get("alignment") if trend else None
    if alignment is None:
        return Vote("trend", None, "no timeframe warm")
    return Vote("trend", _sign(alignment), f"alignment {alignment:+.2f}")


def regime_vote(trend: View | None) -> Vote:
    """Vote with the 5m direction in a trend, against it in a range."""
    regime = trend.get("regime", "unknown") if trend else "unknown"
    five = (trend or {}).get("timeframes", {}).get("5m", {})
    if regime == "unknown" or not five.get("ready"):
        return Vote("regime", None, "5m regime warming up")
    direction = int(five.get("direction", 0))
    if regime == "trending":
        return Vote("regime", direction, f"5m trending, 5m direction {direction:+d}")
    if regime == "ranging":
        return Vote("regime", -direction, f"5m ranging, fading 5m direction {direction:+d}")
    return Vote("regime", 0, f"5m {regime}")


def model_vote(model: View | None, as_of_ms: int, params: HarmonyParams) -> Vote:
    """Vote the predicted class, if a prediction of a recent bar exists."""
    prediction = model.get("prediction") if model else None
    if prediction not in MODEL_VOTES:
        return Vote("model", None, str((model or {}).get("status") or "no prediction"))
    bar_ms = (model or {}).get("bar_open_ms")
    if not isinstance(bar_ms, int) or as_of_ms - (bar_ms + MINUTE_MS) > params.stale_ms:
        return Vote("model", None, "prediction stale")
    return Vote("model", MODEL_VOTES[prediction], f"predicts {prediction}")


def traps_vote(
    traps: View | None, trap_events: Sequence[tuple[int, str, int]], as_of_ms: int,
    params: HarmonyParams,
) -> Vote:
    """Vote the direction of the newest trap within the window.

    ``trap_events`` holds (time_ms, kind, direction) of trap and grab events, in any order.
    """
    if not traps or not traps.get("warm"):
        return Vote("traps", None, "trap detector warming up")
    recent = [e for e in trap_events if e[0] >= as_of_ms - params.trap_window_ms]
    if not recent:
        return Vote("traps", 0, f"no trap in {params.trap_window_ms // MINUTE_MS} min")
    time_ms, kind, direction = max(recent)
    if time_ms >= as_of_ms:  # in the minute still forming: the trap detector fires per trade
        return Vote("traps", _sign(direction), f"{kind} in the forming minute")
    return Vote("traps", _sign(direction), f"{kind} {(as_of_ms - time_ms) / MINUTE_MS:.0f} min ago")


def fib_vote(fib: View | None, close: float | None, params: HarmonyParams) -> Vote:
    """Vote support or resistance from the confluence zone nearest the close."""
    atr = fib.get("atr14") if fib else None
    if not fib or close is None or not atr or not math.isfinite(atr):
        return Vote("fibonacci", None, "no close or ATR yet")
    best: tuple[float, float, float] | None = None
    for zone in fib.get("confluence", ()):
        lo, hi = zone["lo"], zone["hi"]
        distance = max(lo - close, close - hi, 0.0) / atr
        if distance <= params.zone_within_atr and (best is None or distance < best[0]):
            best = (distance, lo, hi)
    if best is None:
        return Vote("fibonacci", 0, f"no zone within {params.zone_within_atr:g} ATR")
    _, lo, hi = best
    if close > hi:
        return Vote("fibonacci", 1, f"above zone {lo:.2f}..{hi:.2f}")
    if close < lo:
        return Vote("fibonacci", -1, f"below zone {lo:.2f}..{hi:.2f}")
    return Vote("fibonacci", 0, f"inside zone {lo:.2f}..{hi:.2f}")


def as_of(trend: View | None, threshold: View | None) -> int | None:
    """Return the close time of the newest 1m bar the trend or threshold saw, if any."""
    opens = [v["last_bar_open_ms"] for v in (trend, threshold) if v and v.get("last_bar_open_ms")]
    return max(opens) + MINUTE_MS if opens else None


def read(
    snapshots: Mapping[str, View],
    trap_events: Sequence[tuple[int, str, int]],
    params: HarmonyParams | None = None,
) -> Harmony | None:
    """Return the harmony of the signals in ``snapshots`` (by analysis name), or None.

    None when neither the trend nor the threshold has closed a bar: there is no time to
    read the other signals at.
    """
    params = params or HarmonyParams()
    trend, threshold = snapshots.get("trend"), snapshots.get("threshold")
    when = as_of(trend, threshold)
    if when is None:
        return None
    close = threshold.get("close") if threshold else None
    return harmony((
        trend_vote(trend),
        regime_vote(trend),
        model_vote(snapshots.get("prediction"), when, params),
        traps_vote(snapshots.get("traps"), trap_events, when, params),
        fib_vote(snapshots.get("fib"), close, params),
    ), when)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def last_trap(traps: View | None) -> list[tuple[int, str, int]]:
    """The newest trap or grab in a traps snapshot, as (time_ms, kind, direction)."""
    trap = (traps or {}).get("last_trap")
    return [(trap["time_ms"], trap["kind"], trap["direction"])] if trap else []


class HarmonyAnalysis(Analysis):
    """Harmony read off the other analyses' snapshots as of the end of each batch.

    It reads no market data: its inputs are the views of trend, threshold, Fibonacci, traps
    and prediction after the batch's last trade, all of them, so the reading depends on
    the trades alone. An input analysis that is not run is an absent signal.
    """

    name = HARMONY
    wants_trades = False
    reads = (TREND, THRESHOLD, FIB, TRAPS, PREDICTION)
    needs = (views(*reads),)

    def __init__(self, params: HarmonyParams | None = None) -> None:
        self.params = params or HarmonyParams()
        self.inputs: Mapping[str, View | None] = {}
        self.reading: dict[str, Any] = {}

    def supply(self, inputs: Mapping[Any, Any]) -> None:
        self.inputs = inputs[self.needs[0]]

    def on_bar(self, bar: Bar) -> list[Finding] | None:
        return None

    def settle(self, trade_id: int) -> list[Finding] | None:
        found = {name: view for name, view in self.inputs.items() if view is not None}
        reading = read(found, last_trap(found.get(TRAPS)), self.params)
        self.reading = reading.view() if reading is not None else {}
        if self.reading:
            self.reading["covered"] = {name: view.get("last_trade_id")
                                       for name, view in found.items()}
        return None

    def dump(self) -> Any:
        return self.reading

    @classmethod
    def load(cls, data: Any) -> Self:
        analysis = cls()
        analysis.reading = dict(data)
        return analysis

    def view(self) -> dict[str, Any]:
        return self.reading or {"as_of_ms": None, "score": None, "signals": {}}
