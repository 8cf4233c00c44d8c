"""Memory soak: feeder, workers and Redis over a long paced run; memory must stay flat.

    python -m benchmarks.soak [--minutes 10] [--rate 2000]

Runs ``omega feed --simulate`` paced to about ``rate`` trades/s and one worker process per
analysis queue, samples resident memory (feeder; workers with their children) and Redis
memory every ``--every`` seconds, and prints start, peak and end. Retention is set low
enough that trimming is exercised within the run; each sample also says how big the tick
stream, the events stream and the 1m bars are, the families Redis memory is made of. The
last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from benchmarks.harness import BIN, clean, environment, process_tree, redis_url, workers
from omega_tasks.catalog import busy_queues
from omega_tasks.config import Settings
from omega_tasks.store import Store

MEAN_RATE = 4.0  # the simulator's long-run trades per second


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children, in kB."""
    total = 0
    for folder in process_tree(pid):
        try:
            status = (folder / "status").read_text()
        except OSError:
            continue  # ended since it was found
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=2000)
    parser.add_argument("--every", type=float, default=15)
    parser.add_argument("--retained", type=int, default=200_000)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    speed = args.rate / MEAN_RATE
    hours = args.minutes * 60 * args.rate / MEAN_RATE / 3600 * 1.3
    samples = []
    with redis_url(args.redis) as url:
        settings = Settings(
            redis_url=url,
            key_prefix="omega-bench",
            ticks_retained=args.retained,
            events_retained=20_000,
        )
        store = Store.connect(settings)
        clean(settings)
        env = environment(settings) | {
            "OMEGA_TICKS_RETAINED": str(args.retained),
            "OMEGA_EVENTS_RETAINED": "20000",
        }
        queues = busy_queues(settings.queues)
        with workers(settings, [[q] for q in queues], 1) as procs:
            feeder = subprocess.Popen(
                [
                    str(BIN / "omega"),
                    "feed",
                    "--simulate",
                    "--hours",
                    f"{hours:.1f}",
                    "--speed",
                    f"{speed:g}",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
            )
            started = time.monotonic()
            k = store.symbol("sim", "BTC-USDT")
            while time.monotonic() - started < args.minutes * 60:
                time.sleep(args.every)  # sampling cadence of a measurement, not synchronisation
                info = store.redis.info("memory")
                feed = store.feed(k)
                sample = {
                    "t_s": round(time.monotonic() - started),
                    "feeder_kb": rss_kb(feeder.pid),
                    "workers_kb": sum(rss_kb(p.pid) for p in procs),
                    "redis_bytes": int(info["used_memory"]),
                    "trades": int(feed.get("trades", 0)),
                    "ticks_bytes": int(store.redis.memory_usage(k.ticks, samples=0) or 0),
                    "events": int(store.redis.xlen(k.events)),
                    "events_bytes": int(store.redis.memory_usage(k.events, samples=0) or 0),
                    "bars": int(store.redis.zcard(k.bars)),
                    "bars_bytes": int(store.redis.memory_usage(k.bars, samples=0) or 0),
                }
                samples.append(sample)
                print(json.dumps(sample), flush=True)
            feeder.terminate()
            feeder.wait(60)
        stream_trades = sum(len(b.trades) for b in store.batches(k, count=1_000_000))
        per_tick = samples[-1]["ticks_bytes"] / max(stream_trades, 1)
        clean(settings)

    feeding = [s for s in samples if s["trades"] > 0]  # the simulation is built before

    def summary(key: str) -> dict[str, int]:
        values = [s[key] for s in feeding]
        return {"start": values[0], "peak": max(values), "end": values[-1]}

    result = {
        "benchmark": "soak",
        "minutes": args.minutes,
        "rate": args.rate,
        "trades_fed": samples[-1]["trades"],
        "feeder_kb": summary("feeder_kb"),
        "workers_kb": summary("workers_kb"),
        "redis_bytes": summary("redis_bytes"),
        "redis_bytes_per_retained_tick": round(per_tick, 1),
    }
    for key in ("feeder_kb", "workers_kb", "redis_bytes"):
        print(
            f"{key:<12} start {result[key]['start']:>12,}  peak {result[key]['peak']:>12,}"
            f"  end {result[key]['end']:>12,}"
        )
    print(f"Redis bytes per retained tick: {per_tick:.1f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
