"""``omega config``: print every setting, its value in force and what it means."""

from __future__ import annotations

import argparse

from omega_tasks.config import Settings


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("config", help="print the settings in force (passwords masked)")
    parser.add_argument("--markdown", action="store_true", help="as a Markdown table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    rows = settings.describe()
    if args.markdown:
        print("| variable | default | meaning |\n|---|---|---|")
        for name, value, doc in Settings().describe():
            print(f"| `{name}` | `{value}` | {doc} |")
        return 0
    width = max(len(r[0]) for r in rows)
    for name, value, doc in rows:
        print(f"{name:<{width}}  {value}\n{'':<{width}}  {doc}")
    return 0
