"""The web server's settings: its token is masked wherever settings are shown."""

import pytest

from omega_tasks.config import Settings
from omega_tasks.errors import ConfigError
from omega_tasks.web.server import loopback


def test_the_web_token_is_masked_when_settings_are_described():
    rows = {name: value for name, value, _ in Settings(web_token="s3cret").describe()}
    assert rows["OMEGA_WEB_TOKEN"] == "***" and rows["OMEGA_WEB_HOST"] == "127.0.0.1"
    assert "s3cret" not in repr(rows)


def test_web_settings_are_read_from_the_environment_and_checked():
    settings = Settings.from_env({"OMEGA_WEB_PORT": "8080",
                                  "OMEGA_WEB_CORS_ORIGINS": "https://a.example,https://b.example"})
    assert settings.web_port == 8080
    assert settings.web_cors_origins == ("https://a.example", "https://b.example")
    with pytest.raises(ConfigError, match="OMEGA_WEB_PORT"):
        Settings.from_env({"OMEGA_WEB_PORT": "70000"})


@pytest.mark.parametrize(("host", "local"), [("127.0.0.1", True), ("::1", True),
                                             ("localhost", True), ("0.0.0.0", False),
                                             ("10.1.2.3", False), ("example.com", False)])
def test_only_loopback_addresses_count_as_this_machine(host, local):
    assert loopback(host) is local
