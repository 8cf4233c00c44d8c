"""The entry point ``celery -A omega_tasks`` finds: the worker app, configured from OMEGA_*,
with the worker and beat metrics endpoints hooked in and Flower's safe configuration."""

from __future__ import annotations

import os

from omega_tasks import metrics
from omega_tasks.config import Settings
from omega_tasks.worker import flower
from omega_tasks.worker.app import worker_app

app = worker_app(Settings.from_env(os.environ))
metrics.install(app)
flower.use_omega_config()
