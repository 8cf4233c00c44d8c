"""Names vulture cannot see used: each is read by a library or framework, not by our code."""
# ruff: noqa
_ = object()

_.collect  # prometheus-client calls collect() on every registered collector
_.ValueClass  # prometheus-client's multiprocess mode reads values.ValueClass
_.beat_scheduler  # Celery reads app.conf.beat_scheduler (worker.beat.SingleBeat)
_._heap  # celery.beat.Scheduler recomputes what is due when _heap is None
_.should_stop  # Celery's worker state: set to stop the in-process worker
_.neither  # a dataclass field, filled by its constructor
_.do_GET  # http.server calls it for each GET
_.log_message  # http.server logs through it
_.close_connection  # http.server reads it after each request
_.obj  # a YAML loader's constructor result
pytestmark  # pytest reads each module's marks
_.do_POST  # http.server calls it for each POST
_.daemon_threads  # socketserver reads it: request threads do not hold up a shutdown
_.should_exit  # uvicorn.Server stops serving when should_exit is set
_.capture_signals  # uvicorn.Server wraps its serving in capture_signals()
_.requires  # Celery's bootsteps read a step's requires
