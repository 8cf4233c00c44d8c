"""The compose override for RabbitMQ and shards: every service it touches exists in the base
file, every OMEGA_* value is one Settings accepts, sharded workers run one process each, and
RabbitMQ publishes no port."""

import yaml

from omega_tasks.config import Settings
from tests.test_fleet_files import DOCKER, compose, parse


def override() -> dict:
    return yaml.safe_load((DOCKER / "compose.rabbitmq.yaml").read_text())


def test_the_rabbitmq_override_puts_every_omega_service_on_rabbitmq_with_shards():
    base, extra = compose()["services"], override()["services"]
    assert set(extra) - set(base) == {"rabbitmq"} and "ports" not in extra["rabbitmq"]
    ours = {name for name, s in base.items() if s.get("image") == "omega-analytics:latest"}
    assert ours <= set(extra)
    for name in ours:
        env = {k: v.replace("${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD}", "secret")
               .replace("${OMEGA_SHARDS:-4}", "4") for k, v in extra[name]["environment"].items()}
        settings = Settings.from_env(env)
        assert settings.broker == "amqp://omega:secret@rabbitmq:5672/omega"
        assert settings.shards == 4
        assert extra[name]["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    for worker in ("worker-traps", "worker-fib"):
        what, params = parse(extra[worker]["command"])
        assert what == "celery worker" and params["concurrency"] == 1
