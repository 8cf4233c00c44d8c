"""Notify rate: events per second ``omega notify`` delivers to a local webhook.

    python -m benchmarks.notify_rate --redis redis://127.0.0.1:6379/14 [--events 5000]

Stores ``--events`` events under a key prefix of its own, starts a local HTTP server that
accepts every POST, runs ``omega notify --webhook`` as a user does, and times from its start
until the server has every event (the process's start-up is reported apart). The keys it
wrote are deleted afterwards. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from omega_tasks.config import Settings
from omega_tasks.messages import Event
from omega_tasks.store import Store

PREFIX = "omega-bench-notify"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", required=True, help="a Redis URL whose keys may be written")
    parser.add_argument("--events", type=int, default=5_000)
    args = parser.parse_args()
    store = Store.connect(Settings(redis_url=args.redis, key_prefix=PREFIX))
    k = store.symbol("sim", "BTC-USDT")
    events = [Event(f"sim:BTC-USDT:traps:bull_trap:{i}", "sim", "BTC-USDT", "traps",
                    "bull_trap", i, 1_723_161_600_000 + i, {"level": 60_000.0 + i})
              for i in range(1, args.events + 1)]
    for i in range(0, len(events), 1000):
        store.add_events(k, events[i:i + 1000])
    store.redis.sadd(store.keys.symbols, k.member)
    seen: set[str] = set()
    first: list[float] = []
    done = threading.Event()

    class Sink(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if not first:
                first.append(time.perf_counter())
            seen.add(self.headers["Idempotency-Key"])
            if len(seen) == args.events:
                done.set()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, OMEGA_REDIS_URL=args.redis, OMEGA_KEY_PREFIX=PREFIX)
    omega = str(Path(sys.executable).parent / "omega")
    began = time.perf_counter()
    proc = subprocess.Popen([omega, "notify", "--webhook", f"http://127.0.0.1:{server.server_port}/"],
                            env=env, stderr=subprocess.DEVNULL)
    try:
        if not done.wait(600):
            raise SystemExit(f"only {len(seen)} of {args.events} events arrived")
        ended = time.perf_counter()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        server.shutdown()
        for key in store.redis.scan_iter(match=f"{PREFIX}:*"):
            store.redis.delete(key)
        store.close()
    rate = args.events / (ended - first[0])
    print(f"{args.events:,} events delivered in {ended - first[0]:.2f} s after the first "
          f"({rate:,.0f} events/s); process start to first delivery {first[0] - began:.2f} s")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(json.dumps({"events": args.events, "events_per_s": round(rate, 1),
                      "startup_s": round(first[0] - began, 2)}))


if __name__ == "__main__":
    main()
