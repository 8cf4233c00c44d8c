"""What the workers' tasks do, as functions of a process's ``Runtime``; ``worker.app``
registers them with Celery."""
