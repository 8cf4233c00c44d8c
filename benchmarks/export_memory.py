"""Export memory: peak RSS of ``omega export`` over a range and over one ten times longer.

    python -m benchmarks.export_memory --redis redis://127.0.0.1:6379/14 [--trades 200000]

Stores ``--trades`` real-looking ticks (a seeded walk, through the real feeder, no workers)
under a key prefix of its own on that Redis, exports the first tenth and the whole range to
Parquet, CSV and JSON lines in fresh processes, and prints each one's peak RSS (the
``ru_maxrss`` of the child). Flat memory means the two columns are close. The keys it wrote
are deleted afterwards. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from feeder.pipeline import build_feeder
from feeder.sources.replay import TradesSource
from omega_tasks.config import Settings
from omega_tasks.core.types import Trades
from omega_tasks.store import Store

PREFIX = "omega-bench-export"


def random_walk(n: int, seed: int = 1) -> Trades:
    """``n`` trades of a seeded random walk, a few a second."""
    rng = random.Random(seed)
    price, t = 60_000.0, 1_723_161_600_000
    times, prices, sizes, sides = [], [], [], []
    for _ in range(n):
        price = round(price + rng.gauss(0, 4), 2)
        t += rng.randint(0, 500)
        times.append(t)
        prices.append(price)
        sizes.append(round(rng.expovariate(20), 5) + 1e-5)
        sides.append(1 if rng.random() < 0.5 else -1)
    return Trades(tuple(range(1, n + 1)), tuple(times), tuple(prices), tuple(sizes), tuple(sides))


def peak_rss_mib(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (its peak RSS in MiB, seconds)."""
    began = time.perf_counter()
    with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL) as proc:
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode})")
    return usage.ru_maxrss / 1024, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", required=True, help="a Redis URL whose keys may be written")
    parser.add_argument("--trades", type=int, default=200_000)
    args = parser.parse_args()
    settings = Settings(redis_url=args.redis, key_prefix=PREFIX,
                        ticks_retained=args.trades * 2)
    store = Store.connect(settings)
    try:
        source = TradesSource(random_walk(args.trades), "sim", "BTC-USDT", chunk=1000)
        build_feeder(settings, store, None).run(source)
        omega = str(Path(sys.executable).parent / "omega")
        env = dict(os.environ, OMEGA_REDIS_URL=args.redis, OMEGA_KEY_PREFIX=PREFIX)
        tenth = f"{args.trades // 10}-0"
        results = {}
        with tempfile.TemporaryDirectory() as folder:
            for fmt in ("parquet", "csv", "jsonl"):
                for label, until in ((f"{args.trades // 10:,} ticks", tenth),
                                     (f"{args.trades:,} ticks", f"{args.trades}-0")):
                    out = Path(folder, f"ticks.{fmt}")
                    rss, seconds = peak_rss_mib(
                        [omega, "export", "ticks", "--format", fmt, "--until", until,
                         "--output", str(out)], env)
                    results[f"{fmt} {label}"] = {"peak_rss_mib": round(rss, 1),
                                                 "seconds": round(seconds, 2),
                                                 "bytes": out.stat().st_size}
                    print(f"{fmt:8} {label:>15}: peak RSS {rss:6.1f} MiB, {seconds:5.2f} s, "
                          f"{out.stat().st_size:,} bytes")
        print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
              f"(self RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)")
        print(json.dumps(results))
    finally:
        for key in store.redis.scan_iter(match=f"{PREFIX}:*"):
            store.redis.delete(key)
        store.close()


if __name__ == "__main__":
    main()
