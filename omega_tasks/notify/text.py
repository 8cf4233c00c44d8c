"""A short human text per event kind: what happened, where, at what price, when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from omega_tasks.messages import Event

# What each kind means in a few words; a kind not listed reads as "detector kind".
HEADLINES = {
    "bull_trap": "Bull trap", "bear_trap": "Bear trap",
    "liquidity_grab_high": "Liquidity grab above a swing high",
    "liquidity_grab_low": "Liquidity grab below a swing low",
    "hf_mode_on": "High-frequency trap mode on", "hf_mode_off": "High-frequency trap mode off",
    "absorption": "Absorption", "liquidity_pulled": "Liquidity pulled",
    "cvd_divergence": "CVD divergence", "liquidation_cascade": "Liquidation cascade",
    "regime_change": "Regime change", "leg": "New Fibonacci leg", "golden_leg": "Golden-ratio leg",
    "zone_formed": "Fibonacci confluence zone formed", "zone_broken": "Fibonacci zone broken",
    "touch": "Fibonacci level touched", "reaction": "Reaction at a Fibonacci level",
    "prediction_change": "Trend model changed its call",
    "prediction_stopped": "Trend model stopped predicting",
    "gap": "Trade-id gap in the feed", "stale": "Feed went stale",
    "history_gap": "Analysis restarted after a history gap",
}
# Evidence fields naming the price an event happened at, most telling first.
PRICE_FIELDS = ("trigger_price", "price", "close", "level", "wall_price")
LEVEL_FIELDS = ("level", "wall_price")


def event_text(event: Event, dashboard_url: str = "") -> str:
    """Return one or two lines a person reads in a chat."""
    ev = event.evidence
    what = HEADLINES.get(event.kind, f"{event.detector} {event.kind.replace('_', ' ')}")
    parts = [f"{what} on {event.exchange} {event.symbol}"]
    price = _first(ev, PRICE_FIELDS)
    if price is not None:
        parts.append(f"at {_number(price)}")
    level = _first(ev, LEVEL_FIELDS)
    if level is not None and level != price:
        parts.append(f"(level {_number(level)})")
    if event.kind == "regime_change":
        parts.append(f"{ev.get('timeframe', '')}: {ev.get('from')} → {ev.get('to')}")
    if isinstance(ev.get("confidence"), int | float):
        parts.append(f"confidence {ev['confidence']:.2f}")
    when = datetime.fromtimestamp(event.time_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = " ".join(parts) + f" — {when}"
    if dashboard_url:
        text += f"\n{dashboard_url.rstrip('/')}/?exchange={event.exchange}&symbol={event.symbol}"
    return text


def alert_text(alert: dict[str, Any]) -> str:
    """Return the text of a fleet alert from Alertmanager."""
    status = "RESOLVED" if alert.get("status") == "resolved" else "FIRING"
    labels = alert.get("labels", {})
    notes = alert.get("annotations", {})
    head = f"[{status}] {labels.get('alertname', 'alert')}"
    if labels.get("severity"):
        head += f" ({labels['severity']})"
    detail = notes.get("summary") or notes.get("description") or ""
    return f"{head}: {detail}" if detail else head


def held_back_text(counts: dict[str, int]) -> str:
    """Return the summary of notices a rate limit held back."""
    total = sum(counts.values())
    listed = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items(), key=lambda x: -x[1]))
    return f"{total} more held back by the rate limit: {listed}"


def _first(evidence: dict[str, Any], names: tuple[str, ...]) -> float | None:
    for name in names:
        value = evidence.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def _number(value: float) -> str:
    return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.6g}"
