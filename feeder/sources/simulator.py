"""A seeded market simulator: the demo's data source and the detectors' ground truth.

The latent log price lives on a one-second grid: Student-t shocks under a GARCH(1,1) variance
and a slow volatility factor, with a drift regime that alternates trends and ranges. Trades
arrive as a Poisson process whose rate follows slow activity, volatility and short spikes; each
reads the latent price at its own millisecond, plus a little noise, on the tick grid. Chop
bursts add a zigzag on top. Sweep episodes rewrite the path one at a time, in time order, so
each targets a swing exactly as a causal detector would have seen it; the ground truth is then
read off the finished trades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from feeder.sources.replay import TradesSource
from omega_tasks.core.indicators import Atr
from omega_tasks.core.swings import HIGH, LOW, Fractal, Swing
from omega_tasks.core.types import MINUTE_MS, Bar, Trades

T_DF = 4.0  # Student-t degrees of freedom of the shocks, per second and per minute
GARCH_ALPHA, GARCH_BETA = 0.12, 0.85
VOL_PHI, VOL_SD = 0.95, 0.4  # slow volatility factor: AR(1) of its log
TRADE_NOISE = 0.15  # per-trade noise, in one-second volatilities
SIDE_FLIP = 0.12  # share of trades whose aggressor goes against the tick
# Extra flow an episode brings, in seconds of the background's mean rate (measured over many
# seeds): the background is thinned by it, so the whole tape keeps the mean rate asked for.
SWEEP_FLOW_S, BURST_FLOW_S = 500.0, 500.0
WARMUP_S = 1_500  # no episode before ATR14 and a few swings exist
SEARCH_STEP_S = 30
MIN_AWAY_S = 150  # shortest move away after a reclaim

Array = np.ndarray
Rng = np.random.Generator
Zigzag = tuple[Array, Array]  # knot times (ms) and log offsets of a burst's chop


@dataclass(frozen=True, slots=True)
class SimulationParams:
    """What to simulate; ``vol_1m`` is the long-run std of 1m log returns."""

    seed: int = 7
    hours: float = 4.0
    start_ms: int = 1_736_208_000_000  # a UTC minute boundary
    start_price: float = 60_000.0
    exchange: str = "sim"
    symbol: str = "BTC-USDT"
    tick_size: float = 0.01
    trades_per_s: float = 4.0  # long-run mean arrival rate
    sweeps_per_hour: float = 3.0  # injected sweep-and-reclaim episodes
    bursts_per_hour: float = 1.0  # injected high-frequency chop bursts
    first_trade_id: int = 1
    vol_1m: float = 0.0008

    def __post_init__(self) -> None:
        for name in ("hours", "start_price", "tick_size", "trades_per_s", "vol_1m"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SimulationParams.{name} must be positive")
        if self.start_ms % MINUTE_MS:
            raise ValueError("SimulationParams.start_ms must be a minute boundary")


@dataclass(frozen=True, slots=True)
class InjectedSweep:
    """A swing swept then reclaimed, as it happened in the trades.

    ``side`` "high": a swing high swept then reclaimed (bearish); "low": the mirror.
    ``start_ms``/``end_ms`` bound the whole episode, approach and move away included.
    """

    side: str
    level: float
    pivot_ms: int
    confirmed_ms: int
    extreme: float
    sweep_trade_id: int
    reclaim_trade_id: int
    reclaim_ms: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class InjectedBurst:
    """A stretch of high-frequency chop: the trades in [start_ms, end_ms)."""

    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class Simulation:
    """The simulated trades and what was injected into them."""

    params: SimulationParams
    trades: Trades
    sweeps: tuple[InjectedSweep, ...]
    bursts: tuple[InjectedBurst, ...]


class _Tape(NamedTuple):
    """Trades under construction, in time order; prices derive from the latent path."""

    t: Array  # exchange time, ms
    eps: Array  # log-price noise
    size: Array
    force: Array  # aggressor imposed by one-sided flow; 0 where the tick decides
    mult: Array  # size multiplier


@dataclass(slots=True)
class _Market:
    """The simulation under construction, extended one episode at a time."""

    p: SimulationParams
    rng: Rng
    x_sec: Array  # latent log price at each second boundary
    sd_sec: Array  # each second's volatility
    rate: Array  # background trades per second
    tape: _Tape
    zigzags: list[Zigzag] = field(default_factory=list)
    bursts: list[InjectedBurst] = field(default_factory=list)
    sweeps: list[tuple[Swing, int, int]] = field(default_factory=list)  # swing, start, end
    # The causal view so far: closed 1m bars folded into swings (still untraded) and ATR14.
    folded_ms: int = 0
    fractal: Fractal = field(default_factory=lambda: Fractal(3))
    atr: Atr = field(default_factory=lambda: Atr(14))
    live: list[Swing] = field(default_factory=list)
    close: float | None = None


def simulate(params: SimulationParams) -> Simulation:
    """Simulate the market described by ``params``; the same params give the same output."""
    rng = np.random.default_rng(params.seed)
    seconds = max(1, round(params.hours * 3600))
    x_sec, sd_sec = _latent_path(rng, params, seconds)
    rate = _arrival_rate(rng, params, sd_sec)
    tape = _draw_trades(rng, params, rate, 0, sd_sec)
    mk = _Market(params, rng, x_sec, sd_sec, rate, tape, folded_ms=params.start_ms)
    for kind, lo_s, hi_s in _schedule(rng, params, seconds):
        (_add_burst if kind == "burst" else _add_sweep)(mk, lo_s, hi_s)
    return _assemble(mk)


def _latent_path(rng: Rng, p: SimulationParams, seconds: int) -> tuple[Array, Array]:
    """Return the latent log price at each second boundary and each second's volatility."""
    minutes = -(-seconds // 60)
    # Student-t seconds, each minute scaled by a chi-square mixer: a Student-t minute.
    mixer = np.sqrt((T_DF - 2) / rng.chisquare(T_DF, minutes))
    z = rng.standard_t(T_DF, (minutes, 60)) * math.sqrt((T_DF - 2) / T_DF) * mixer[:, None]
    shocks = z.sum(axis=1) / math.sqrt(60)
    slow = np.exp(_ar1(rng, minutes, VOL_PHI, VOL_SD) - VOL_SD**2)  # mean square 1
    trend, kappa, starts = _regimes(rng, minutes)
    var = p.vol_1m**2
    h = var
    x = centre = math.log(p.start_price)
    mu, sigma = np.empty(minutes), np.empty(minutes)
    for m in range(minutes):
        sigma[m] = math.sqrt(h) * slow[m]
        centre = x if starts[m] else centre
        mu[m] = trend[m] * sigma[m] - kappa[m] * (x - centre)
        x += mu[m] + sigma[m] * shocks[m]
        # GARCH on the minute's own shock: a large minute raises the next one's variance.
        h = var * (1 - GARCH_ALPHA - GARCH_BETA) + (GARCH_ALPHA * shocks[m] ** 2 + GARCH_BETA) * h
        h = min(max(h, var / 4), var * 6)
    steps = (mu[:, None] / 60 + sigma[:, None] * z / math.sqrt(60)).ravel()[:seconds]
    x_sec = math.log(p.start_price) + np.concatenate(([0.0], np.cumsum(steps)))
    return x_sec, np.repeat(sigma / math.sqrt(60), 60)[:seconds]


def _ar1(rng: Rng, n: int, phi: float, sd: float) -> Array:
    """Return a stationary AR(1) series with marginal std ``sd``."""
    shocks = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n)
    out, v = np.empty(n), rng.normal(0.0, sd)
    for i in range(n):
        v = phi * v + shocks[i]
        out[i] = v
    return out


