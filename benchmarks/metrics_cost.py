"""Metrics cost: microseconds a worker's metrics add to each task, in multiprocess mode.

    python -m benchmarks.metrics_cost [--tasks 20000]

Runs the task_prerun and task_postrun handlers as a prefork worker child would, writing
to a multiprocess folder of its own, and reports CPU microseconds per task. The last line
is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from types import SimpleNamespace

from prometheus_client import values

from omega_tasks.metrics import WorkerMetrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="omega-bench-metrics-")
    values.ValueClass = values.MultiProcessValue()
    metrics = WorkerMetrics()  # its values are made now, after the switch
    task = SimpleNamespace(name="omega.traps.analyse")
    retval = {"trades": 200, "received_ns": time.time_ns(),
              "kinds": {"traps": ["liquidity_grab"], "highfreq": []}}
    started = time.process_time()
    for i in range(args.tasks):
        metrics.prerun(str(i))
        metrics.postrun(str(i), task, retval)
    us = (time.process_time() - started) / args.tasks * 1e6
    print(f"worker metrics: {us:.1f} us of CPU per task ({args.tasks:,} tasks)")
    print(json.dumps({"us_per_task": round(us, 2), "tasks": args.tasks}))


if __name__ == "__main__":
    main()
