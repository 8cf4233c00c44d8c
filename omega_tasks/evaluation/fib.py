"""``omega evaluate fib``: do prices react at Fibonacci levels more than at arbitrary ratios?

The same analysis runs twice over the data: once with the Fibonacci ratios, once with
shuffled ones (0.25, 0.45, 0.70 and, for extensions, 1.15, 1.45). For each ratio: touches
per day and the share of touches followed by a reaction of one dynamic threshold within the
reaction window, with its 95 % interval; then confluence zones against single levels, for
both sets. A ratio is worth something only where it beats the shuffled ones. Last, the leg
ratios: how often |C − B| / |B − A| falls within ±3 % of a golden ratio, against within ±3 %
of its neighbours.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from omega_tasks.core.analysis import Fold
from omega_tasks.core.fib_analysis import FibAnalysis, TouchParams
from omega_tasks.core.fibonacci import RATIOS, FibParams
from omega_tasks.core.types import MINUTE_MS, Finding
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.stats import share, table

NAME = "fib"
HELP = "touches and reactions at Fibonacci ratios against shuffled ratios"
SHUFFLED = (0.25, 0.45, 0.70, 1.15, 1.45)
NEIGHBOURS = {0.618: (0.55, 0.70), 1.618: (1.45, 1.80)}
GOLDEN_TOLERANCE = 0.03


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TouchParams()
    parser.add_argument("--reaction-bars", type=int, default=defaults.reaction_bars,
                        help="1m bars a reaction may take after the touch's bar")
    parser.add_argument("--touch-atr", type=float, default=defaults.touch_atr,
                        help="how near counts as a touch, in ATR14 (1m)")


@dataclass(frozen=True, slots=True)
class Touch:
    """One touch and whether a reaction followed."""

    target: str
    ratios: tuple[float, ...]
    timeframes: tuple[str, ...]
    score: float
    reacted: bool


def touches(findings: Sequence[Finding], until_ms: int) -> list[Touch]:
    """Pair each touch with its reaction; drop touches whose window outlasts the data."""
    reacted = {f.key for f in findings if f.kind == "reaction"}
    return [
        Touch(f.evidence["target"], tuple(f.evidence["ratios"]), tuple(f.evidence["timeframes"]),
              f.evidence["score"], f"{f.key}:{f.trade_id}" in reacted)
        for f in findings if f.kind == "touch" and f.time_ms <= until_ms
    ]


def leg_ratios(findings: Sequence[Finding]) -> list[float]:
    """Ratios |C − B| / |B − A| of consecutive legs of each timeframe (a leg that starts
    where the previous one ended; a moved end replaces the leg instead)."""
    last: dict[str, tuple[float, float]] = {}
    ratios = []
    for f in findings:
        if f.kind != "leg":
            continue
        ev = f.evidence
        leg = (ev["start_price"], ev["end_price"])
        prev = last.get(ev["timeframe"])
        if prev is not None and prev[1] == leg[0] and prev[0] != prev[1]:
            ratios.append(abs(leg[1] - leg[0]) / abs(prev[1] - prev[0]))
        last[ev["timeframe"]] = leg
    return ratios


def run(data: MarketData, args: argparse.Namespace) -> str:
    trades = data.trades
    touch = TouchParams(args.touch_atr, args.reaction_bars)
    until_ms = trades.times_ms[-1] - (args.reaction_bars + 1) * MINUTE_MS
    days = (trades.times_ms[-1] - trades.times_ms[0]) / 86_400_000
    found = {
        "fibonacci": Fold(FibAnalysis(FibParams(), touch)).feed(trades),
        "shuffled": Fold(FibAnalysis(FibParams(ratios=SHUFFLED), touch)).feed(trades),
    }
    rows = []
    for name, ratios in (("fibonacci", RATIOS), ("shuffled", SHUFFLED)):
        seen = touches(found[name], until_ms)
        singles = [t for t in seen if t.target == "level"]
        for ratio in ratios:
            rows.append(_row(f"{name} {ratio:g}", [t for t in singles if t.ratios == (ratio,)],
                             days))
        rows.append(_row(f"{name}: single levels", singles, days))
        zones = [t for t in seen if t.target == "zone"]
        rows.append(_row(f"{name}: confluence zones", zones, days))
        rows.append(_row(f"{name}: zones scoring ≥ 3", [t for t in zones if t.score >= 3], days))
    head = (f"{data.source} ({'candles, 4-point path' if data.from_candles else 'trades'}), "
            f"{days:.1f} days, {len(trades):,} trades; touch within {args.touch_atr:g}·ATR14, "
            f"reaction: one threshold within {args.reaction_bars} bars")
    touch_table = table(["ratio / target", "touches/day", "reacted (95 % interval)"], rows)
    return "\n\n".join([head, touch_table, _golden_table(found["fibonacci"], days)])


def _row(label: str, seen: Sequence[Touch], days: float) -> list[str]:
    return [label, f"{len(seen) / days:.1f}", share(sum(t.reacted for t in seen), len(seen))]


def _golden_table(findings: Sequence[Finding], days: float) -> str:
    ratios = leg_ratios(findings)
    golden: defaultdict[float, int] = defaultdict(int)
    for f in findings:
        if f.kind == "golden_leg":
            golden[f.evidence["golden"]] += 1
    rows = []
    for target, neighbours in NEIGHBOURS.items():
        for r in (target, *neighbours):
            near = sum(1 for x in ratios if abs(x / r - 1) <= GOLDEN_TOLERANCE)
            label = f"{r:g} (golden, {golden[target] / days:.1f}/day)" if r == target else f"{r:g}"
            rows.append([label, share(near, len(ratios))])
    return table([f"leg ratio within ±3 % of ({len(ratios):,} legs)", "share of legs"], rows)
