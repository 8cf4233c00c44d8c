"""A simulated order book around the simulated trades, with walls shown and pulled.

Price levels sit ``step`` apart from the touch (the touch follows the last trade). Each
level's size persists while the level is in view and drifts at each update (its log is an
AR(1) around the log of ``median_size`` with stationary σ ``spread``); a level that comes into
view gets a fresh size. The simulated trades do not consume the levels they pass, so sizes
stay well below what reads as a wall: only the injected walls do. The
top of book is sampled every ``quote_ms`` and the top ``levels`` of each side every
``book_ms``, each placed before the first trade after it.

A **pull** is injected ``pulls_per_hour`` times: a wall of ``wall_multiple`` times the median
size is shown ``away`` steps from the touch on the side price will trade through within the
next ``reach_s``, kept while no trade prints at it, and withdrawn ``lead_ms`` before the
first trade that reaches it. Its ground truth is an ``InjectedPull``.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from omega_tasks.core.types import BookLevels, TopOfBook, Trades


@dataclass(frozen=True, slots=True)
class BookParams:
    quote_ms: int = 250
    book_ms: int = 500  # a multiple of quote_ms
    levels: int = 10
    step: float = 0.5
    median_size: float = 0.5
    spread: float = 0.4  # stationary σ of a level's log size
    persistence: float = 0.99  # AR(1) coefficient of a level's log size, per update
    pulls_per_hour: float = 10.0
    wall_multiple: float = 40.0
    away: int = 3
    reach_s: tuple[float, float] = (2.0, 8.0)
    lead_ms: int = 1_000


@dataclass(frozen=True, slots=True)
class InjectedPull:
    side: str  # "bid" or "ask"
    price: float
    shown_ms: int
    pulled_ms: int
    reached_ms: int


@dataclass(frozen=True, slots=True)
class SimulatedBook:
    quotes: tuple[TopOfBook, ...]
    books: tuple[BookLevels, ...]
    pulls: tuple[InjectedPull, ...]


def simulate_book(trades: Trades, seed: int, params: BookParams | None = None) -> SimulatedBook:
    """The book around ``trades``; the same trades and seed give the same book."""
    p = params or BookParams()
    rng = np.random.default_rng(seed)
    times, prices, ids = trades.times_ms, trades.prices, trades.ids
    pulls = _plan_pulls(rng, p, times, prices)
    steps = range(times[0] - times[0] % p.book_ms + p.book_ms, times[-1], p.quote_ms)
    shape = (len(steps), 2 * p.levels)
    kick = math.sqrt(1 - p.persistence ** 2) * p.spread
    noise = (kick * rng.normal(size=shape)).tolist()
    fresh = (p.spread * rng.normal(size=shape)).tolist()
    log_median, phi = math.log(p.median_size), p.persistence
    deviations: dict[float, float] = {}  # log size less the log median, by level price
    quotes, books = [], []
    walls = iter(pulls)
    wall = next(walls, None)
    for step, now in enumerate(steps):
        i = bisect.bisect_right(times, now)  # trades[:i] happened by now
        bid = math.floor(prices[i - 1] / p.step) * p.step
        ask = bid + p.step
        bids = [round(bid - k * p.step, 8) for k in range(p.levels)]
        asks = [round(ask + k * p.step, 8) for k in range(p.levels)]
        while wall is not None and now >= wall.pulled_ms:
            wall = next(walls, None)
        was, deviations = deviations, {}
        for k, price in enumerate((*bids, *asks)):
            before = was.get(price)
            deviations[price] = fresh[step][k] if before is None else \
                phi * before + noise[step][k]
        shown = {price: round(math.exp(log_median + d), 6) for price, d in deviations.items()}
        if wall is not None and wall.shown_ms <= now and wall.price in shown:
            shown[wall.price] = p.wall_multiple * p.median_size
        before = ids[i]
        quotes.append(TopOfBook(now, bid, shown[bid], ask, shown[ask], before))
        if now % p.book_ms == 0:
            books.append(BookLevels(now, tuple((b, shown[b]) for b in bids),
                                    tuple((a, shown[a]) for a in asks), True, before))
    return SimulatedBook(tuple(quotes), tuple(books), tuple(pulls))


def _plan_pulls(rng: np.random.Generator, p: BookParams, times: tuple[int, ...],
                prices: tuple[float, ...]) -> list[InjectedPull]:
    """Pick when and where walls are shown and pulled, from the trades to come."""
    hours = (times[-1] - times[0]) / 3_600_000
    count = rng.poisson(p.pulls_per_hour * hours)
    starts = sorted(int(t) for t in rng.uniform(times[0], times[-1], count))
    pulls: list[InjectedPull] = []
    for start in starts:
        shown_ms = start - start % p.book_ms + p.book_ms
        if pulls and shown_ms <= pulls[-1].reached_ms:
            continue  # one wall at a time
        i = bisect.bisect_right(times, shown_ms)
        if i >= len(times):
            break
        bid = math.floor(prices[i - 1] / p.step) * p.step
        lo, hi = (bisect.bisect_right(times, shown_ms + s * 1000) for s in p.reach_s)
        for k in range(i, min(hi, len(times))):
            below, above = bid - p.away * p.step, bid + (p.away + 1) * p.step
            if prices[k] <= below or prices[k] >= above:
                if k < lo:
                    break  # reached too soon to show a wall first
                side, level = ("bid", below) if prices[k] <= below else ("ask", above)
                pulled_ms = times[k] - p.lead_ms
                if pulled_ms - shown_ms >= 2 * p.book_ms:
                    pulls.append(InjectedPull(side, round(level, 8), shown_ms, pulled_ms,
                                              times[k]))
                break
    return pulls
