"""``omega evaluate orderflow``: does price move the way an order-flow event says?

Each event claims a direction (its evidence's ``direction``): absorbed buyers say down,
pulled bid liquidity down, a CVD divergence at a swing high down, a cascade of long
liquidations down. Two measures, both from the event's time on:

- the **next mid move**: the mid price (the trade price where the data has no quotes)
  1 s, 10 s and 60 s later against the mid in force at the event, in basis points, signed
  by the claim. Against, at the same times: the **last trade's side** (the claim that the
  last aggressor goes on) and **queue imbalance alone** (the claim that price moves to the
  thinner side); and the event's claims at **random times** of the same data;
- the **reversal measure** of ``omega evaluate traps``: price moves one dynamic threshold
  the claimed way before one the other way, within the horizon; here also for grabs and
  traps with and without absorption or a CVD divergence in their evidence.

Intervals are 95 % from the circular block bootstrap over time of ``evaluation.bootstrap``
(blocks of four of the measure's longest horizon, 4 minutes and 4 · ``--horizon-min``, so
events whose outcomes overlap count as the correlated evidence they are); a verdict tests the
difference event − baseline, with Benjamini–Hochberg across the rows of its table. Tick CSVs
have no book: only the flow events (absorption, divergence) and the trade-price measures
apply there.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from omega_tasks.core.analysis import Fold
from omega_tasks.core.flow import ABSORPTION, CASCADE, DIVERGENCE
from omega_tasks.core.sweeps import TRAP_KINDS, SweepAnalysis, SweepParams
from omega_tasks.core.traps import GRAB, TRAP
from omega_tasks.core.types import Finding
from omega_tasks.core.walls import PULLED
from omega_tasks.evaluation.bootstrap import Estimate, Timeline
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import (
    Signal,
    baseline,
    decided,
    evaluate,
    first_edge,
    first_share,
    thresholds,
    timeline,
)
from omega_tasks.evaluation.stats import (
    basis_points,
    corrected,
    percent,
    points,
    table,
    verdicts,
)

NAME = "orderflow"
HELP = "order-flow events: the next mid move and reversals, against simpler signals"
KINDS = (ABSORPTION, PULLED, DIVERGENCE, CASCADE)
HORIZONS_S = (1, 10, 60)
BLOCK_HORIZONS = 4  # bootstrap blocks span four of the longest horizon, as elsewhere


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--klines", type=Path, default=None,
                        help="candle CSV to start warm from (the candles before the first trade)")
    parser.add_argument("--symbol", default=None,
                        help="the recording's symbol to evaluate (default: most trades)")
    parser.add_argument("--horizon-min", type=int, default=30,
                        help="minutes to wait for a one-threshold move (reversal measure)")
    parser.add_argument("--draws", type=int, default=20, help="random times per event")
    parser.add_argument("--seed", type=int, default=0)


@dataclass(frozen=True, slots=True)
class Mids:
    """The mid price in force at any time: quotes' mids, or trade prices without quotes."""

    times: np.ndarray
    prices: np.ndarray
    from_quotes: bool

    @classmethod
    def of(cls, data: MarketData) -> Mids:
        if data.quotes:
            q = data.quotes
            return cls(np.array([x.time_ms for x in q], dtype=np.int64),
                       np.array([(x.bid + x.ask) / 2 for x in q]), True)
        return cls(np.asarray(data.trades.times_ms, dtype=np.int64),
                   np.asarray(data.trades.prices, dtype=float), False)

    def at(self, times_ms: np.ndarray) -> np.ndarray:
        """The mid in force at each time (NaN before the first)."""
        i = np.searchsorted(self.times, times_ms, side="right") - 1
        return np.where(i >= 0, self.prices[np.maximum(i, 0)], np.nan)

    def moves_bps(self, times_ms: np.ndarray, directions: np.ndarray, horizon_s: int
                  ) -> np.ndarray:
        """Signed mid moves over the horizon; NaN where it outlasts the data."""
        later = times_ms + horizon_s * 1000
        move = (self.at(later) / self.at(times_ms) - 1.0) * 1e4 * directions
        return np.where(later <= self.times[-1], move, np.nan)


