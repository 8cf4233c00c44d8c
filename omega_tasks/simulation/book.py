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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

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


Sample = TopOfBook | BookLevels
CHUNK = 4_096  # top-of-book steps drawn and sized at a time


@dataclass(frozen=True)
class SimulatedBook:
    """The planned pulls (the ground truth) and the book they are injected into, sampled
    lazily and in time order by ``samples``: a day of it is a third of a million quotes."""

    trades: Trades
    seed: int
    params: BookParams
    pulls: tuple[InjectedPull, ...]

    @cached_property
    def quotes(self) -> tuple[TopOfBook, ...]:
        return tuple(s for s in self.samples() if isinstance(s, TopOfBook))

    @cached_property
    def books(self) -> tuple[BookLevels, ...]:
        return tuple(s for s in self.samples() if isinstance(s, BookLevels))

    def samples(self) -> Iterator[Sample]:
        """Each step's top of book, preceded by the book's top levels on a book step; the
        same trades and seed give the same samples."""
        p = self.params
        rng = np.random.default_rng([self.seed, 1])
        times, prices, ids = self.trades.times_ms, self.trades.prices, self.trades.ids
        steps = range(times[0] - times[0] % p.book_ms + p.book_ms, times[-1], p.quote_ms)
        kick = math.sqrt(1 - p.persistence ** 2) * p.spread
        log_median, phi, width = math.log(p.median_size), p.persistence, 2 * p.levels
        walls = iter(self.pulls)
        wall = next(walls, None)
        touch = -1
        levels: tuple[int, ...] = ()
        deviations: list[float] = []
        shown: tuple[float, ...] = ()
        price_of: dict[int, float] = {}  # level prices, as ticks of ``step`` from zero
        for first in range(0, len(steps), CHUNK):
            chunk = steps[first : first + CHUNK]
            noise = (kick * rng.normal(size=(len(chunk), width))).tolist()
            fresh = (p.spread * rng.normal(size=(len(chunk), width))).tolist()
            placed: list[tuple[int, int, tuple[float, ...]]] = []
            rows: list[list[float]] = []
            for n, now in enumerate(chunk):
                i = bisect.bisect_right(times, now)  # trades[:i] happened by now
                bid = math.floor(prices[i - 1] / p.step)
                if bid != touch:  # the touch moved: levels in view keep their deviation
                    was = dict(zip(levels, deviations, strict=True))
                    touch = bid
                    levels = (*range(bid, bid - p.levels, -1), *range(bid + 1, bid + 1 + p.levels))
                    deviations = [fresh[n][k] if (d := was.get(tick)) is None
                                  else phi * d + noise[n][k] for k, tick in enumerate(levels)]
                    for tick in levels:
                        if tick not in price_of:
                            price_of[tick] = round(tick * p.step, 8)
                    shown = tuple(price_of[tick] for tick in levels)
                else:
                    deviations = [phi * d + e for d, e in zip(deviations, noise[n], strict=True)]
                placed.append((now, ids[i], shown))
                rows.append(deviations)
            sizes = np.round(np.exp(log_median + np.asarray(rows)), 6).tolist()
            half = p.levels
            for (now, before, at), size in zip(placed, sizes, strict=True):
                while wall is not None and now >= wall.pulled_ms:
                    wall = next(walls, None)
                if wall is not None and wall.shown_ms <= now and wall.price in at:
                    size[at.index(wall.price)] = p.wall_multiple * p.median_size
                if now % p.book_ms == 0:
                    yield BookLevels(now, tuple(zip(at[:half], size[:half], strict=True)),
                                     tuple(zip(at[half:], size[half:], strict=True)), True,
                                     before)
                yield TopOfBook(now, at[0], size[0], at[half], size[half], before)


def simulate_book(trades: Trades, seed: int, params: BookParams | None = None) -> SimulatedBook:
    """The book around ``trades`` with its pulls planned; samples come when asked for."""
    p = params or BookParams()
    rng = np.random.default_rng(seed)
    return SimulatedBook(trades, seed, p,
                         tuple(_plan_pulls(rng, p, trades.times_ms, trades.prices)))


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
