"""Which analyses exist and which queue runs each: the feeder and the workers both read it.

Adding an analysis is one core module, one line here and its test: what it needs besides
the tape (models, other analyses' views) it declares itself (``Analysis.needs``), and the
worker's one runner supplies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.core.analysis import BOOK, QUOTES, Analysis
from omega_tasks.core.fib_analysis import FibAnalysis
from omega_tasks.core.harmony import HarmonyAnalysis
from omega_tasks.core.ml_analysis import PredictionAnalysis
from omega_tasks.core.sweeps import SweepAnalysis
from omega_tasks.core.threshold import ThresholdAnalysis
from omega_tasks.core.trends import TrendAnalysis
from omega_tasks.core.volatility import VolatilityAnalysis
from omega_tasks.names import Queue


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """An analysis and the queue whose workers run it."""

    kind: type[Analysis]
    queue: Queue

    @property
    def name(self) -> str:
        """The analysis's own name: its checkpoints'."""
        return self.kind.name

    @property
    def publishes(self) -> tuple[str, ...]:
        """The snapshots (and event detectors) it publishes."""
        return self.kind.publishes()


# In dependency order: an analysis that reads others' views comes after them, so a catch-up
# that runs the catalogue in order brings the inputs up first.
CATALOG: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(ThresholdAnalysis, Queue.TRENDS),
    AnalysisSpec(TrendAnalysis, Queue.TRENDS),
    AnalysisSpec(FibAnalysis, Queue.FIB),
    AnalysisSpec(SweepAnalysis, Queue.TRAPS),
    AnalysisSpec(PredictionAnalysis, Queue.ML),
    AnalysisSpec(VolatilityAnalysis, Queue.ML),
    AnalysisSpec(HarmonyAnalysis, Queue.ML),
)


def on_queue(queue: str) -> tuple[AnalysisSpec, ...]:
    """Return the analyses a queue's task runs, in catalogue order."""
    return tuple(spec for spec in CATALOG if spec.queue == queue)


def reads_book(queue: str) -> bool:
    """Whether an analysis on ``queue`` reads the top of book or the order book: the other
    queues' tasks are sent their batches without them."""
    return any(QUOTES in spec.kind.needs or BOOK in spec.kind.needs for spec in on_queue(queue))


def busy_queues(allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return the queues in ``allowed`` that have at least one analysis."""
    return tuple(q for q in allowed if on_queue(q))


def published(queues: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Return every snapshot name the analyses on ``queues`` (default: all) publish."""
    return tuple(name for spec in CATALOG if queues is None or spec.queue in queues
                 for name in spec.publishes)


def readers_of(spec: AnalysisSpec) -> tuple[AnalysisSpec, ...]:
    """Return the analyses that read some snapshot ``spec`` publishes, in catalogue order."""
    return tuple(reader for reader in CATALOG for need in reader.kind.needs
                 if need.kind == "views" and set(need.names) & set(spec.publishes))


def read_by_others() -> frozenset[str]:
    """Return the snapshots some analysis reads as of a trade: their history is kept."""
    return frozenset(name for spec in CATALOG for need in spec.kind.needs
                     if need.kind == "views" for name in need.names)