def _regimes(rng: Rng, minutes: int) -> tuple[Array, Array, Array]:
    """Return per-minute drift (in sigmas), mean reversion and starts of alternating regimes."""
    trend, kappa, starts = np.zeros(minutes), np.zeros(minutes), np.zeros(minutes, bool)
    m, trending = 0, bool(rng.random() < 0.5)
    while m < minutes:
        n = int(rng.integers(20, 81))
        starts[m] = True
        if trending:
            trend[m : m + n] = rng.choice((-1.0, 1.0)) * rng.uniform(0.2, 0.5)
        else:
            kappa[m : m + n] = rng.uniform(0.03, 0.1)
        m, trending = m + n, not trending
    return trend, kappa, starts


def _arrival_rate(rng: Rng, p: SimulationParams, sd_sec: Array) -> Array:
    """Return trades per second: slow activity, busier when volatile, with short spikes."""
    seconds = len(sd_sec)
    activity = np.repeat(_ar1(rng, -(-seconds // 60), 0.95, 0.4), 60)[:seconds]
    rate: Array = np.exp(activity + 0.8 * np.log(sd_sec / sd_sec.mean()))
    for _ in range(rng.poisson(6 * p.hours)):
        at = int(rng.integers(0, seconds))
        rate[at : at + int(rng.integers(10, 91))] *= rng.uniform(1.5, 3.5)
    extra_share = (p.sweeps_per_hour * SWEEP_FLOW_S + p.bursts_per_hour * BURST_FLOW_S) / 3600
    rate *= p.trades_per_s / (1 + extra_share) / rate.mean()
    return rate


def _draw_trades(rng: Rng, p: SimulationParams, rate: Array, first_s: int, sd: Array) -> _Tape:
    """Draw Poisson arrivals at ``rate`` per second for the seconds from ``first_s``."""
    sec = np.repeat(np.arange(first_s, first_s + len(rate)), rng.poisson(rate))
    t = np.sort(p.start_ms + sec * 1000 + rng.integers(0, 1000, len(sec)))
    n = len(t)
    eps = rng.standard_normal(n) * TRADE_NOISE * sd[(t - p.start_ms) // 1000]
    size = rng.lognormal(math.log(0.003), 1.4, n)
    tail = rng.random(n) < 0.02  # a few large orders: a Pareto tail on top
    size[tail] *= 1.0 + 5.0 * rng.pareto(1.2, int(tail.sum()))
    return _Tape(t, eps, np.minimum(size, 100.0), np.zeros(n, np.int64), np.ones(n))


def _merge(a: _Tape, b: _Tape) -> _Tape:
    """Merge a short run of trades into the tape in time order, ties keeping ``a`` first.

    The result is all new arrays, so a caller may edit them.
    """
    if not len(b.t):
        return _Tape(*(x.copy() for x in a))
    lo, hi = int(np.searchsorted(a.t, b.t[0])), int(np.searchsorted(a.t, b.t[-1], side="right"))
    order = np.argsort(np.concatenate((a.t[lo:hi], b.t)), kind="stable")
    return _Tape(*(np.concatenate((x[:lo], np.concatenate((x[lo:hi], y))[order], x[hi:]))
                   for x, y in zip(a, b, strict=True)))


def _log_prices(mk: _Market, tape: _Tape, x_sec: Array, lo: int, hi: int) -> Array:
    """Return the log prices of trades lo..hi: latent path, noise and any burst's zigzag."""
    t = tape.t[lo:hi]
    x: Array = np.interp((t - mk.p.start_ms) / 1e3, np.arange(len(x_sec)), x_sec) + tape.eps[lo:hi]
    for knots_t, knots_x in mk.zigzags:
        a, b = np.searchsorted(t, (knots_t[0], knots_t[-1]))
        x[a:b] += np.interp(t[a:b], knots_t, knots_x)
    return x


def _on_grid(x: Array, tick: float) -> Array:
    """Return the prices of log prices ``x``, rounded to the tick and to its decimals."""
    decimals = max(0, -int(Decimal(repr(tick)).normalize().as_tuple().exponent))
    prices: Array = np.round(np.rint(np.exp(x) / tick) * tick, decimals)
    return prices


def _schedule(rng: Rng, p: SimulationParams, seconds: int) -> list[tuple[str, int, int]]:
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


def _add_burst(mk: _Market, lo_s: int, hi_s: int) -> None:
    """Add 30-120 s of rapid reversals at a high trade rate, going nowhere overall."""
    p, rng = mk.p, mk.rng
    duration = min(int(rng.integers(30, 121)), hi_s - lo_s - 20)
    if duration < 30:
        return
    s0 = int(rng.integers(lo_s + 10, hi_s - duration - 9))
    base = mk.rate[s0 : s0 + duration]
    busy = np.maximum(base, mk.rate.mean()) * rng.uniform(4, 8) - base
    mk.tape = _merge(mk.tape, _draw_trades(rng, p, busy, s0, mk.sd_sec))
    start_ms, end_ms = p.start_ms + s0 * 1000, p.start_ms + (s0 + duration) * 1000
    legs = np.cumsum(rng.uniform(1500, 6000, duration))
    knots_t = np.concatenate(([0], legs[legs < duration * 1000 - 1000], [duration * 1000]))
    amp = rng.uniform(0.5, 1.2) * max(mk.sd_sec[s0] * math.sqrt(60), p.vol_1m)
    knots_x = amp * rng.uniform(0.4, 1.2, len(knots_t)) * np.resize((1.0, -1.0), len(knots_t))
    knots_x[[0, -1]] = 0.0
    mk.zigzags.append((start_ms + knots_t, knots_x))
    mk.bursts.append(InjectedBurst(start_ms, end_ms))


def _add_sweep(mk: _Market, lo_s: int, hi_s: int) -> None:
    """Find a live swing near the price from the slot's start on, and sweep it."""
    s0 = lo_s + int(mk.rng.integers(0, 60))
    while s0 + MIN_AWAY_S <= hi_s:
        t0 = mk.p.start_ms + s0 * 1000
        # Only the trades since the last folded minute are priced: earlier ones are folded.
        lo, hi = np.searchsorted(mk.tape.t, (mk.folded_ms, t0))
        px = _on_grid(_log_prices(mk, mk.tape, mk.x_sec, lo, hi), mk.p.tick_size)
        forming = _fold_minutes(mk, mk.tape.t[lo:hi], px, t0 - t0 % MINUTE_MS)
        swing = _pick_swing(mk, forming, 3.0 * mk.atr.value) if mk.atr.ready and hi > lo else None
        if swing and any(_try_sweep(mk, s0, hi_s, swing) for _ in range(4)):
            return
        s0 += SEARCH_STEP_S


def _fold_minutes(mk: _Market, t: Array, px: Array, until_ms: int) -> Array:
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


def _pick_swing(mk: _Market, forming: Array, reach: float) -> Swing | None:
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


def _try_sweep(mk: _Market, s0: int, hi_s: int, swing: Swing) -> bool:
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
    extra = _draw_trades(rng, p, np.maximum(base, mk.rate.mean()) * busier - base, s0, mk.sd_sec)
    cand = _merge(mk.tape, extra)  # new arrays: safe to edit, kept only if the sweep checks out
    t0 = p.start_ms + s0 * 1000
    lo, push, peak, back, hi = np.searchsorted(cand.t, t0 + np.cumsum((0, *phases)) * 1000)
    cand.force[push:peak] = np.where(rng.random(peak - push) < 0.85, side, 0)
    cand.force[peak:back] = np.where(rng.random(back - peak) < 0.8, -side, 0)
    cand.mult[push:back] = 2.5  # stops, and the flow that hunts them, are larger orders
    cand.eps[push:back] = 0.0  # a stop run walks the book: no back-and-forth through the level
    px = _on_grid(_log_prices(mk, cand, x_new, lo, hi), p.tick_size)
    found = _read_sweep(px, level, side)
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


def _read_sweep(px: Array, level: float, side: int) -> tuple[int, int, int] | None:
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


def _assemble(mk: _Market) -> Simulation:
    """Price the tape, decide aggressors and sizes, and read the sweeps off the trades."""
    p, rng, tape, n = mk.p, mk.rng, mk.tape, len(mk.tape.t)
    x = _log_prices(mk, tape, mk.x_sec, 0, n)
    px = _on_grid(x, p.tick_size)
    side = np.sign(np.diff(px, prepend=px[:1]))
    side = np.where(side != 0, side, np.sign(np.diff(x, prepend=x[:1])))
    side = np.where(side != 0, side, rng.choice((-1, 1), n))
    side = np.where(rng.random(n) < SIDE_FLIP, -side, side)
    side = np.where(tape.force != 0, tape.force, side).astype(np.int64)
    sizes = np.maximum(np.round(tape.size * tape.mult, 8), 1e-5)
    ids = p.first_trade_id + np.arange(n)
    sweeps = []
    for swing, start_ms, end_ms in mk.sweeps:
        lo, hi = np.searchsorted(tape.t, (start_ms, end_ms))
        sign = 1 if swing.kind == HIGH else -1
        found = _read_sweep(px[lo:hi], swing.price, sign)
        if found is None:  # cannot happen: these very prices were checked when it was built
            raise AssertionError(f"sweep of {swing} lost from the trades")
        first, extreme, reclaim = (lo + i for i in found)
        sweeps.append(InjectedSweep(
            HIGH if sign > 0 else LOW, swing.price, swing.pivot_ms, swing.confirmed_ms,
            float(px[extreme]), int(ids[first]), int(ids[reclaim]), int(tape.t[reclaim]),
            start_ms, end_ms,
        ))
    trades = Trades(tuple(ids.tolist()), tuple(tape.t.tolist()), tuple(px.tolist()),
                    tuple(sizes.tolist()), tuple(side.tolist()))
    return Simulation(p, trades, tuple(sweeps), tuple(mk.bursts))


class SimulatorSource(TradesSource):
    """Replay a simulation as ticks: as fast as the feeder takes them, or paced."""

    name = "simulator"

    def __init__(self, simulation: Simulation, speed: float | None = None,
                 chunk: int = 500) -> None:
        params = simulation.params
        super().__init__(simulation.trades, params.exchange, params.symbol, speed, chunk)
        self.simulation = simulation
