"""``omega evaluate fib``: do prices react at Fibonacci levels more than at arbitrary ratios?

The same analysis runs twice over the data: once with the Fibonacci ratios, once with
shuffled ones (0.25, 0.45, 0.70 and, for extensions, 1.15, 1.45). For each ratio: touches
per day and the share of touches followed by a reaction of one dynamic threshold within the
reaction window; then confluence zones against single levels, for both sets. A ratio is worth
something only where it beats the shuffled ones: each Fibonacci retracement against the
shuffled retracements together (extensions likewise), levels, zones and strong zones against
their shuffled counterparts, on the difference of shares, with intervals from a block
bootstrap over time (touches cluster) and verdicts corrected across the table's rows
(Benjamini–Hochberg). Last, the leg
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
from omega_tasks.evaluation.bootstrap import NOTHING, Estimate, Timeline
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import timeline
from omega_tasks.evaluation.stats import corrected, percent, points, table, verdicts

NAME = "fib"
HELP = "touches and reactions at Fibonacci ratios against shuffled ratios"
SHUFFLED = (0.25, 0.45, 0.70, 1.15, 1.45)
NEIGHBOURS = {0.618: (0.55, 0.70), 1.618: (1.45, 1.80)}
GOLDEN_TOLERANCE = 0.03
BLOCK_MIN = 120


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TouchParams()
    parser.add_argument("--reaction-bars", type=int, default=defaults.reaction_bars,
                        help="1m bars a reaction may take after the touch's bar")
    parser.add_argument("--touch-atr", type=float, default=defaults.touch_atr,
                        help="how near counts as a touch, in ATR14 (1m)")
    parser.add_argument("--block-min", type=int, default=BLOCK_MIN,
                        help="bootstrap block length in minutes")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")


@dataclass(frozen=True, slots=True)
class Touch:
    """One touch and whether a reaction followed."""

    target: str
    ratios: tuple[float, ...]
    timeframes: tuple[str, ...]
    score: float
    reacted: bool
    time_ms: int


def touches(findings: Sequence[Finding], until_ms: int) -> list[Touch]:
    """Pair each touch with its reaction; drop touches whose window outlasts the data."""
    reacted = {f.key for f in findings if f.kind == "reaction"}
    return [
        Touch(f.evidence["target"], tuple(f.evidence["ratios"]), tuple(f.evidence["timeframes"]),
              f.evidence["score"], f"{f.key}:{f.trade_id}" in reacted, f.time_ms)
        for f in findings if f.kind == "touch" and f.time_ms <= until_ms
    ]


def leg_ratios(findings: Sequence[Finding]) -> list[tuple[int, float]]:
    """Ratios |C − B| / |B − A| of consecutive legs of each timeframe (a leg that starts
    where the previous one ended; a moved end replaces the leg instead), with the time of the
    leg that completes each."""
    last: dict[str, tuple[float, float]] = {}
    ratios = []
    for f in findings:
        if f.kind != "leg":
            continue
        ev = f.evidence
        leg = (ev["start_price"], ev["end_price"])
        prev = last.get(ev["timeframe"])
        if prev is not None and prev[1] == leg[0] and prev[0] != prev[1]:
            ratios.append((f.time_ms, abs(leg[1] - leg[0]) / abs(prev[1] - prev[0])))
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
    line = timeline(trades, args.block_min, args.seed)
    groups = {name: _groups(name, ratios, touches(found[name], until_ms))
              for name, ratios in (("fibonacci", RATIOS), ("shuffled", SHUFFLED))}
    scored = []
    for name, group in groups.items():
        for label, seen in group.items():
            base = groups["shuffled"].get(_counterpart(label)) if name == "fibonacci" else None
            scored.append(_row(line, f"{name}{label}", seen, base, days))
    said, tested = verdicts([edge for _, edge in scored])
    rows = [[*cells, word] for (cells, _), word in zip(scored, said, strict=True)]
    head = (f"{data.source} ({'candles, 4-point path' if data.from_candles else 'trades'}), "
            f"{days:.1f} days, {len(trades):,} trades; touch within {args.touch_atr:g}·ATR14, "
            f"reaction: one threshold within {args.reaction_bars} bars; 95 % intervals: "
            f"{line.describe()}, seed {args.seed}; {corrected(tested)}; a ratio's baseline is "
            f"the shuffled ratios of its kind (retracements, extensions) together")
    touch_table = table(["ratio / target", "touches/day", "reacted (95 %)", "shuffled (95 %)",
                         "difference, points", "beats shuffled"], rows)
    return "\n\n".join([head, touch_table, _golden_table(found["fibonacci"], days, line)])


def _groups(name: str, ratios: Sequence[float], seen: Sequence[Touch]) -> dict[str, list[Touch]]:
    """The touches of each row of one ratio set, by row label (after the set's name)."""
    singles = [t for t in seen if t.target == "level"]
    zones = [t for t in seen if t.target == "zone"]
    groups = {f" {ratio:g}": [t for t in singles if t.ratios == (ratio,)] for ratio in ratios}
    if name == "shuffled":
        groups[": retracements"] = [t for t in singles if t.ratios[0] < 1]
        groups[": extensions"] = [t for t in singles if t.ratios[0] > 1]
    groups[": single levels"] = singles
    groups[": confluence zones"] = zones
    groups[": zones scoring ≥ 3"] = [t for t in zones if t.score >= 3]
    return groups


def _counterpart(label: str) -> str:
    """The shuffled row a Fibonacci row is measured against."""
    if label.startswith(" "):
        return ": retracements" if float(label) < 1 else ": extensions"
    return label


def _row(line: Timeline, label: str, seen: Sequence[Touch], base: Sequence[Touch] | None,
         days: float) -> tuple[list[str], Estimate]:
    def parts(touched: Sequence[Touch]) -> tuple[list[int], list[float]]:
        return [t.time_ms for t in touched], [float(t.reacted) for t in touched]

    mine = line.mean(*parts(seen))
    if base is None:
        return [label, f"{len(seen) / days:.1f}", percent(mine), "", ""], NOTHING
    edge = line.difference(*parts(seen), *parts(base))
    return [label, f"{len(seen) / days:.1f}", percent(mine), percent(line.mean(*parts(base))),
            points(edge)], edge


def _golden_table(findings: Sequence[Finding], days: float, line: Timeline) -> str:
    """How often leg ratios fall near each golden ratio and near its neighbours, and whether
    the golden one is more common (the same legs, redrawn together)."""
    legs = leg_ratios(findings)
    times = [t for t, _ in legs]
    golden: defaultdict[float, int] = defaultdict(int)
    for f in findings:
        if f.kind == "golden_leg":
            golden[f.evidence["golden"]] += 1

    def near(r: float) -> list[float]:
        return [float(abs(x / r - 1) <= GOLDEN_TOLERANCE) for _, x in legs]

    scored: list[tuple[list[str], Estimate]] = []
    for target, neighbours in NEIGHBOURS.items():
        scored.append(([f"{target:g} (golden, {golden[target] / days:.1f}/day)",
                        percent(line.mean(times, near(target))), ""], NOTHING))
        for r in neighbours:
            edge = line.difference(times, near(target), times, near(r))
            scored.append(([f"{r:g}", percent(line.mean(times, near(r))), points(edge)], edge))
    said, tested = verdicts([edge for _, edge in scored])
    rows = [[*cells, word] for (cells, _), word in zip(scored, said, strict=True)]
    return (f"leg ratios; {corrected(tested)}\n\n"
            + table([f"leg ratio within ±3 % of ({len(legs):,} legs)", "share of legs (95 %)",
                     "golden minus this, points", "golden more common"], rows))
