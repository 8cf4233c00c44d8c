"""The demo summary's lines on the trend model: which model, what it scored, what it said."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from omega_tasks.messages import Event
from omega_tasks.models import ModelStore
from omega_tasks.names import PREDICTION, SymbolKeys
from omega_tasks.store import Store


def _utc(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f} %"


def model_lines(store: Store, k: SymbolKeys, events: Sequence[Event]) -> list[str]:
    """Describe the newest model of ``k`` and the predictions made."""
    card = ModelStore(store.redis).card(k)
    if card is None:
        return ["", "Trend model: none trained (too few stored bars); no predictions"]
    lines = [
        "",
        f"Trend model v{card.version}: {card.rows:,} training rows from "
        f"{_utc(card.trained_from_ms)} to {_utc(card.trained_until_ms)} UTC; "
        f"predicts until {_utc(card.expires_ms)} UTC",
    ]
    metrics = card.metrics
    if metrics.get("blocks"):
        o = metrics["overall"]
        lines.append(
            f"  walk-forward, {metrics['blocks']} blocks of {metrics['test_bars']} bars: "
            f"balanced accuracy {_pct(o['model']['balanced_accuracy'])} (majority "
            f"{_pct(o['majority']['balanced_accuracy'])}, persistence "
            f"{_pct(o['persistence']['balanced_accuracy'])}); directional "
            f"{_pct(o['model']['directional'])} (chance 50 %)")
    else:
        lines.append(f"  walk-forward: {metrics.get('note', 'not measured')}")
    said = Counter(str(e.evidence.get("to")) for e in events
                   if e.detector == PREDICTION and e.kind == "prediction_change")
    stops = [e for e in events if e.detector == PREDICTION and e.kind == "prediction_stopped"]
    runs = ", ".join(f"{cls} {n}" for cls, n in sorted(said.items())) or "none"
    lines.append(f"  prediction changes: {runs}"
                 + (f"; stopped at {_utc(stops[-1].time_ms)} UTC "
                    f"({stops[-1].evidence.get('reason')})" if stops else ""))
    return lines
