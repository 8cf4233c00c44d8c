"""Celery task definitions: thin adapters from a message to the runner and the store."""

from __future__ import annotations

from omega_tasks.broker import OmegaApp, celery_app
from omega_tasks.config import Settings
from omega_tasks.schedule import beat_schedule
from omega_tasks.tasks import analyse, maintenance, ml


def create_worker_app(settings: Settings) -> OmegaApp:
    """Return the Celery app with every Omega task registered."""
    app = celery_app(settings)
    analyse.register(app)
    maintenance.register(app)
    ml.register(app)
    app.conf.beat_schedule = beat_schedule()
    app.conf.beat_scheduler = "omega_tasks.beat:SingleBeat"
    return app
