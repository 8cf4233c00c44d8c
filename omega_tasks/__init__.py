"""Omega: real-time BTC market-structure analytics on Celery and Redis.

The Celery application lives in ``omega_tasks.celery`` so that ``celery -A omega_tasks``
finds it, while importing the pure core never imports Celery.
"""

__version__ = "0.1.0"
