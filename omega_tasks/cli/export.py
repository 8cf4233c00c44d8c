"""``omega export``: a table of what Omega stored (events, bars, ticks, state) as CSV, JSON
lines or Parquet, to a file or stdout, streamed a page at a time (flat memory)."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack

from omega_tasks.cli import arguments
from omega_tasks.config import Settings
from omega_tasks.errors import InputError
from omega_tasks.export.bounds import Range, parse_bound
from omega_tasks.export.tables import TABLES, pages
from omega_tasks.export.writers import FORMATS, write
from omega_tasks.store import Store


def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("export", help="write events, bars, ticks or state to a file")
    parser.add_argument("table", choices=tuple(TABLES))
    parser.add_argument("--format", choices=FORMATS, default="csv")
    arguments.symbol_filters(parser)
    parser.add_argument("--since", help="from this time (2024-08-08T23:55:00Z) or stream id "
                        "(1723161300000-0; tick stream ids are trade ids: 3735683259-0)")
    parser.add_argument("--until", help="up to this time or stream id (inclusive)")
    parser.add_argument("--output", "-o", type=arguments.new_file,
                        help="the file to write (default: stdout)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        span = Range(parse_bound(args.since), parse_bound(args.until))
    except InputError as exc:
        print(f"omega export: {exc}", file=sys.stderr)
        return 2
    if args.format == "parquet" and args.output is None and sys.stdout.isatty():
        print("omega export: Parquet is binary: give --output FILE or redirect stdout",
              file=sys.stderr)
        return 2
    store = Store.connect(settings)
    symbols = [store.symbol(x, s) for x, s in arguments.chosen(store.symbols(), args)]
    table = TABLES[args.table]
    with ExitStack() as stack:
        out = (stack.enter_context(args.output.open("wb")) if args.output
               else sys.stdout.buffer)
        try:
            count = write(table, pages(store, args.table, symbols, span), args.format, out)
            out.flush()
        except InputError as exc:
            print(f"omega export: {exc}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # the reader had enough (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    print(f"omega export: {count:,} {args.table} rows from {len(symbols)} symbol(s)",
          file=sys.stderr)
    return 0