def detect(data: MarketData, params: SweepParams) -> list[Finding]:
    """Fold the data through the sweep detector, warm from its history; all it found."""
    fold = Fold.start(SweepAnalysis(params), data.history)
    return fold.feed(data.trades, data.liquidations, None, data.quotes, data.books)


def run(data: MarketData, args: argparse.Namespace) -> str:
    params = SweepParams()
    found = detect(data, params)
    mids = Mids.of(data)
    hours = (data.trades.times_ms[-1] - data.trades.times_ms[0]) / 3_600_000
    head = (f"{data.source}: {hours:.1f} h, {len(data.trades):,} trades, {len(data.quotes):,} "
            f"quotes, {len(data.books):,} book samples, {len(data.liquidations):,} liquidations"
            f"{'' if data.history else '; no warm-up candles'}; mid from "
            f"{'quotes' if mids.from_quotes else 'trade prices'}; {args.draws} random times per "
            f"event")
    return "\n\n".join([head, mid_table(data, found, mids, args),
                        reversal_table(data, found, params, args)])


def mid_table(data: MarketData, found: Sequence[Finding], mids: Mids,
              args: argparse.Namespace) -> str:
    rng = np.random.default_rng(args.seed)
    trade_times = np.asarray(data.trades.times_ms, dtype=np.int64)
    first, last = int(min(trade_times[0], mids.times[0])), int(max(trade_times[-1], mids.times[-1]))
    line = Timeline(first, last, BLOCK_HORIZONS * max(HORIZONS_S) // 60, seed=args.seed)
    sides = np.asarray(data.trades.sides, dtype=float)
    imbalance = np.array([q.imbalance for q in data.quotes]) if data.quotes else None
    rows, edges = [], []
    for kind in KINDS:
        events = [f for f in found if f.kind == kind]
        times = np.array([f.time_ms for f in events], dtype=np.int64)
        directions = np.array([f.evidence["direction"] for f in events], dtype=float)
        last_side = sides[np.maximum(np.searchsorted(trade_times, times, side="right") - 1, 0)]
        queue = None
        if imbalance is not None:
            at = np.searchsorted(mids.times, times, side="right") - 1
            queue = np.where(at >= 0, np.sign(imbalance[np.maximum(at, 0)]), np.nan)
        random_times = rng.integers(mids.times[0], mids.times[-1], size=len(times) * args.draws)
        random_directions = np.repeat(directions, args.draws)
        for horizon in HORIZONS_S:
            mine = _finite(times, mids.moves_bps(times, directions, horizon))
            them = _finite(random_times, mids.moves_bps(random_times, random_directions, horizon))
            side = _finite(times, mids.moves_bps(times, last_side, horizon))
            by_queue = (None if queue is None
                        else _finite(times, mids.moves_bps(times, queue, horizon)))
            rows.append([kind, f"{horizon} s", f"{len(mine[0]):,}",
                         basis_points(line.mean(*mine)), basis_points(line.mean(*side)),
                         "no quotes" if by_queue is None
                         else basis_points(line.mean(*by_queue)),
                         basis_points(line.mean(*them)), ""])
            edges.append(line.difference(*mine, *them))
    tested = _verdicts(rows, edges)
    return (f"Next mid move, basis points the claimed way (mean [95 %]); last trade side and "
            f"queue imbalance at the events' times; {line.describe()}; "
            f"{corrected(tested)}\n\n" + table(
                ["event", "after", "scored", "event's claim", "last trade's side",
                 "queue imbalance", "claim at random times", "beats random"], rows))


def reversal_table(data: MarketData, found: Sequence[Finding], params: SweepParams,
                   args: argparse.Namespace) -> str:
    trades = data.trades
    horizon_ms = args.horizon_min * 60_000
    line = timeline(trades, BLOCK_HORIZONS * args.horizon_min, args.seed)
    in_force = thresholds(trades, params.threshold, data.history)
    ids = np.asarray(trades.ids, dtype=np.int64)
    times = np.asarray(trades.times_ms, dtype=np.int64)
    scored: list[tuple[Finding, Signal]] = []
    for f in found:
        if f.kind not in KINDS and f.kind not in TRAP_KINDS:
            continue
        i = min(int(np.searchsorted(ids, f.trade_id)), len(ids) - 1)
        if np.isfinite(in_force[i]) and times[i] + horizon_ms <= times[-1]:
            scored.append((f, Signal(f.kind, i, int(f.evidence["direction"]),
                                     float(in_force[i]))))
    outcomes = evaluate(trades, [s for _, s in scored], horizon_ms)
    rows, edges = [], []

    def pick(keep: Callable[[Finding], bool]) -> tuple[np.ndarray, np.ndarray, list[Signal]]:
        chosen = [n for n, (f, _) in enumerate(scored) if keep(f)]
        signals = [scored[n][1] for n in chosen]
        return times[[s.index for s in signals]].astype(np.int64), outcomes[chosen], signals

    for kind in KINDS:
        at, mine, signals = pick(_of_kind(kind))
        picks, random = baseline(trades, signals, horizon_ms, in_force, args.draws, args.seed)
        rows.append([kind, "random times", f"{len(decided(at, mine)[0]):,}",
                     percent(first_share(line, at, mine)),
                     percent(first_share(line, times[picks], random)), "", ""])
        edges.append(first_edge(line, at, mine, times[picks], random))
    for label, kinds in (("grabs", set(GRAB.values())), ("traps", set(TRAP.values()))):
        for evidence, has in (("absorption", _absorbed), ("CVD divergence", _diverged)):
            at_with, with_it, _ = pick(_having(kinds, has, True))
            at_without, without, _ = pick(_having(kinds, has, False))
            rows.append([f"{label} with {evidence}", f"{label} without",
                         f"{len(decided(at_with, with_it)[0]):,} / "
                         f"{len(decided(at_without, without)[0]):,}",
                         percent(first_share(line, at_with, with_it)),
                         percent(first_share(line, at_without, without)), "", ""])
            edges.append(first_edge(line, at_with, with_it, at_without, without))
    for row, edge in zip(rows, edges, strict=True):
        row[5] = points(edge)
    tested = _verdicts(rows, edges)
    return (f"Reversal: one threshold the claimed way before one the other way, within "
            f"{args.horizon_min} min (share reversed first among those that did either); "
            f"{line.describe()}; {corrected(tested)}\n\n"
            + table(["events", "against", "scored", "reversed first", "baseline",
                     "difference", "better"], rows))


def _of_kind(kind: str) -> Callable[[Finding], bool]:
    return lambda f: f.kind == kind


def _having(kinds: set[str], has: Callable[[Finding], bool], wanted: bool
            ) -> Callable[[Finding], bool]:
    return lambda f: f.kind in kinds and has(f) == wanted


def _finite(times: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The times and values where a value was measured (its horizon inside the data)."""
    keep = np.isfinite(values)
    return times[keep], values[keep]


def _absorbed(f: Finding) -> bool:
    flow = f.evidence.get("orderflow") or {}
    return flow.get("absorption") is not None


def _diverged(f: Finding) -> bool:
    flow = f.evidence.get("orderflow") or {}
    return bool((flow.get("cvd_divergence") or {}).get("diverges"))


def _verdicts(rows: list[list[str]], edges: list[Estimate]) -> int:
    """Put each row's verdict in its last cell; return how many rows were tested."""
    words, tested = verdicts(edges)
    for row, word in zip(rows, words, strict=True):
        row[-1] = word
    return tested
