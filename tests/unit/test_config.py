import pytest

from omega_tasks.config import Settings, redact_url
from omega_tasks.errors import ConfigError
from omega_tasks.names import ANALYSIS_QUEUES


def test_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings.batch_ms == 20
    assert settings.queues == ANALYSIS_QUEUES
    assert settings.broker == settings.redis_url == "redis://127.0.0.1:6379/0"


def test_values_are_parsed_by_the_type_of_their_field():
    settings = Settings.from_env(
        {"OMEGA_BATCH_MAX": "5_000", "OMEGA_QUEUES": "traps, fib", "PATH": "/bin",
         "OMEGA_BROKER_URL": "redis://other:6380/2"}
    )
    assert settings.batch_max == 5000
    assert settings.queues == ("traps", "fib")
    assert settings.broker == "redis://other:6380/2"


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OMEGA_BATCH_MS": "-5"}, "OMEGA_BATCH_MS"),
        ({"OMEGA_BATCH_MS": "soon"}, "OMEGA_BATCH_MS"),
        ({"OMEGA_TYPO": "1"}, "OMEGA_TYPO"),
        ({"OMEGA_QUEUES": "traps,nonsense"}, "OMEGA_QUEUES"),
        ({"OMEGA_REDIS_URL": "http://x"}, "OMEGA_REDIS_URL"),
        ({"OMEGA_EMBEDDED": "sometimes"}, "OMEGA_EMBEDDED"),
    ],
)
def test_a_bad_or_unknown_variable_is_an_error_that_names_it(env, named):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(env)


def test_a_near_miss_suggests_the_setting_meant():
    with pytest.raises(ConfigError, match="did you mean OMEGA_BATCH_MS"):
        Settings.from_env({"OMEGA_BATCH_MSS": "5"})


def test_settings_are_frozen():
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.batch_ms = 1  # type: ignore[misc]


def test_passwords_never_appear_in_described_settings():
    settings = Settings(redis_url="rediss://user:hunter2@redis.example:6380/0")
    text = repr(settings.describe())
    assert "hunter2" not in text
    assert "rediss://user:***@redis.example:6380/0" in text
    assert redact_url("redis://localhost:6379/0") == "redis://localhost:6379/0"


def test_a_name_like_no_setting_suggests_nothing():
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"OMEGA_TYPO": "1"})
    assert str(raised.value) == "unknown setting OMEGA_TYPO"
