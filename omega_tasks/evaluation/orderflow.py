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

Intervals are 95 % from a block bootstrap over time (blocks as long as the measure's
longest horizon, 60 s and ``--horizon-min``, resampled whole, so events whose outcomes
overlap count as the correlated evidence they are); a verdict tests the difference
event − baseline one-sided, with Benjamini–Hochberg across the rows of its table. Tick
CSVs have no book: only the flow events (absorption, divergence) and the trade-price
measures apply there.
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
from omega_tasks.evaluation import resampling
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import Signal, baseline, evaluate, thresholds
from omega_tasks.evaluation.stats import table

NAME = "orderflow"
HELP = "order-flow events: the next mid move and reversals, against simpler signals"
KINDS = (ABSORPTION, PULLED, DIVERGENCE, CASCADE)
HORIZONS_S = (1, 10, 60)


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
    return "\n\n".join([head, mid_table(data, found, mids, max(HORIZONS_S) * 1000, args),
                        reversal_table(data, found, params, args.horizon_min * 60_000, args)])


def mid_table(data: MarketData, found: Sequence[Finding], mids: Mids, block_ms: int,
              args: argparse.Namespace) -> str:
    rng = np.random.default_rng(args.seed)
    trade_times = np.asarray(data.trades.times_ms, dtype=np.int64)
    sides = np.asarray(data.trades.sides, dtype=float)
    imbalance = (np.array([q.imbalance for q in data.quotes]) if data.quotes else None)
    rows, tests = [], []
    for kind in KINDS:
        events = [f for f in found if f.kind == kind]
        times = np.array([f.time_ms for f in events], dtype=np.int64)
        directions = np.array([f.evidence["direction"] for f in events], dtype=float)
        last_side = sides[np.maximum(np.searchsorted(trade_times, times, side="right") - 1, 0)]
        if imbalance is not None:
            at = np.searchsorted(mids.times, times, side="right") - 1
            queue = np.where(at >= 0, np.sign(imbalance[np.maximum(at, 0)]), np.nan)
        span = (mids.times[0], mids.times[-1])
        random_times = rng.integers(*span, size=len(times) * args.draws) if len(times) else times
        random_directions = np.repeat(directions, args.draws)
        for horizon in HORIZONS_S:
            mine = mids.moves_bps(times, directions, horizon)
            them = mids.moves_bps(random_times, random_directions, horizon)
            est = resampling.mean(mine, times, block_ms, args.seed)
            diff = resampling.difference(mine, times, them, random_times, block_ms, args.seed)
            rows.append([kind, f"{horizon} s", f"{est.count:,}", est.text("{:+.2f}"),
                         resampling.mean(mids.moves_bps(times, last_side, horizon), times,
                                         block_ms, args.seed).text("{:+.2f}"),
                         resampling.mean(mids.moves_bps(times, queue, horizon), times, block_ms,
                                         args.seed).text("{:+.2f}")
                         if imbalance is not None else "no quotes",
                         resampling.mean(them, random_times, block_ms, args.seed).text("{:+.2f}"),
                         ""])
            tests.append((len(rows) - 1, diff))
    _verdicts(rows, tests)
    return (f"Next mid move, basis points the claimed way (mean [95 %], {block_ms // 1000} s "
            "blocks); last trade side and queue imbalance are measured at the events' times"
            "\n\n" + table(
                ["event", "after", "scored", "event's claim", "last trade's side",
                 "queue imbalance", "claim at random times", "beats random (BH)"], rows))


def reversal_table(data: MarketData, found: Sequence[Finding], params: SweepParams,
                   block_ms: int, args: argparse.Namespace) -> str:
    trades = data.trades
    horizon_ms = args.horizon_min * 60_000
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
    outcomes = evaluate(trades, [s for _, s in scored], horizon_ms).astype(float)
    rows, tests = [], []

    def pick(keep: Callable[[Finding], bool]) -> tuple[np.ndarray, np.ndarray, list[Signal]]:
        chosen = [n for n, (f, _) in enumerate(scored) if keep(f)]
        signals = [scored[n][1] for n in chosen]
        return (_decided(outcomes[chosen]), times[[s.index for s in signals]].astype(np.int64),
                signals)

    for kind in KINDS:
        mine, at, signals = pick(_of_kind(kind))
        random = baseline(trades, signals, horizon_ms, in_force, args.draws, args.seed)
        random_at = np.repeat(at, args.draws)  # each draw counted in its event's block
        est = resampling.mean(mine, at, block_ms, args.seed)
        rows.append([kind, "random times", f"{est.count:,}", est.text("{:.1%}"),
                     resampling.mean(_decided(random.astype(float)), random_at, block_ms,
                                     args.seed).text("{:.1%}"), "", ""])
        tests.append((len(rows) - 1, resampling.difference(
            mine, at, _decided(random.astype(float)), random_at, block_ms, args.seed)))
    for label, kinds in (("grabs", set(GRAB.values())), ("traps", set(TRAP.values()))):
        for evidence, has in (("absorption", _absorbed), ("CVD divergence", _diverged)):
            with_it, at_with, _ = pick(_having(kinds, has, True))
            without, at_without, _ = pick(_having(kinds, has, False))
            a = resampling.mean(with_it, at_with, block_ms, args.seed)
            b = resampling.mean(without, at_without, block_ms, args.seed)
            rows.append([f"{label} with {evidence}", f"{label} without",
                         f"{a.count:,} / {b.count:,}", a.text("{:.1%}"), b.text("{:.1%}"), "",
                         ""])
            tests.append((len(rows) - 1, resampling.difference(
                with_it, at_with, without, at_without, block_ms, args.seed)))
    for row, diff in tests:
        rows[row][5] = diff.text("{:+.1%}")
    _verdicts(rows, tests)
    return (f"Reversal: one threshold the claimed way before one the other way, within "
            f"{args.horizon_min} min (share reversed first among those that did either; "
            f"{args.horizon_min}-minute blocks)\n\n"
            + table(["events", "against", "scored", "reversed first", "baseline",
                     "difference", "better (BH)"], rows))


def _of_kind(kind: str) -> Callable[[Finding], bool]:
    return lambda f: f.kind == kind


def _having(kinds: set[str], has: Callable[[Finding], bool], wanted: bool
            ) -> Callable[[Finding], bool]:
    return lambda f: f.kind in kinds and has(f) == wanted


def _decided(outcomes: np.ndarray) -> np.ndarray:
    """1.0 reversed first, 0.0 continued first, NaN neither (left out of the share)."""
    return np.where(outcomes == 0, np.nan, (outcomes > 0).astype(float))


def _absorbed(f: Finding) -> bool:
    flow = f.evidence.get("orderflow") or {}
    return flow.get("absorption") is not None


def _diverged(f: Finding) -> bool:
    flow = f.evidence.get("orderflow") or {}
    return bool((flow.get("cvd_divergence") or {}).get("diverges"))


def _verdicts(rows: list[list[str]], tests: list[tuple[int, resampling.Difference]]) -> None:
    """Fill each tested row's last cell: yes / no, by Benjamini–Hochberg at 5 % over the
    table's rows with enough events; say how many rows were tested."""
    testable = [(row, d.p_value) for row, d in tests if d.p_value is not None]
    passed = resampling.benjamini_hochberg([p for _, p in testable])
    for (row, _), yes in zip(testable, passed, strict=True):
        rows[row][-1] = f"yes (of {len(testable)})" if yes else f"no (of {len(testable)})"
    for row, d in tests:
        if d.p_value is None:
            rows[row][-1] = "too few"
