"""``omega chart``: any stored symbol and time range drawn after the fact, or a clear error."""

from datetime import UTC, datetime

from tests.integration.test_cli import omega
from tests.pipeline import feed, settle
from tests.support import walk


def iso(time_ms: int) -> str:
    return datetime.fromtimestamp(time_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_stored_range_is_drawn_with_its_events_and_bad_requests_say_why(settings, store, app,
                                                                          worker, tmp_path):
    ticks = walk(3_000)
    settle(store, feed(store, app, ticks))
    env = {"OMEGA_REDIS_URL": settings.redis_url, "OMEGA_KEY_PREFIX": settings.key_prefix}
    k = store.symbol("sim", "BTC-USDT")
    bars = store.bars(k)
    assert len(bars) >= 8
    first, last = len(bars) // 4, len(bars) // 2
    since, until = bars[first].open_ms, bars[last].close_ms
    events = [e for e in store.events(k) if since <= e.time_ms <= until]
    png = tmp_path / "range.png"
    drawn = omega("chart", "--from", iso(since), "--to", iso(until), "--output", str(png),
                  env=env)
    assert drawn.returncode == 0, drawn.stderr
    assert f"{last - first + 1} bars and {len(events):,} events of sim:BTC-USDT" in drawn.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    whole = omega("chart", "--symbol", "BTC-USDT", "--output", str(tmp_path / "all.png"),
                  env=env)
    assert whole.returncode == 0 and f"{len(bars)} bars" in whole.stdout  # under 4 h stored

    for args, said in (
        (["--from", "2001-01-01T00:00:00Z", "--to", "2001-01-01T01:00:00Z"], "no bars between"),
        (["--from", iso(until), "--to", iso(since)], "--from must come before --to"),
        (["--from", "soon"], "is neither a time"),
        (["--symbol", "ETH-USDT"], "--exchange/--symbol (stored: sim:BTC-USDT)"),
    ):
        refused = omega("chart", *args, "--output", str(tmp_path / "x.png"), env=env)
        assert refused.returncode != 0 and said in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr
