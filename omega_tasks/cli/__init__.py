"""The ``omega`` command: one subcommand per module, settings built once here."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import redis
from kombu.exceptions import OperationalError

from omega_tasks.cli import (
    chart,
    config_cmd,
    demo,
    evaluate,
    events,
    export,
    feed,
    notify,
    record,
    replay,
    run,
    serve,
    state,
    status,
)
from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import ConfigError, OmegaError

COMMANDS = (demo, run, feed, record, replay, events, state, status, evaluate, config_cmd,
            notify, export, serve, chart)


def parser() -> argparse.ArgumentParser:
    """Return the omega command line's parser, every subcommand added."""
    made = argparse.ArgumentParser(
        prog="omega", description="Real-time BTC market-structure analytics on Celery."
    )
    sub = made.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add(sub)
    return made


def main(argv: Sequence[str] | None = None) -> int:
    """Run the omega command line."""
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"omega: configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level != "DEBUG":
        logging.getLogger("celery").setLevel(logging.WARNING)  # a line per task drowns the rest
    try:
        return int(args.run(args, settings))
    except ConfigError as exc:
        print(f"omega: configuration error: {exc}", file=sys.stderr)
        return 2
    except OmegaError as exc:
        print(f"omega: {exc}", file=sys.stderr)
        return 1
    except (redis.RedisError, OperationalError) as exc:
        print(f"omega: Redis or the broker at {redact_url(settings.redis_url)} failed: "
              f"{_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"omega: {_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log at DEBUG
        logging.getLogger("omega").debug("unexpected error", exc_info=True)
        print(f"omega: unexpected error: {type(exc).__name__}: {_line(exc)} "
              "(OMEGA_LOG_LEVEL=DEBUG logs where)", file=sys.stderr)
        return 1


def _line(exc: BaseException) -> str:
    """An error's message in one line."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]
