"""``simulate``: the whole simulation, from its params to its trades and ground truth."""

from __future__ import annotations

import numpy as np

from omega_tasks.core.swings import HIGH, LOW
from omega_tasks.core.types import Trades
from omega_tasks.simulation.episodes import add_burst, add_sweep, read_sweep, schedule
from omega_tasks.simulation.params import InjectedSweep, Simulation, SimulationParams
from omega_tasks.simulation.tape import (
    Market,
    arrival_rate,
    draw_trades,
    latent_path,
    log_prices,
    on_grid,
)

SIDE_FLIP = 0.12  # share of trades whose aggressor goes against the tick


def simulate(params: SimulationParams) -> Simulation:
    """Simulate the market described by ``params``; the same params give the same output."""
    rng = np.random.default_rng(params.seed)
    seconds = max(1, round(params.hours * 3600))
    x_sec, sd_sec = latent_path(rng, params, seconds)
    rate = arrival_rate(rng, params, sd_sec)
    tape = draw_trades(rng, params, rate, 0, sd_sec)
    mk = Market(params, rng, x_sec, sd_sec, rate, tape, folded_ms=params.start_ms)
    for kind, lo_s, hi_s in schedule(rng, params, seconds):
        (add_burst if kind == "burst" else add_sweep)(mk, lo_s, hi_s)
    return assemble(mk)


def assemble(mk: Market) -> Simulation:
    """Price the tape, decide aggressors and sizes, and read the sweeps off the trades."""
    p, rng, tape, n = mk.p, mk.rng, mk.tape, len(mk.tape.t)
    x = log_prices(mk, tape, mk.x_sec, 0, n)
    px = on_grid(x, p.tick_size)
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
        found = read_sweep(px[lo:hi], swing.price, sign)
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
