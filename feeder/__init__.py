"""The feeder: sources of trades, micro-batching, and publishing to Redis and Celery."""
