"""What celery beat sends, and when: the whole schedule in one place.

Every job is idempotent and tolerates a missed or repeated run: a send that no worker took
within its interval expires instead of piling up behind a stopped fleet. Only one beat may
run; ``omega_tasks.beat.SingleBeat`` (the app's scheduler) makes a second one stand by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab


@dataclass(frozen=True, slots=True)
class Job:
    """A task that beat sends on a schedule (seconds between runs, or a crontab)."""

    name: str
    task: str
    every: float | crontab
    kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def expires_s(self) -> float:
        """Drop a send no worker took before the next one is due."""
        if isinstance(self.every, crontab):
            return 55.0
        return self.every


def on_close(minutes: int) -> crontab:
    """Fire as bars of ``minutes`` (a divisor of 60, or whole hours dividing 24) close."""
    if minutes < 60 and 60 % minutes == 0:
        return crontab(minute=f"*/{minutes}")
    if minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        return crontab(minute="0", hour=f"*/{minutes // 60}")
    raise ValueError(f"bars of {minutes} minutes do not close on a clock boundary")


JOBS: tuple[Job, ...] = (
    Job("feed health", "omega.maintenance.check_feeds", 15.0),
    Job("catch up", "omega.maintenance.catch_up", 60.0),
    Job("trim", "omega.maintenance.trim", 300.0),
    # 5m closes include every 15m, 1h and 4h close: their Fibonacci levels are current then.
    Job("fib at bar closes", "omega.maintenance.catch_up", on_close(5), (("analyses", ("fib",)),)),
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
