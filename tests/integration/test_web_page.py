"""The dashboard in a real browser (Debian's chromium, headless) during a real replay."""

import shutil
import threading

import pytest

from omega_tasks.messages import Event
from tests.web import FIRST, SECOND, replay, server

pytestmark = pytest.mark.data
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def browser():
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def test_the_page_draws_candles_and_events_and_shows_new_ones_within_two_seconds(
        settings, store, app, worker, browser, tmp_path):
    replay(store, app, FIRST)
    k = store.symbol("binance", "BTC-USDT")
    with server(settings) as http:
        page = browser.new_page(viewport={"width": 1400, "height": 850})
        page.set_default_timeout(60_000)  # a loaded machine draws slowly; latency is checked below
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(str(http.base_url))
        page.wait_for_function("Number(document.querySelector('#chart').dataset.candles) > 0")
        stored = http.get("/api/bars").json()
        assert int(page.get_attribute("#chart", "data-candles")) == len(stored["bars"]) + 1
        assert page.locator("#chart canvas").count() > 0
        before = [e.id for e in store.events(k)]
        page.wait_for_function(f"window.omega.events.length === {len(before)}")
        drawn = page.evaluate("window.omega.markers.map(m => m.id)")
        assert drawn and set(drawn) <= set(before)
        page.wait_for_selector("#link.live")

        feeding = threading.Thread(target=replay, args=(store, app, SECOND))
        feeding.start()  # published after the page loaded, as a live feed would
        feeding.join(120)
        fresh = [(int(entry.split(b"-")[0]), Event.from_json(fields[b"e"]))
                 for entry, fields in store.redis.xrange(k.events)][len(before):]
        assert fresh, "the second recording published no event"
        last = fresh[-1][1]
        last_id = last.id
        page.wait_for_selector(f'#events li[data-id="{last_id}"]', timeout=10_000)
        received = page.evaluate(
            "Object.fromEntries([...document.querySelectorAll('#events li[data-received]')]"
            ".map(li => [li.dataset.id, Number(li.dataset.received)]))")
        for published_ms, event in fresh:  # the stream id is Redis's clock when it was added
            assert received[event.id] - published_ms <= 2_000, event.id
        marked = page.evaluate("window.omega.markers.map(m => m.id)")
        assert last_id in marked
        page.wait_for_function(  # the forming candle moved on with the second recording
            "window.omega.forming && window.omega.forming.last_id === 3735703162")

        page.click("#timeframes button[data-tf='5m']")
        page.wait_for_function("document.querySelector('#chart').dataset.tf === '5m'")
        five = http.get("/api/bars", params={"tf": "5m"}).json()
        page.wait_for_function("Number(document.querySelector('#chart').dataset.candles) === "
                               f"{len(five['bars']) + 1}")
        page.click(f'#events li[data-id="{last_id}"]')
        assert last_id.split(":")[3] in page.text_content("#events li.picked")
        assert f"trade {last.trade_id}" in page.text_content("#evidence")
        page.screenshot(path=str(tmp_path / "dashboard.png"))
        assert not errors, errors
