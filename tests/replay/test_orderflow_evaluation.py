"""``omega evaluate orderflow`` on a real recording and on real ticks."""

import pytest

from omega_tasks.cli import main
from tests.conftest import data_file

pytestmark = pytest.mark.data

USDM = "binance_ws/usdm_btcusdt_20240808.gz"
CANDLES = "klines_1m/binance_BTCUSDT_1m_20240726-20240825.csv.gz"


def rows(out, kind):
    return [line.split("|")[1:-1] for line in out.splitlines()
            if line.startswith(f"| {kind} ")]


def test_a_recording_is_evaluated_from_its_quotes_and_book_warm_from_candles(capsys):
    assert main(["evaluate", "orderflow", str(data_file(USDM)), "--klines",
                 str(data_file(CANDLES))]) == 0
    out = capsys.readouterr().out
    assert "21,313 trades, 7,085 quotes, 1,309 book samples" in out
    assert "mid from quotes" in out and "no warm-up" not in out
    pulled = rows(out, "liquidity_pulled")
    assert [r[1].strip() for r in pulled[:3]] == ["1 s", "10 s", "60 s"]
    assert int(pulled[0][2]) == 3 and "no quotes" not in pulled[0][5]
    assert "Reversal: one threshold" in out


def test_a_tick_file_gets_the_flow_events_only_and_trade_prices_for_the_mid(capsys):
    ticks = next(data_file("ticks").glob("*.csv.gz"))
    assert main(["evaluate", "orderflow", str(ticks)]) == 0
    out = capsys.readouterr().out
    assert "mid from trade prices" in out and "0 quotes" in out
    assert all(r[2].strip() == "0" for r in rows(out, "liquidity_pulled"))
    absorption = rows(out, "absorption")
    assert int(absorption[0][2].replace(",", "")) > 10
    assert "[" in absorption[0][3] and "no quotes" in absorption[0][5]
    assert absorption[0][7].strip() in ("yes", "no (within)", "no (worse)")
    assert "across the 6 rows tested" in out


def test_a_recording_without_the_symbol_asked_for_says_which_it_has(capsys):
    assert main(["evaluate", "orderflow", str(data_file(USDM)), "--symbol", "ETH-USDT"]) == 1
    assert "no ETH-USDT trades (it has BTC-USDT)" in capsys.readouterr().err
