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

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.fleet import status_report
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
    report = status_report(store, app, settings,
                           None if args.no_workers else args.timeout)
    if "feeds" not in report:  # Redis did not answer
        print(json.dumps(report) if args.json else f"UNHEALTHY\n  {report['problems'][0]}")
        return 1
    print(json.dumps(report, sort_keys=True) if args.json else _text(report))
    return 0 if report["healthy"] else 1


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
