"""The fleet's files (Procfile, docker/): every command is a real invocation of this package,
every metrics endpoint is scraped, the alert rules pass promtool. No Docker engine runs here."""

import os
import shutil
import subprocess
import warnings

import pytest
import yaml
from celery.app.utils import find_app
from celery.bin.base import CLIContext
from celery.bin.celery import celery as celery_cli
from flower.options import options as flower_options

from omega_tasks.cli import parser as omega_parser
from omega_tasks.config import Settings
from omega_tasks.names import ALL_QUEUES
from tests.conftest import ROOT

DOCKER = ROOT / "docker"
GROUPS = [("traps", "highfreq"), ("fib", "trends"), ("ml", "maintenance")]


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def procfile(env: dict[str, str]) -> dict[str, tuple[dict[str, str], list[str]]]:
    """Each Procfile entry as the shell honcho runs it would expand it: (environment, argv)."""
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, command = line.split(":", 1)
        words = subprocess.run(
            ["sh", "-c", f"set -- {command.strip().removeprefix('exec ')}; printf '%s\\0' \"$@\""],
            env=env, capture_output=True, text=True, check=True).stdout.split("\0")[:-1]
        assigned = {}
        if words[0] == "env":
            words.pop(0)
            while "=" in words[0]:
                key, value = words.pop(0).split("=", 1)
                assigned[key] = value
        entries[name] = (assigned, words)
    return entries


def parse(argv: list[str]) -> tuple[str, dict]:
    """Parse an omega or celery command line as the program would; return (what, options)."""
    program, *args = argv
    if program == "omega":
        parsed = vars(omega_parser().parse_args(args))
        return f"omega {parsed['command']}", parsed
    assert program == "celery" and args[:2] == ["-A", "omega_tasks"], argv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # click's protected_args
        ctx = celery_cli.make_context("celery", list(args))
        rest = [*ctx.protected_args, *ctx.args]
    ctx.obj = CLIContext(find_app(ctx.params["app"]), True, None, True)
    name, command, rest = celery_cli.resolve_command(ctx, rest)
    params = command.make_context(name, rest, parent=ctx).params
    if name == "flower":  # Flower hands its options to tornado: each must be one it defines
        for option in params["tornado_argv"]:
            assert option.lstrip("-").split("=")[0] in flower_options, option
    return f"celery {name}", params


def fleet_env() -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "FLOWER_BASIC_AUTH": "omega:secret"}


def test_every_procfile_entry_is_a_real_omega_or_celery_command():
    entries = procfile(fleet_env())
    commands = {name: parse(argv) for name, (_, argv) in entries.items()}
    assert {name: what for name, (what, _) in commands.items()} == {
        "feeder": "omega feed", "worker_traps": "celery worker", "worker_fib": "celery worker",
        "worker_ml": "celery worker", "beat": "celery beat", "flower": "celery flower",
        "notify": "omega notify", "web": "omega serve"}
    assert commands["feeder"][1]["live"]
    assert [tuple(p["queues"]) for what, p in commands.values() if what == "celery worker"] \
        == GROUPS
    ports = {name: env.get("OMEGA_METRICS_PORT") for name, (env, _) in entries.items()}
    assert ports == {"feeder": "9101", "worker_traps": "9102", "worker_fib": "9103",
                     "worker_ml": "9104", "beat": "9105", "flower": None, "notify": "9106",
                     "web": None}
    assert entries["notify"][0]["OMEGA_NOTIFY_RECEIVER_PORT"] == "9107"
    flower = entries["flower"][1]
    assert "--address=127.0.0.1" in flower and "--basic-auth=omega:secret" in flower


def test_the_procfile_refuses_to_start_flower_without_basic_auth():
    env = fleet_env()
    del env["FLOWER_BASIC_AUTH"]
    with pytest.raises(subprocess.CalledProcessError) as refused:
        procfile(env)
    assert "set FLOWER_BASIC_AUTH=user:password" in refused.value.stderr


