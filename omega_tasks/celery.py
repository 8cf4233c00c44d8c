"""The entry point ``celery -A omega_tasks`` finds: the app, configured from OMEGA_*."""

from __future__ import annotations

import os

from omega_tasks.config import Settings
from omega_tasks.tasks import create_worker_app

app = create_worker_app(Settings.from_env(os.environ))
