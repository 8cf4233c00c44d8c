"""``omega evaluate traps``: do grabs, traps and burst mode reverse more often than chance?

Each event claims a direction: a grab or trap of a swing high says down (``direction`` in its
evidence), of a swing low up; ``hf_mode_on`` says the move of the burst window before it
will turn. Its outcome is whether price then moved one dynamic threshold (the one in force,
regime included) that way before moving one threshold the other way, within the horizon.
The baseline is the same measure at random trades of the same data, with the events'
directions and the threshold in force there. Events whose horizon outlasts the data, or
that fired before the threshold was warm, are left out of both. Each row's edge is its share
minus the baseline's, with an interval from a block bootstrap over time (events cluster) and a
verdict corrected across the table's rows (Benjamini–Hochberg). ``--entry close`` measures
from the close of the trigger's minute (and draws random minute closes): on candles a grab's
trigger is a synthetic point, often the bar's extreme, and the close is what was traded.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from omega_tasks.core.analysis import Fold
from omega_tasks.core.highfreq import OFF, ON
from omega_tasks.core.sweeps import TRAP_KINDS, SweepAnalysis, SweepParams
from omega_tasks.core.threshold import ThresholdParams
from omega_tasks.core.traps import GRAB, TRAP, TrapParams
from omega_tasks.core.types import Finding, Trades
from omega_tasks.evaluation.bootstrap import NOTHING, Estimate
from omega_tasks.evaluation.data import MarketData
from omega_tasks.evaluation.forward import (
    Signal,
    baseline,
    evaluate,
    first_edge,
    first_share,
    thresholds,
    timeline,
)
from omega_tasks.evaluation.stats import corrected, percent, points, table, verdicts

NAME = "traps"
HELP = "grabs, traps and burst mode: reversal by one threshold first, against random times"
KINDS = (*GRAB.values(), *TRAP.values(), ON)
BLOCK_MIN = 120  # four horizons: outcomes overlap within one, volatility clusters beyond it


def add_arguments(parser: argparse.ArgumentParser) -> None:
    traps, threshold = TrapParams(), ThresholdParams()
    parser.add_argument("--horizon-min", type=int, default=30, help="minutes to wait for a move")
    parser.add_argument("--draws", type=int, default=20, help="random times per event")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--block-min", type=int, default=BLOCK_MIN,
                        help="bootstrap block length in minutes")
    parser.add_argument("--entry", choices=("trade", "close"), default="trade",
                        help="measure from the trigger trade, or from the close of its minute "
                             "(random times then fall on minute closes too)")
    parser.add_argument("--trap-bars", type=int, default=traps.trap_bars,
                        help="bars a bull/bear trap may take to close back inside")
    parser.add_argument("--epsilon-atr", type=float, default=traps.epsilon_atr,
                        help="how far beyond a level a sweep must trade, in ATR14")
    parser.add_argument("--k", type=float, default=threshold.k,
                        help="threshold multiplier k in [1, 2]")


@dataclass(frozen=True, slots=True)
class Claim:
    """An event as a directional signal, with its evidence."""

    signal: Signal
    evidence: Mapping[str, Any]

    @property
    def grab(self) -> bool:
        return self.signal.kind in GRAB.values()

    @property
    def trap(self) -> bool:
        return self.signal.kind in TRAP.values()


def detect(trades: Trades, params: SweepParams) -> list[Finding]:
    """Run the sweep detector over the trades: its grabs, traps and mode changes (its
    order-flow events are ``omega evaluate orderflow``'s)."""
    found = Fold(SweepAnalysis(params)).feed(trades)
    return sorted((f for f in found if f.kind in TRAP_KINDS or f.kind in (ON, OFF)),
                  key=lambda f: (f.trade_id, f.kind))


def minute_closes(trades: Trades) -> np.ndarray:
    """Return the index of the last trade of each minute that traded."""
    minutes = np.asarray(trades.times_ms, dtype=np.int64) // 60_000
    return np.append(np.flatnonzero(np.diff(minutes) != 0), len(minutes) - 1)


def claims(trades: Trades, findings: Sequence[Finding], in_force: np.ndarray,
           horizon_ms: int, window_s: int, entries: np.ndarray | None = None) -> list[Claim]:
    """Turn events into signals; drop those without a threshold or a full horizon.

    With ``entries`` (sorted trade indices, e.g. minute closes) a signal is entered at the
    first of them at or after its trigger instead of at the trigger.
    """
    ids = np.asarray(trades.ids, dtype=np.int64)
    times = np.asarray(trades.times_ms, dtype=np.int64)
    prices = np.asarray(trades.prices, dtype=float)
    out = []
    for f in findings:
        if f.kind == OFF:
            continue
        i = int(np.searchsorted(ids, f.trade_id))
        if entries is not None:
            i = int(entries[np.searchsorted(entries, i)])
        if not np.isfinite(in_force[i]) or times[i] + horizon_ms > times[-1]:
            continue
        if f.kind == ON:
            before = int(np.searchsorted(times, times[i] - window_s * 1000))
            direction = -int(np.sign(prices[i] - prices[before]))
        else:
            direction = f.evidence["direction"]
        if direction:
            out.append(Claim(Signal(f.kind, i, direction, float(in_force[i])), f.evidence))
    return out


def run(data: MarketData, args: argparse.Namespace) -> str:
    trades = data.trades
    params = SweepParams(threshold=ThresholdParams(k=args.k),
                         traps=TrapParams(epsilon_atr=args.epsilon_atr, trap_bars=args.trap_bars))
    horizon_ms = args.horizon_min * 60_000
    in_force = thresholds(trades, params.threshold)
    found = detect(trades, params)
    entries = minute_closes(trades) if args.entry == "close" else None
    made = claims(trades, found, in_force, horizon_ms, params.burst.window_s, entries)
    outcomes = evaluate(trades, [c.signal for c in made], horizon_ms)
    days = (trades.times_ms[-1] - trades.times_ms[0]) / 86_400_000
    line = timeline(trades, args.block_min, args.seed)
    times = np.asarray(trades.times_ms, dtype=np.int64)
    when = times[[c.signal.index for c in made]] if made else np.zeros(0, dtype=np.int64)

    def row(label: str, keep: Callable[[Claim], bool],
            count: int | None = None) -> tuple[list[str], Estimate]:
        picked = [n for n, c in enumerate(made) if keep(c)]
        signals = [made[n].signal for n in picked]
        at, random = baseline(trades, signals, horizon_ms, in_force, args.draws, args.seed,
                              entries)
        mine = first_share(line, when[picked], outcomes[picked])
        theirs = first_share(line, times[at], random)
        edge = first_edge(line, when[picked], outcomes[picked], times[at], random)
        total = len(picked) if count is None else count
        return [label, f"{total / days:.1f}", f"{len(picked):,}", percent(mine), percent(theirs),
                points(edge)], edge

    scored = [row(kind, of_kind(kind), sum(1 for f in found if f.kind == kind)) for kind in KINDS]
    scored.append(([OFF, f"{sum(1 for f in found if f.kind == OFF) / days:.1f}", "", "", "", ""],
                   NOTHING))
    scored += [
        row("all grabs", lambda c: c.grab),
        row("grabs, confidence ≥ 0.5", lambda c: c.grab and c.evidence["confidence"] >= 0.5),
        row("grabs, confidence < 0.5", lambda c: c.grab and c.evidence["confidence"] < 0.5),
        row("grabs of zigzag swings", lambda c: c.grab and c.evidence["swing"]["source"]
            == "zigzag"),
        row("grabs at a golden level or zone", lambda c: c.grab and c.evidence["fibonacci"]),
        row("all bull/bear traps", lambda c: c.trap),
        row("traps, confidence ≥ 0.5", lambda c: c.trap and c.evidence["confidence"] >= 0.5),
        row("traps at a golden level or zone", lambda c: c.trap and c.evidence["fibonacci"]),
        row("grabs and traps, regime ranging or neutral", lambda c: (c.grab or c.trap) and
            c.evidence["regime"] in ("ranging", "neutral")),
        row("grabs and traps, regime trending or volatile", lambda c: (c.grab or c.trap) and
            c.evidence["regime"] in ("trending", "volatile")),
    ]
    said, tested = verdicts([edge for _, edge in scored])
    rows = [[*cells, word] for (cells, _), word in zip(scored, said, strict=True)]
    head = (f"{data.source} ({'candles, 4-point path' if data.from_candles else 'trades'}), "
            f"{days:.1f} days, {len(trades):,} trades; reversal: one threshold (k = {args.k:g}) "
            f"that way before one the other way, within {args.horizon_min} min; "
            f"trap bars {args.trap_bars}, ε {args.epsilon_atr:g}·ATR14; "
            f"entry at the {'trigger trade' if args.entry == 'trade' else 'minute close'}; "
            f"{args.draws} random times per event; 95 % intervals: {line.describe()}, "
            f"seed {args.seed}; {corrected(tested)}")
    return head + "\n\n" + table(
        ["event", "per day", "scored", "reversed first (95 %)", "random times (95 %)",
         "difference, points (95 %)", "beats random"], rows)


def of_kind(kind: str) -> Callable[[Claim], bool]:
    return lambda c: c.signal.kind == kind
