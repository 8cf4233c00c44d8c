"""``omega evaluate NAME FILE``: replay real data through the core and print how it did."""

from __future__ import annotations

import argparse

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.evaluation.data import load
from omega_tasks.evaluation.registry import EVALUATIONS


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("evaluate", help="measure an analysis on a candle or tick file")
    names = parser.add_subparsers(dest="evaluation", required=True, metavar="NAME")
    for name, module in sorted(EVALUATIONS.items()):
        one = names.add_parser(name, help=module.HELP)
        one.add_argument("file", type=arguments.existing_file,
                         help="candle CSV (klines), tick CSV or websocket recording, gzip or not")
        module.add_arguments(one)
        one.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # an evaluation that starts warm or picks a recording's symbol declares --klines, --symbol
    data = load(args.file, getattr(args, "symbol", None), getattr(args, "klines", None))
    print(EVALUATIONS[args.evaluation].run(data, args))
    return 0
