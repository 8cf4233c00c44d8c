"""What celery beat sends, and when: the whole schedule in one place.

Every job is idempotent and tolerates a missed or repeated run: a send that no worker took
within most of its interval expires instead of piling up behind a stopped fleet. Only one
beat may run; ``worker.beat.SingleBeat`` (the app's scheduler) makes a second one stand by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from celery.schedules import crontab

from omega_tasks.names import TaskName

HOUR_S = 3600.0


@dataclass(frozen=True, slots=True)
class Job:
    """A task that beat sends every ``every`` (seconds, or a crontab), dropped if no worker
    took it within ``expires_s``."""

    name: str
    task: str
    every: float | crontab
    expires_s: float


JOBS: tuple[Job, ...] = (
    Job("feed health", TaskName.CHECK_FEEDS, 15.0, 15.0),
    # Brings every analysis up to the last stored trade: covers a task message that was lost
    # or is still queued behind a backlog.
    Job("catch up", TaskName.CATCH_UP, 60.0, 60.0),
    Job("trim", TaskName.TRIM, 300.0, 300.0),
    # On queue maintenance, so a backlog of predictions on queue ml does not delay it; a send
    # waits most of the hour for a worker, so a late worker still retrains well inside the
    # model's expiry.
    Job("retrain trend model", TaskName.RETRAIN, crontab(minute=0), 55 * 60.0),
)


def beat_schedule(jobs: tuple[Job, ...] = JOBS) -> dict[str, dict[str, Any]]:
    """Return the jobs as Celery's ``beat_schedule`` setting."""
    return {
        job.name: {"task": job.task, "schedule": job.every, "options": {"expires": job.expires_s}}
        for job in jobs
    }
