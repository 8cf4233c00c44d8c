"""What the chart draws besides candles, read from the snapshots and the events.

The threshold band, each timeframe's Fibonacci levels and the confluence zones, the swing
levels the trap detector watches, high-frequency mode spans, the regime per timeframe, the
model's prediction and the order flow (cumulative delta, top of book, book levels, walls).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omega_tasks.messages import Event
from omega_tasks.names import FIB, HIGHFREQ, ORDERFLOW, PREDICTION, THRESHOLD, TRAPS, TREND

Snapshots = Mapping[str, Mapping[str, Any]]


def _view(snapshots: Snapshots, name: str) -> Mapping[str, Any]:
    found = snapshots.get(name)
    return found["view"] if found is not None else {}


def threshold_band(view: Mapping[str, Any]) -> dict[str, Any] | None:
    """The band a move must leave to count: last close ± the threshold in price."""
    close, width = view.get("close"), view.get("threshold_price")
    if close is None or width is None:
        return None
    return {"center": close, "upper": close + width, "lower": close - width,
            "threshold": view.get("threshold"), "regime": view.get("regime"),
            "warm": view.get("warm")}


def fib_levels(view: Mapping[str, Any]) -> dict[str, Any]:
    """Each timeframe's leg and levels, and the confluence zones."""
    return {"timeframes": view.get("timeframes", {}), "zones": view.get("confluence", [])}


def hf_spans(events: Sequence[Event], now_ms: int | None) -> list[dict[str, Any]]:
    """When high-frequency trap mode was on: from each on event to its off (open: to now)."""
    spans: list[dict[str, Any]] = []
    start: int | None = None
    for event in sorted((e for e in events if e.detector == HIGHFREQ), key=lambda e: e.trade_id):
        if event.kind == "hf_mode_on" and start is None:
            start = event.time_ms
        elif event.kind == "hf_mode_off" and start is not None:
            spans.append({"from_ms": start, "to_ms": event.time_ms, "open": False})
            start = None
    if start is not None:
        spans.append({"from_ms": start, "to_ms": now_ms, "open": True})
    return spans


def regimes(view: Mapping[str, Any]) -> dict[str, Any]:
    """The regime, direction and ADX of every timeframe."""
    frames = view.get("timeframes", {})
    return {tf: {"regime": f.get("regime"), "direction": f.get("direction"),
                 "ready": f.get("ready"), "adx14": f.get("adx14")}
            for tf, f in frames.items()}


def overlays(snapshots: Snapshots, events: Sequence[Event],
             now_ms: int | None) -> dict[str, Any]:
    """Everything the chart draws besides candles and event markers."""
    traps = _view(snapshots, TRAPS)
    highfreq = _view(snapshots, HIGHFREQ)
    prediction = _view(snapshots, PREDICTION)
    flow = _view(snapshots, ORDERFLOW).get("orderflow") or traps.get("orderflow")
    return {
        "threshold": threshold_band(_view(snapshots, THRESHOLD)),
        "fibonacci": fib_levels(_view(snapshots, FIB)),
        "swing_levels": traps.get("levels", []),
        "hf_mode": {"on": bool(highfreq.get("hf_mode")),
                    "since_ms": highfreq.get("hf_mode_since_ms"),
                    "spans": hf_spans(events, now_ms)},
        "regime": {"threshold": _view(snapshots, THRESHOLD).get("regime"),
                   "timeframes": regimes(_view(snapshots, TREND))},
        "prediction": {key: prediction.get(key) for key in
                       ("status", "prediction", "direction", "confidence", "p_up", "p_down",
                        "p_neither", "horizon_bars", "bar_open_ms", "model_version")}
        if prediction else None,
        "orderflow": flow,
    }
