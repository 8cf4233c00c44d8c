"""The sinks file: every sink it names, and a mistake reported with its line."""

import pytest

from omega_tasks.errors import ConfigError
from omega_tasks.notify.sinkfile import load, parse
from tests.conftest import ROOT

GOOD = '''
[[sink]]
name = "desk"
type = "discord"
url = "https://discord.example/api/webhooks/1/x"
symbols = ["binance:BTC-USDT"]
kinds = ["bull_trap"]
min_confidence = 0.5
burst = 5
per_minute = 12

[[sink]]
name = "bot"
type = "telegram"
token = "123:abc"
chat_id = "-100"
alerts = false
'''


def test_a_good_file_gives_each_sink_with_its_filter_and_limit():
    desk, bot = parse(GOOD)
    assert (desk.name, desk.type, desk.burst, desk.per_minute) == ("desk", "discord", 5, 12.0)
    assert desk.filter.kinds == ("bull_trap",) and desk.filter.min_confidence == 0.5
    assert (bot.token, bot.chat_id, bot.filter.alerts) == ("123:abc", "-100", False)


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace("burst = 5", "burst = 0"), "line 9: burst must be a whole number ≥ 1"),
    (GOOD.replace('type = "discord"', 'type = "irc"'), "line 4: type must be one of"),
    (GOOD.replace('chat_id = "-100"\n', ""), "line 12: a telegram sink needs chat_id"),
    (GOOD.replace('name = "bot"', 'name = "desk"'), "line 13: sink name 'desk' is used twice"),
    (GOOD.replace('kinds = ["bull_trap"]', "kinds = bull_trap"), "at line 7"),
    (GOOD.replace("min_confidence", "min_confidense"), "line 8: min_confidense is not a sink "
                                                       "setting; did you mean min_confidence?"),
    (GOOD.replace("https://discord", "ftp://discord"), "line 5: url must be an http"),
    ("[[sinks]]\nname = 'a'\n", "line 1: unknown table or key 'sinks'"),
    ("", "no [[sink]] table"),
])
def test_a_mistake_is_an_error_naming_its_line(text, message):
    with pytest.raises(ConfigError) as raised:
        parse(text, "sinks.toml")
    assert message in str(raised.value)


def test_the_example_sinks_file_shipped_with_compose_parses():
    specs = parse((ROOT / "docker" / "sinks.example.toml").read_text())
    assert [s.type for s in specs] == ["discord", "webhook"]


def test_a_sinks_file_that_is_missing_or_not_text_is_an_error_naming_it(tmp_path):
    binary = tmp_path / "sinks.toml"
    binary.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe")
    for path, message in ((tmp_path / "none.toml", "No such file"), (binary, "not UTF-8")):
        with pytest.raises(ConfigError) as raised:
            load(path)
        assert str(path) in str(raised.value) and message in str(raised.value)
