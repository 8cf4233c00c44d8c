"""The pulled-liquidity rule against the simulator's injected walls, whose truth is known.

A wall is injected, withdrawn ``lead_ms`` before price first reaches its level, on a
simulated book whose ordinary sizes never read as walls; recall is the share of injected
pulls found at their level when price reached it, precision the share of events that were
injected. The simulated trades do not consume the levels they cross, so an event that was
not injected is a natural level the touch passed while little traded through it: by the
rule's definition that is a pull too, and the precision floor allows for it.
"""

from __future__ import annotations

import pytest

from omega_tasks.core.analysis import Fold
from omega_tasks.core.sweeps import SweepAnalysis
from omega_tasks.core.walls import PULLED
from omega_tasks.simulation.book import simulate_book
from omega_tasks.simulation.market import simulate
from omega_tasks.simulation.params import SimulationParams

SEEDS = (7, 8, 9)
RECALL_FLOOR = 0.9
PRECISION_FLOOR = 0.4


@pytest.fixture(scope="module")
def runs():
    out = []
    for seed in SEEDS:
        sim = simulate(SimulationParams(seed=seed, hours=2.0))
        book = simulate_book(sim.trades, seed)
        found = Fold(SweepAnalysis()).feed(sim.trades, quotes=book.quotes, books=book.books)
        out.append((book.pulls, [f for f in found if f.kind == PULLED]))
    return out


def matches(event, pull) -> bool:
    ev = event.evidence
    return ev["level"] == pull.price and ev["side"] == pull.side and \
        pull.pulled_ms <= ev["pulled_ms"] <= pull.reached_ms <= event.time_ms < \
        pull.reached_ms + 1_000


def test_injected_pulls_are_found_when_price_reaches_them(runs):
    injected = sum(len(pulls) for pulls, _ in runs)
    found = sum(any(matches(e, p) for e in events) for pulls, events in runs for p in pulls)
    assert injected >= 10
    assert found / injected >= RECALL_FLOOR, f"recall {found}/{injected}"


def test_most_pulled_events_were_injected(runs):
    events = sum(len(e) for _, e in runs)
    true = sum(any(matches(e, p) for p in pulls) for pulls, found in runs for e in found)
    assert true / events >= PRECISION_FLOOR, f"precision {true}/{events}"
    for _, found in runs:  # direction: the way price went to reach it
        assert all(e.evidence["direction"] == (-1 if e.evidence["side"] == "bid" else 1)
                   for e in found)
