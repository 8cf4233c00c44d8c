"""Which analyses exist and which queue runs each: the feeder and the workers both read it."""

from __future__ import annotations

from dataclasses import dataclass

from omega_tasks.core.analysis import Analysis
from omega_tasks.core.fib_analysis import FibAnalysis
from omega_tasks.core.ml_analysis import PredictionAnalysis
from omega_tasks.core.sweeps import HighFreqAnalysis, TrapAnalysis
from omega_tasks.core.threshold import ThresholdAnalysis
from omega_tasks.core.trends import TrendAnalysis
from omega_tasks.names import Queue


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """An analysis and the queue whose workers run it."""

    kind: type[Analysis]
    queue: Queue

    @property
    def name(self) -> str:
        return self.kind.name


CATALOG: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(ThresholdAnalysis, Queue.TRENDS),
    AnalysisSpec(TrendAnalysis, Queue.TRENDS),
    AnalysisSpec(FibAnalysis, Queue.FIB),
    AnalysisSpec(TrapAnalysis, Queue.TRAPS),
    AnalysisSpec(HighFreqAnalysis, Queue.HIGHFREQ),
    AnalysisSpec(PredictionAnalysis, Queue.ML),
)


def on_queue(queue: str) -> tuple[AnalysisSpec, ...]:
    """Return the analyses a queue's task runs, in catalogue order."""
    return tuple(spec for spec in CATALOG if spec.queue == queue)


def busy_queues(allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Return the queues in ``allowed`` that have at least one analysis."""
    return tuple(q for q in allowed if on_queue(q))
