"""The demo chart: 1m candles, the dynamic-threshold band, and every event that exists.

Each detector may add its own drawing (levels, zones, shading) through ``layers``; events
of any kind without one are still drawn, as a marker at the trigger, so nothing is hidden.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from omega_tasks.core.threshold import ThresholdParams, threshold_path
from omega_tasks.core.types import Bar, TopOfBook
from omega_tasks.messages import Event
from omega_tasks.report.layers import LAYERS
from omega_tasks.report.layers.orderflow import flow_panel
from omega_tasks.report.panels import Panels
from omega_tasks.simulation.params import Simulation

MARKERS = itertools.cycle("v^osDP*Xhd<>")
COLOURS = itertools.cycle(f"C{i}" for i in range(10))


def _when(ms: Sequence[int] | np.ndarray) -> np.ndarray:
    return np.array([datetime.fromtimestamp(m / 1000, UTC) for m in ms])


def threshold_band(bars: Sequence[Bar], params: ThresholdParams | None = None) -> np.ndarray:
    """Return the threshold in force during each bar, in price (NaN while warming up)."""
    before = np.array([np.nan] + [b.close for b in bars[:-1]])  # the close it was set at
    band: np.ndarray = threshold_path(bars, params)[:-1] * before
    return band


def render(
    path: str,
    bars: Sequence[Bar],
    events: Sequence[Event],
    title: str,
    truth: Simulation | None = None,
    quotes: Sequence[TopOfBook] = (),
) -> None:
    """Draw bars and events to a PNG at ``path``, with a simulation's ground truth if given;
    the order-flow panel shows the CVD and, from ``quotes``, the queue imbalance."""
    if not bars:
        raise ValueError("no bars to draw")
    fig, (ax, strip, flow) = plt.subplots(
        3, 1, figsize=(16, 10), sharex=True, gridspec_kw={"height_ratios": [5, 1, 1]}
    )
    panels = Panels(price=ax, strip=strip, bars=list(bars), flow=flow)
    _candles(ax, bars)
    _band(ax, bars)
    _volume(strip, bars)
    flow_panel(panels, quotes)
    if truth is not None:
        _truth(ax, truth)
    by_detector: dict[str, list[Event]] = {}
    for event in events:
        by_detector.setdefault(event.detector, []).append(event)
    for detector, found in sorted(by_detector.items()):
        layer = LAYERS.get(detector)
        if layer is not None:
            layer(panels, found)
        else:
            _markers(panels, found)
    # layers may reach back before the first bar (a level from a warm-up swing): show the bars
    ax.set_xlim(*_when([bars[0].open_ms, bars[-1].close_ms]))
    ax.set_title(title)
    ax.set_ylabel("price")
    ax.legend(loc="upper left", fontsize=8, ncol=3)
    ax.grid(alpha=0.2)
    flow.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _candles(ax: Axes, bars: Sequence[Bar]) -> None:
    x = _when([b.open_ms + 30_000 for b in bars])
    o = np.array([b.open for b in bars])
    c = np.array([b.close for b in bars])
    h = np.array([b.high for b in bars])
    low = np.array([b.low for b in bars])
    up = c >= o
    width = 0.7 / (24 * 60)
    for mask, colour in ((up, "#26a69a"), (~up, "#ef5350")):
        ax.vlines(x[mask], low[mask], h[mask], color=colour, linewidth=0.6)
        ax.bar(x[mask], np.abs(c - o)[mask] + 1e-9, width, np.minimum(o, c)[mask],
               color=colour, linewidth=0)


def _band(ax: Axes, bars: Sequence[Bar]) -> None:
    band = threshold_band(bars)
    prev = np.array([bars[max(i - 1, 0)].close for i in range(len(bars))])
    x = _when([b.open_ms + 30_000 for b in bars])
    ax.fill_between(x, prev - band, prev + band, color="#5c6bc0", alpha=0.12, step="mid",
                    label="dynamic threshold (±thr from last close)")


def _volume(strip: Axes, bars: Sequence[Bar]) -> None:
    x = _when([b.open_ms + 30_000 for b in bars])
    buy = np.array([b.buy_volume for b in bars])
    sell = np.array([b.sell_volume for b in bars])
    width = 0.8 / (24 * 60)
    strip.bar(x, buy, width, color="#26a69a", label="buy volume")
    strip.bar(x, -sell, width, color="#ef5350", label="sell volume")
    strip.set_ylabel("volume")
    strip.legend(loc="upper left", fontsize=7)
    strip.grid(alpha=0.2)


def _truth(ax: Axes, truth: Simulation) -> None:
    """Mark the simulator's injected episodes, so detections can be judged by eye."""
    for n, burst in enumerate(truth.bursts):
        ax.axvspan(_when([burst.start_ms])[0], _when([burst.end_ms])[0], color="#ffb74d",
                   alpha=0.18, label="injected chop burst (truth)" if n == 0 else None)
    for n, sweep in enumerate(truth.sweeps):
        ax.hlines(sweep.level, *_when([sweep.pivot_ms, sweep.reclaim_ms]), color="#616161",
                  linewidth=0.8, linestyle=":")
        ax.scatter(_when([sweep.reclaim_ms]), [sweep.level], s=120, facecolors="none",
                   edgecolors="black", linewidths=1.2, zorder=6,
                   label="injected sweep, at its reclaim (truth)" if n == 0 else None)


def _markers(panels: Panels, events: Sequence[Event]) -> None:
    """Draw events as markers at their trigger, one style per kind."""
    kinds: dict[str, list[Event]] = {}
    for event in events:
        kinds.setdefault(event.kind, []).append(event)
    for kind, found in sorted(kinds.items()):
        x = _when([e.time_ms for e in found])
        y = [panels.price_at(e) for e in found]
        panels.price.scatter(x, y, marker=next(MARKERS), color=next(COLOURS), s=40, zorder=5,
                             label=f"{found[0].detector}/{kind} ({len(found)})")
