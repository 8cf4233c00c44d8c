"""Injected episodes: sweeps of live swings that are reclaimed, and bursts of chop."""

from __future__ import annotations

import math

import numpy as np

from omega_tasks.core.swings import HIGH, Swing
from omega_tasks.core.types import MINUTE_MS, Bar
from omega_tasks.simulation.params import InjectedBurst, SimulationParams
from omega_tasks.simulation.tape import (
    Array,
    Market,
    Rng,
    draw_trades,
    log_prices,
    merge,
    on_grid,
)

WARMUP_S = 1_500  # no episode before ATR14 and a few swings exist
SEARCH_STEP_S = 30
MIN_AWAY_S = 150  # shortest move away after a reclaim


def schedule(rng: Rng, p: SimulationParams, seconds: int) -> list[tuple[str, int, int]]:
    """Return one slot (kind, first second, end second) per episode, in time order; a sweep,
    which needs minutes, gets a slot three times as long as a burst's."""
    kinds = ["sweep"] * round(p.sweeps_per_hour * p.hours)
    kinds += ["burst"] * round(p.bursts_per_hour * p.hours)
    if not kinds or seconds <= WARMUP_S:
        return []
    kinds = [kinds[k] for k in rng.permutation(len(kinds))]
    ends = np.cumsum([3.0 if kind == "sweep" else 1.0 for kind in kinds])
    edges = (WARMUP_S + np.concatenate(([0.0], ends)) * (seconds - WARMUP_S) / ends[-1]).astype(int)
    return list(zip(kinds, edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def add_burst(mk: Market, lo_s: int, hi_s: int) -> None:
    """Add 30-120 s of rapid reversals at a high trade rate, going nowhere overall."""
    p, rng = mk.p, mk.rng
    duration = min(int(rng.integers(30, 121)), hi_s - lo_s - 20)
    if duration < 30:
        return
    s0 = int(rng.integers(lo_s + 10, hi_s - duration - 9))
    base = mk.rate[s0 : s0 + duration]
    busy = np.maximum(base, mk.rate.mean()) * rng.uniform(4, 8) - base
    mk.tape = merge(mk.tape, draw_trades(rng, p, busy, s0, mk.sd_sec))
    start_ms, end_ms = p.start_ms + s0 * 1000, p.start_ms + (s0 + duration) * 1000
    legs = np.cumsum(rng.uniform(1500, 6000, duration))
    knots_t = np.concatenate(([0], legs[legs < duration * 1000 - 1000], [duration * 1000]))
    amp = rng.uniform(0.5, 1.2) * max(mk.sd_sec[s0] * math.sqrt(60), p.vol_1m)
    knots_x = amp * rng.uniform(0.4, 1.2, len(knots_t)) * np.resize((1.0, -1.0), len(knots_t))
    knots_x[[0, -1]] = 0.0
    mk.zigzags.append((start_ms + knots_t, knots_x))
    mk.bursts.append(InjectedBurst(start_ms, end_ms))


def add_sweep(mk: Market, lo_s: int, hi_s: int) -> None:
    """Find a live swing near the price from the slot's start on, and sweep it."""
    s0 = lo_s + int(mk.rng.integers(0, 60))
    while s0 + MIN_AWAY_S <= hi_s:
        t0 = mk.p.start_ms + s0 * 1000
        # Only the trades since the last folded minute are priced: earlier ones are folded.
        lo, hi = np.searchsorted(mk.tape.t, (mk.folded_ms, t0))
        px = on_grid(log_prices(mk, mk.tape, mk.x_sec, lo, hi), mk.p.tick_size)
        forming = _fold_minutes(mk, mk.tape.t[lo:hi], px, t0 - t0 % MINUTE_MS)
        swing = _pick_swing(mk, forming, 3.0 * mk.atr.value) if mk.atr.ready and hi > lo else None
        if swing and any(_try_sweep(mk, s0, hi_s, swing) for _ in range(4)):
            return
        s0 += SEARCH_STEP_S


def _fold_minutes(mk: Market, t: Array, px: Array, until_ms: int) -> Array:
    """Fold the minutes before ``until_ms`` into 1m bars (as BarClock builds them), swings
    and ATR14, dropping swings traded through; return the prices after ``until_ms``."""
    edges = np.arange(mk.folded_ms, until_ms + 1, MINUTE_MS)
    idx = np.searchsorted(t, edges)
    for m, lo, hi in zip(edges[:-1].tolist(), idx[:-1], idx[1:], strict=True):
        if hi > lo:
            seg = px[lo:hi]
            # OHLC only: volume moves no swing and no ATR.
            bar = Bar(m, float(seg[0]), float(seg.max()), float(seg.min()), float(seg[-1]), 0, 0)
        elif mk.close is not None:
            bar = Bar(m, mk.close, mk.close, mk.close, mk.close, 0.0, 0.0)
        else:
            continue
        mk.close = bar.close
        mk.atr.update(bar)
        mk.live = [s for s in mk.live if not _traded_through(s, bar.high, bar.low)]
        mk.live.extend(mk.fractal.update(bar))
    mk.folded_ms = max(mk.folded_ms, until_ms)
    return px[idx[-1] :]


def _traded_through(swing: Swing, high: float, low: float) -> bool:
    return high > swing.price if swing.kind == HIGH else low < swing.price


def _pick_swing(mk: Market, forming: Array, reach: float) -> Swing | None:
    """Return the newest untraded swing within ``reach`` of the last price, if any."""
    if forming.size:  # the minute in progress may have traded through some already
        high, low = float(forming.max()), float(forming.min())
        mk.live = [s for s in mk.live if not _traded_through(s, high, low)]
    last = float(forming[-1]) if forming.size else mk.close
    for swing in reversed(mk.live):
        sign = 1 if swing.kind == HIGH else -1
        if last is not None and 0 < sign * (swing.price - last) <= reach:
            return swing
    return None


def _try_sweep(mk: Market, s0: int, hi_s: int, swing: Swing) -> bool:
    """Sweep ``swing`` from s0 on; keep the result only if its trades show it cleanly."""
    p, rng, side, level = mk.p, mk.rng, (1 if swing.kind == HIGH else -1), swing.price
    # Seconds of each phase: approach (longer from further off), push, reclaim, move away,
    # the last cut short to fit the slot.
    distance = abs(math.log(level) - mk.x_sec[s0]) * level / mk.atr.value
    phases = rng.integers((10, 3, 3, 150), (31, 31, 61, 421))
    phases[0] += min(int(distance * rng.uniform(15, 40)), 120)
    phases[3] = min(phases[3], min(hi_s, len(mk.x_sec) - 1) - s0 - 1 - phases[:3].sum())
    if phases[3] < MIN_AWAY_S:
        return False
    span = int(phases.sum())
    x_new, depth = mk.x_sec.copy(), rng.uniform(0.15, 0.6) * mk.atr.value
    x_new[s0 : s0 + span + 1] = _sweep_path(rng, mk.x_sec[s0 : s0 + span + 1], phases, level,
                                           mk.atr.value / level, depth / level, side)
    x_new[s0 + span + 1 :] += x_new[s0 + span] - mk.x_sec[s0 + span]
    heat = rng.uniform(3.0, 6.0)  # stop runs draw volume, fading as price moves away
    busier = np.concatenate((np.ones(phases[0]), np.full(phases[1] + phases[2], heat),
                             np.linspace(1 + (heat - 1) / 3, 1.0, phases[3])))
    base = mk.rate[s0 : s0 + span]
    extra = draw_trades(rng, p, np.maximum(base, mk.rate.mean()) * busier - base, s0, mk.sd_sec)
    cand = merge(mk.tape, extra)  # new arrays: safe to edit, kept only if the sweep checks out
    t0 = p.start_ms + s0 * 1000
    lo, push, peak, back, hi = np.searchsorted(cand.t, t0 + np.cumsum((0, *phases)) * 1000)
    cand.force[push:peak] = np.where(rng.random(peak - push) < 0.85, side, 0)
    cand.force[peak:back] = np.where(rng.random(back - peak) < 0.8, -side, 0)
    cand.mult[push:back] = 2.5  # stops, and the flow that hunts them, are larger orders
    cand.eps[push:back] = 0.0  # a stop run walks the book: no back-and-forth through the level
    px = on_grid(log_prices(mk, cand, x_new, lo, hi), p.tick_size)
    found = read_sweep(px, level, side)
    if found is None or not (
        side * (px[found[1]] - level) >= max(0.1 * mk.atr.value, 0.5 * depth)
        and not (side * (px[found[2] :] - level) > 0).any()
        and side * (level - px[-1]) >= 0.001 * level
    ):
        return False
    mk.tape, mk.x_sec = cand, x_new
    mk.sweeps.append((swing, t0, t0 + span * 1000))
    return True


def _sweep_path(
    rng: Rng, old: Array, phases: Array, level: float, atr: float, depth: float, side: int
) -> Array:
    """Return a path that nears the level, goes ``depth`` beyond, comes back and moves away.

    ``atr`` and ``depth`` are fractions of the level; the move away is 0.25-0.5 % from the
    extreme, at least one dynamic threshold (1.5 σ √5) at usual volatility.
    """
    lx, back = math.log(level), rng.uniform(0.2, 0.6) * atr
    away = max(rng.uniform(0.0025, 0.005), depth + back + 0.5 * atr)
    knots_s = np.concatenate(([0], np.cumsum(phases)))
    knots_x = (old[0], lx - side * 0.15 * atr, lx + side * depth, lx - side * back,
               lx + side * (depth - away))
    grid = np.arange(len(old))
    # Keep the old path's wiggles, detrended through the knots: quiet while the level is
    # pushed and reclaimed, growing back as the move away gets under way.
    calm = np.concatenate((np.linspace(0.7, 0.0, phases[0]), np.zeros(phases[1] + phases[2]),
                           np.minimum(np.linspace(0.0, 3.0, phases[3] + 1), 0.9)))
    wiggle = (old - np.interp(grid, knots_s, old[knots_s])) * calm
    path: Array = np.interp(grid, knots_s, knots_x) + wiggle
    return path


def read_sweep(px: Array, level: float, side: int) -> tuple[int, int, int] | None:
    """Return the indices of the first trade beyond, the extreme and the first back, or None."""
    beyond = side * (px - level) > 0
    if not beyond.any():
        return None
    first = int(beyond.argmax())
    near = side * (px[first:] - level) < 0
    if not near.any():
        return None
    reclaim = first + int(near.argmax())
    return first, first + int((side * px[first:reclaim]).argmax()), reclaim