def test_every_compose_service_runs_a_real_command_of_this_image():
    services = compose()["services"]
    assert set(services) == {"redis", "feeder", "worker-traps", "worker-fib", "worker-ml",
                             "beat", "flower", "prometheus", "notify", "alertmanager",
                             "grafana", "web"}
    ours = {name: s for name, s in services.items() if s.get("image") == "omega-analytics:latest"}
    assert set(ours) == set(services) - {"redis", "prometheus", "alertmanager", "grafana"}
    commands = {name: parse(s["command"]) for name, s in ours.items()}
    assert commands["feeder"][0] == "omega feed" and commands["feeder"][1]["live"]
    assert commands["beat"][0] == "celery beat" and commands["flower"][0] == "celery flower"
    assert commands["web"][0] == "omega serve" and commands["web"][1]["host"] == "0.0.0.0"
    workers = [tuple(commands[f"worker-{g[0]}"][1]["queues"]) for g in GROUPS]
    assert workers == GROUPS and sorted(q for g in workers for q in g) == sorted(ALL_QUEUES)
    for s in ours.values():  # every OMEGA_* value is one Settings accepts
        Settings.from_env({k: v for k, v in s["environment"].items()
                           if k.startswith("OMEGA_") and "${" not in v})
    assert parse(services["feeder"]["healthcheck"]["test"][1:])[0] == "omega status"


def test_compose_publishes_ports_on_the_loopback_address_only():
    for name, service in compose()["services"].items():
        for mapping in service.get("ports", []):
            assert mapping.startswith("127.0.0.1:"), (name, mapping)
    services = compose()["services"]
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"].endswith(
        ":?set FLOWER_BASIC_AUTH=user:password}")
    assert "--requirepass" in services["redis"]["command"]
    assert "${REDIS_PASSWORD" in services["feeder"]["environment"]["OMEGA_REDIS_URL"]
    assert services["web"]["environment"]["OMEGA_WEB_TOKEN"].endswith(
        ":?set OMEGA_WEB_TOKEN}")  # it binds 0.0.0.0 inside its container


def test_prometheus_scrapes_the_port_every_metrics_endpoint_opens():
    services = compose()["services"]
    config = yaml.safe_load((DOCKER / "prometheus.yml").read_text())
    scraped = {name: sd["port"] for job in config["scrape_configs"]
               for sd in job["dns_sd_configs"] for name in sd["names"]}
    serving = {name: int(s["environment"]["OMEGA_METRICS_PORT"])
               for name, s in services.items()
               if int(s.get("environment", {}).get("OMEGA_METRICS_PORT", "0"))}
    assert scraped == serving
    assert set(serving) == {"feeder", "worker-traps", "worker-fib", "worker-ml", "beat",
                            "notify"}
    assert "EXPOSE 9100" in (DOCKER / "Dockerfile").read_text()


def test_the_image_is_slim_and_runs_as_a_user_without_privileges():
    lines = [line.split() for line in (DOCKER / "Dockerfile").read_text().splitlines()
             if line and not line.startswith("#")]
    instructions = [words[0] for words in lines if words[0].isupper()]
    assert lines[0][:2] == ["FROM", "python:3.11-slim"]
    assert instructions.count("USER") == 1 and instructions[-1] != "USER"
    user = next(words[1] for words in lines if words[0] == "USER")
    assert user not in ("root", "0")
    assert instructions.index("USER") > max(i for i, w in enumerate(lines) if w[0] == "RUN")


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool not installed (apt-get install prometheus) to check alert rules")
    return found


@pytest.mark.parametrize("check", [["check", "rules", "alerts.yml"],
                                   ["test", "rules", "alerts_test.yml"],
                                   ["check", "config", "--syntax-only", "prometheus.yml"]])
def test_the_alerting_rules_and_scrape_config_pass_promtool(check):
    result = subprocess.run([promtool(), *check], cwd=DOCKER, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
