"""The demo's closing summary: what was fed, how fast, what each analysis found."""

from __future__ import annotations

from collections import Counter
from typing import Any

from feeder.service import FeedReport
from omega_tasks.names import FIB, SymbolKeys
from omega_tasks.report.fib_lines import fib_lines
from omega_tasks.report.market import market_lines
from omega_tasks.report.ml_lines import model_lines
from omega_tasks.simulation.params import Simulation
from omega_tasks.store import Store


def summarise(
    store: Store,
    k: SymbolKeys,
    simulation: Simulation,
    report: FeedReport,
    fed_s: float,
    elapsed_s: float,
) -> str:
    """Return the summary as text."""
    params = simulation.params
    lines = [
        "",
        f"Omega demo: simulated {params.symbol}, seed {params.seed}, "
        f"{params.hours:g} h of market time",
        f"  trades       {report.trades:,} in {report.batches:,} batches",
        f"  fed in       {fed_s:.2f} s  ({report.trades / fed_s:,.0f} trades/s into Redis "
        "and the queues)",
        f"  analysed in  {elapsed_s:.2f} s  ({report.trades / elapsed_s:,.0f} trades/s "
        "through every analysis)",
        f"  1m bars      {store.bar_count(k):,}",
        f"  feed         {report.gaps} gaps, {report.duplicates} duplicates, "
        f"{report.dead_letters} dead letters",
        f"  injected     {len(simulation.sweeps)} sweep-and-reclaim episodes, "
        f"{len(simulation.bursts)} chop bursts (ground truth)",
        "",
        "Events",
    ]
    events = store.events(k)
    counts = Counter((e.detector, e.kind) for e in events)
    if counts:
        width = max(len(f"{d}/{kind}") for d, kind in counts)
        for (detector, kind), n in sorted(counts.items()):
            lines.append(f"  {detector + '/' + kind:<{width}}  {n:>6,}")
    else:
        lines.append("  (none)")
    lines += ["", "Snapshots"]
    for name, (_last_id, view) in store.snapshots(k).items():
        facts = [f"{key}={_short(v)}" for key, v in view.items()
                 if key not in ("analysis", "exchange", "symbol") and _scalar(v)]
        lines.append(f"  {name:<10} " + "  ".join(facts))
    lines += market_lines(store, k)
    lines += fib_lines(store.snapshot(k, FIB), events)
    lines += model_lines(store, k, events)
    return "\n".join(lines)


def _scalar(value: Any) -> bool:
    return isinstance(value, bool | int | float | str) or value is None


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
