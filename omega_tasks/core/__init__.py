"""The pure analytical core: no I/O, no Redis or Celery, no environment, no wall clock (time
is an argument). It imports numpy and the standard library, and scikit-learn and SciPy in
the trend model's modules (``ml*``); the import contracts in pyproject.toml check it."""
