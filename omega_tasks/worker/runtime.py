"""What one worker process holds between tasks: its store connection and the folds it kept.

A prefork worker forks its pool after the app is built, so the connection is made lazily in
the process that uses it: a child never shares its parent's sockets.
"""

from __future__ import annotations

import os

from omega_tasks.config import Settings
from omega_tasks.store import Store
from omega_tasks.worker.runner import Folds


class Runtime:
    """A process's store connection and held folds, made on first use in that process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._pid = 0
        self.folds = Folds()

    @property
    def store(self) -> Store:
        """The Store of the current process (a forked child gets a fresh one)."""
        if self._store is None or self._pid != os.getpid():
            self._store = Store.connect(self.settings)
            self._pid = os.getpid()
            self.folds = Folds()
        return self._store
