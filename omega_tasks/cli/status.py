"""``omega status``: is the fleet healthy? Exits 1 when not, so it serves as a health check.

Feed health per venue and per symbol, queue depths, workers online per queue (from Celery's
inspect, a broadcast every worker answers), and how many trades each analysis snapshot
trails its feed. Unhealthy: Redis unreachable, no feed, a stale feed, a link not connected,
or a queue the fleet needs with no worker on it.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import redis
from kombu.exceptions import OperationalError

from omega_tasks.catalog import busy_queues
from omega_tasks.cli import arguments
from omega_tasks.config import Settings, redact_url
from omega_tasks.fleet import (
    feed_problems,
    memory_problems,
    queue_depths,
    queue_problems,
    symbol_views,
    venue_views,
    workers_by_queue,
)
from omega_tasks.names import Queue
from omega_tasks.retry import failure_class
from omega_tasks.store import Store
from omega_tasks.worker.app import celery_app


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("status", help="fleet health; exits 1 when unhealthy")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--no-workers", action="store_true",
                        help="skip asking the workers (a feeder's own health check)")
    parser.add_argument("--timeout", type=arguments.positive, default=1.0,
                        help="seconds to wait for workers to answer (default 1)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    store = Store.connect(settings)
    app = celery_app(settings)
    try:
        memory = store.memory()
        full = memory_problems(*memory)
        views = symbol_views(store)
        depths = queue_depths(app)
    except (redis.RedisError, OSError, OperationalError) as exc:
        reached = "full" if failure_class(exc) == "redis full" else "unreachable"
        problem = f"Redis {reached} at {redact_url(settings.redis_url)}: {exc}"
        print(json.dumps({"healthy": False, "problems": [problem]}) if args.json
              else f"UNHEALTHY\n  {problem}")
        return 1
    problems = full + feed_problems(views, settings.feed_stale_s)
    workers: dict[str, list[str]] | None = None
    if not args.no_workers:
        workers = workers_by_queue(app, args.timeout)
        needed = (*busy_queues(settings.queues), Queue.MAINTENANCE)
        problems += queue_problems(needed, workers)
    report: dict[str, Any] = {
        "healthy": not problems,
        "problems": problems,
        "feeds": [{"exchange": v.exchange, "symbol": v.symbol,
                   "last_trade_id": v.health.last_trade_id if v.health else None,
                   "age_s": round(v.health.age_s, 3) if v.health else None,
                   "gaps_open": v.health.gaps_open if v.health else 0,
                   "gaps_closed": v.health.gaps_closed if v.health else 0,
                   "reconnects": v.health.reconnects if v.health else 0,
                   "connection": v.health.connection if v.health else "",
                   "lag_trades": v.lag_trades} for v in views],
        "venues": {v.exchange: {"symbols": list(v.symbols),
                                "connections": list(v.connections),
                                "newest_age_s": None if v.newest_age_s is None
                                else round(v.newest_age_s, 3),
                                "gaps_open": v.gaps_open, "reconnects": v.reconnects}
                   for v in venue_views(views)},
        "redis_memory": {"used": memory[0], "max": memory[1], "writable": memory[2]},
        "queues": {q: {"waiting": depths[q],
                       "workers": None if workers is None else workers.get(q, [])}
                   for q in depths},
    }
    print(json.dumps(report, sort_keys=True) if args.json else _text(report))
    return 0 if not problems else 1


def _text(report: dict[str, Any]) -> str:
    lines = ["venues"]
    for name, v in report["venues"].items():
        age = "never" if v["newest_age_s"] is None else f"{v['newest_age_s']:.1f} s ago"
        lines.append(f"  {name}: {len(v['symbols'])} symbols, newest trade {age}, "
                     f"{'/'.join(c or 'no link state' for c in v['connections']) or 'no feed'}"
                     f", gaps open {v['gaps_open']}, reconnects {v['reconnects']}")
    lines.append("feeds")
    for f in report["feeds"]:
        age = "never" if f["age_s"] is None else f"{f['age_s']:.1f} s ago"
        lines.append(f"  {f['exchange']}:{f['symbol']}  last trade {age} "
                     f"(id {f['last_trade_id']}), {f['connection'] or 'no link state'}, "
                     f"gaps open {f['gaps_open']} closed {f['gaps_closed']}, "
                     f"reconnects {f['reconnects']}")
        behind = ", ".join(f"{a} {'-' if n is None else n}" for a, n in f["lag_trades"].items())
        lines.append(f"    snapshots behind the feed (trades): {behind}")
    lines.append("queues")
    for queue, q in report["queues"].items():
        who = "not asked" if q["workers"] is None else (", ".join(q["workers"]) or "none")
        lines.append(f"  {queue:<12} {q['waiting']:>7} waiting   workers: {who}")
    verdict = "healthy" if report["healthy"] else "UNHEALTHY"
    lines.append(verdict + "".join(f"\n  {p}" for p in report["problems"]))
    return "\n".join(lines)
