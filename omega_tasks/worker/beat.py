"""A beat scheduler that sends only while it holds the fleet's beat lock.

Two beats would send every job twice. The jobs tolerate that, but a fleet should not rely
on it: the running beat holds a lock in Redis (``{prefix}:beat``) with a time to live and
extends it on every tick; a second beat stands by, sending nothing, and takes over within
one time to live after the first stops or loses Redis. The schedule itself lives in
``worker.schedule``; this scheduler keeps it in memory (no schedule file to write) and
records in Redis when it last sent each job, so a beat that starts or takes over carries on
from there: a job whose run fell due while no beat was sending is sent at once, once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

import redis
from celery.beat import ScheduleEntry, Scheduler

from omega_tasks.store import Store
from omega_tasks.worker.app import OmegaApp

log = logging.getLogger(__name__)


class SingleBeat(Scheduler):  # type: ignore[misc]
    """Send the schedule only while this process holds the beat lock."""

    lock_ttl_s = 30.0

    def __init__(self, app: OmegaApp, *args: Any, **kwargs: Any) -> None:
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False
        super().__init__(app, *args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        """Send what is due if this beat leads; return the seconds until the next tick."""
        recheck = self.lock_ttl_s / 3
        if not self._lead():
            return recheck
        return float(min(super().tick(*args, **kwargs), recheck))

    def reserve(self, entry: ScheduleEntry) -> ScheduleEntry:
        """Advance a due entry, and record when it was sent for whichever beat comes next."""
        sent = super().reserve(entry)
        try:
            self.app.store.record_beat_run(sent.name, sent.last_run_at.timestamp())
        except redis.RedisError as exc:
            log.warning("could not record the run of %s (%s)", sent.name, exc)
        return sent

    def _lead(self) -> bool:
        store: Store = self.app.store
        try:
            leading = store.hold_beat_lock(self.holder, self.lock_ttl_s)
            if leading and not self.leading:
                self._resume(store.beat_runs())
        except redis.RedisError as exc:
            log.warning("beat lock unreachable (%s); sending nothing until it answers", exc)
            leading = False
        if leading != self.leading:
            if leading:
                log.warning("beat %s holds the beat lock and sends the schedule", self.holder)
            else:
                log.warning("beat %s stands by: another beat holds the lock", self.holder)
            self.leading = leading
        return leading

    def _resume(self, runs: dict[str, float]) -> None:
        """Take each job's last run from the record, so the schedule goes on from there."""
        for name, entry in self.schedule.items():
            if name in runs:
                entry.last_run_at = datetime.fromtimestamp(runs[name], UTC)
        self._heap = None  # recompute what is due next

    def close(self) -> None:
        """Give the lock up at once, so a standby beat takes over without waiting."""
        if self.leading:
            try:
                self.app.store.release_beat_lock(self.holder)
            except redis.RedisError as exc:
                log.warning("could not release the beat lock (%s); it expires", exc)
            self.leading = False
        super().close()
