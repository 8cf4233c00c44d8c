"""The latent price path and the trades under construction."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from omega_tasks.core.indicators import Atr
from omega_tasks.core.swings import Fractal, Swing
from omega_tasks.simulation.params import InjectedBurst, SimulationParams

T_DF = 4.0  # Student-t degrees of freedom of the shocks, per second and per minute
GARCH_ALPHA, GARCH_BETA = 0.12, 0.85
VOL_PHI, VOL_SD = 0.95, 0.4  # slow volatility factor: AR(1) of its log
TRADE_NOISE = 0.15  # per-trade noise, in one-second volatilities
# Extra flow an episode brings, in seconds of the background's mean rate (measured over many
# seeds): the background is thinned by it, so the whole tape keeps the mean rate asked for.
SWEEP_FLOW_S, BURST_FLOW_S = 500.0, 500.0

Array = np.ndarray
Rng = np.random.Generator
Zigzag = tuple[Array, Array]  # knot times (ms) and log offsets of a burst's chop


class Tape(NamedTuple):
    """Trades under construction, in time order; prices derive from the latent path."""

    t: Array  # exchange time, ms
    eps: Array  # log-price noise
    size: Array
    force: Array  # aggressor imposed by one-sided flow; 0 where the tick decides
    mult: Array  # size multiplier


@dataclass(slots=True)
class Market:
    """The simulation under construction, extended one episode at a time."""

    p: SimulationParams
    rng: Rng
    x_sec: Array  # latent log price at each second boundary
    sd_sec: Array  # each second's volatility
    rate: Array  # background trades per second
    tape: Tape
    zigzags: list[Zigzag] = field(default_factory=list)
    bursts: list[InjectedBurst] = field(default_factory=list)
    sweeps: list[tuple[Swing, int, int]] = field(default_factory=list)  # swing, start, end
    # The causal view so far: closed 1m bars folded into swings (still untraded) and ATR14.
    folded_ms: int = 0
    fractal: Fractal = field(default_factory=lambda: Fractal(3))
    atr: Atr = field(default_factory=lambda: Atr(14))
    live: list[Swing] = field(default_factory=list)
    close: float | None = None


def latent_path(rng: Rng, p: SimulationParams, seconds: int) -> tuple[Array, Array]:
    """Return the latent log price at each second boundary and each second's volatility."""
    minutes = -(-seconds // 60)
    # Student-t seconds, each minute scaled by a chi-square mixer: a Student-t minute.
    mixer = np.sqrt((T_DF - 2) / rng.chisquare(T_DF, minutes))
    z = rng.standard_t(T_DF, (minutes, 60)) * math.sqrt((T_DF - 2) / T_DF) * mixer[:, None]
    shocks = z.sum(axis=1) / math.sqrt(60)
    slow = np.exp(ar1(rng, minutes, VOL_PHI, VOL_SD) - VOL_SD**2)  # mean square 1
    trend, kappa, starts = regimes(rng, minutes)
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


def ar1(rng: Rng, n: int, phi: float, sd: float) -> Array:
    """Return a stationary AR(1) series with marginal std ``sd``."""
    shocks = rng.normal(0.0, sd * math.sqrt(1 - phi * phi), n)
    out, v = np.empty(n), rng.normal(0.0, sd)
    for i in range(n):
        v = phi * v + shocks[i]
        out[i] = v
    return out


def regimes(rng: Rng, minutes: int) -> tuple[Array, Array, Array]:
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


def arrival_rate(rng: Rng, p: SimulationParams, sd_sec: Array) -> Array:
    """Return trades per second: slow activity, busier when volatile, with short spikes."""
    seconds = len(sd_sec)
    activity = np.repeat(ar1(rng, -(-seconds // 60), 0.95, 0.4), 60)[:seconds]
    rate: Array = np.exp(activity + 0.8 * np.log(sd_sec / sd_sec.mean()))
    for _ in range(rng.poisson(6 * p.hours)):
        at = int(rng.integers(0, seconds))
        rate[at : at + int(rng.integers(10, 91))] *= rng.uniform(1.5, 3.5)
    extra_share = (p.sweeps_per_hour * SWEEP_FLOW_S + p.bursts_per_hour * BURST_FLOW_S) / 3600
    rate *= p.trades_per_s / (1 + extra_share) / rate.mean()
    return rate


def draw_trades(rng: Rng, p: SimulationParams, rate: Array, first_s: int, sd: Array) -> Tape:
    """Draw Poisson arrivals at ``rate`` per second for the seconds from ``first_s``."""
    sec = np.repeat(np.arange(first_s, first_s + len(rate)), rng.poisson(rate))
    t = np.sort(p.start_ms + sec * 1000 + rng.integers(0, 1000, len(sec)))
    n = len(t)
    eps = rng.standard_normal(n) * TRADE_NOISE * sd[(t - p.start_ms) // 1000]
    size = rng.lognormal(math.log(0.003), 1.4, n)
    tail = rng.random(n) < 0.02  # a few large orders: a Pareto tail on top
    size[tail] *= 1.0 + 5.0 * rng.pareto(1.2, int(tail.sum()))
    return Tape(t, eps, np.minimum(size, 100.0), np.zeros(n, np.int64), np.ones(n))


def merge(a: Tape, b: Tape) -> Tape:
    """Merge a short run of trades into the tape in time order, ties keeping ``a`` first.

    The result is all new arrays, so a caller may edit them.
    """
    if not len(b.t):
        return Tape(*(x.copy() for x in a))
    lo, hi = int(np.searchsorted(a.t, b.t[0])), int(np.searchsorted(a.t, b.t[-1], side="right"))
    order = np.argsort(np.concatenate((a.t[lo:hi], b.t)), kind="stable")
    return Tape(*(np.concatenate((x[:lo], np.concatenate((x[lo:hi], y))[order], x[hi:]))
                   for x, y in zip(a, b, strict=True)))


def log_prices(mk: Market, tape: Tape, x_sec: Array, lo: int, hi: int) -> Array:
    """Return the log prices of trades lo..hi: latent path, noise and any burst's zigzag."""
    t = tape.t[lo:hi]
    x: Array = np.interp((t - mk.p.start_ms) / 1e3, np.arange(len(x_sec)), x_sec) + tape.eps[lo:hi]
    for knots_t, knots_x in mk.zigzags:
        a, b = np.searchsorted(t, (knots_t[0], knots_t[-1]))
        x[a:b] += np.interp(t[a:b], knots_t, knots_x)
    return x


def on_grid(x: Array, tick: float) -> Array:
    """Return the prices of log prices ``x``, rounded to the tick and to its decimals."""
    decimals = max(0, -int(Decimal(repr(tick)).normalize().as_tuple().exponent))
    prices: Array = np.round(np.rint(np.exp(x) / tick) * tick, decimals)
    return prices
