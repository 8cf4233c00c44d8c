"""What celery beat sends, and when: the whole schedule in one place.

Every job is idempotent and tolerates a missed or repeated run: a send that no worker took
within its interval expires instead of piling up behind a stopped fleet. Only one beat may
run; ``worker.beat.SingleBeat`` (the app's scheduler) makes a second one stand by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.schedules import crontab

from omega_tasks.names import FIB, THRESHOLD, TREND, TaskName

# A 1m bar closes at the first trade of the next minute, which reaches Redis within a batch
# interval: a job about a close waits this long past the boundary, so the close is stored.
CLOSE_LAG_S = 5.0


@dataclass(frozen=True, slots=True)
class Job:
    """A task that beat sends on a schedule (seconds between runs, or a crontab)."""

    name: str
    task: str
    every: float | crontab
    kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def expires_s(self) -> float:
        """Drop a send no worker took before the next one is due (most of the period)."""
        if isinstance(self.every, AfterClose):
            return self.every.period_s * 11 / 12
        if isinstance(self.every, crontab):
            return 55.0
        return self.every


class AfterClose(crontab):  # type: ignore[misc]
    """A crontab that fires ``lag_s`` seconds after each of its boundaries."""

    def __init__(self, minute: str, hour: str = "*", lag_s: float = CLOSE_LAG_S) -> None:
        super().__init__(minute=minute, hour=hour)
        self.lag_s = lag_s

    @property
    def period_s(self) -> float:
        """Seconds between boundaries: minutes ``*/N``, or hour 0 of every ``*/H`` hours."""
        minute, hour = str(self._orig_minute), str(self._orig_hour)
        if hour == "*":
            return 60.0 * (int(minute[2:]) if minute.startswith("*/") else 60)
        return 3600.0 * (int(hour[2:]) if hour.startswith("*/") else 24)

    def now(self) -> datetime:
        """Run the crontab's clock ``lag_s`` behind, so each boundary is met that much later."""
        return super().now() - timedelta(seconds=self.lag_s)  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AfterClose) and self.lag_s == other.lag_s and super().__eq__(other)

    def __hash__(self) -> int:
        return hash((self._orig_minute, self._orig_hour, self.lag_s))

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        return (self.__class__, (self._orig_minute, self._orig_hour, self.lag_s))

    def __repr__(self) -> str:
        return f"<after close: {self._orig_minute} {self._orig_hour} + {self.lag_s:g} s>"


def on_close(minutes: int, lag_s: float = CLOSE_LAG_S) -> AfterClose:
    """Fire ``lag_s`` after bars of ``minutes`` (a divisor of 60, or of 24 hours) close."""
    if minutes < 60 and 60 % minutes == 0:
        return AfterClose(f"*/{minutes}", lag_s=lag_s)
    if minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        return AfterClose("0", f"*/{minutes // 60}", lag_s=lag_s)
    raise ValueError(f"bars of {minutes} minutes do not close on a clock boundary")


JOBS: tuple[Job, ...] = (
    Job("feed health", TaskName.CHECK_FEEDS, 15.0),
    Job("catch up", TaskName.CATCH_UP, 60.0),
    Job("trim", TaskName.TRIM, 300.0),
    Job("harmony", TaskName.HARMONY, 15.0),
    # Catch-ups at bar closes: the trade after a close normally brings these analyses up to
    # date; the job covers a task that is behind or was lost. Every higher-timeframe close is
    # also a 1m close, and 5m closes include every 15m, 1h and 4h close, where fib levels move.
    Job("trend at bar closes", TaskName.CATCH_UP, on_close(1), (("analyses", (THRESHOLD, TREND)),)),
    Job("fib at bar closes", TaskName.CATCH_UP, on_close(5), (("analyses", (FIB,)),)),
    # On queue maintenance, so a backlog of predictions on queue ml does not delay it: the
    # trend model retrained on the latest window, well inside its expiry.
    Job("retrain trend model", TaskName.RETRAIN, on_close(60)),
)


def beat_schedule(jobs: tuple[Job, ...] = JOBS) -> dict[str, dict[str, Any]]:
    """Return the jobs as Celery's ``beat_schedule`` setting."""
    return {
        job.name: {
            "task": job.task,
            "schedule": job.every,
            "kwargs": dict(job.kwargs),
            "options": {"expires": job.expires_s},
        }
        for job in jobs
    }
