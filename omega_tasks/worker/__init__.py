"""The workers: the Celery app, the analysis and upkeep tasks, the runner, beat's schedule."""
