"""What one worker process holds between tasks: its store connection, the folds it kept and
the inputs it loaded (trend models).

A prefork worker forks its pool after the app is built, so the connection is made lazily in
the process that uses it: a child never shares its parent's sockets.
"""

from __future__ import annotations

import os

from omega_tasks.config import Settings
from omega_tasks.store import Store
from omega_tasks.worker.inputs import Inputs
from omega_tasks.worker.runner import Folds


class Runtime:
    """A process's store connection, held folds and inputs, made on first use in it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._pid = 0
        self.folds = Folds()
        self.inputs = Inputs(settings)

    @property
    def store(self) -> Store:
        """The Store of the current process (a forked child gets a fresh one)."""
        if self._store is None or self._pid != os.getpid():
            self._store = Store.connect(self.settings)
            self._pid = os.getpid()
            self.folds = Folds()
            self.inputs = Inputs(self.settings)
        return self._store
