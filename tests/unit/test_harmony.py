import pytest

from omega_tasks.core.harmony import (
    HarmonyParams,
    Vote,
    fib_vote,
    harmony,
    model_vote,
    read,
    regime_vote,
    traps_vote,
    trend_vote,
)
from omega_tasks.core.types import MINUTE_MS

P = HarmonyParams()
NOW = 1_000 * MINUTE_MS


def votes(*directions):
    return [Vote(f"s{i}", d, "") for i, d in enumerate(directions)]


@pytest.mark.parametrize(
    ("directions", "direction", "score", "agree", "present"),
    [
        ((1, 1, 1, 1, 1), 1, 1.0, 5, 5),
        ((-1, -1, 0, None, -1), -1, 0.75, 3, 4),  # absent signals leave the denominator
        ((1, -1, 1, 0, 0), 1, 0.4, 2, 5),
        ((1, -1, 0, None, None), 0, 0.0, 0, 3),  # votes cancel: no direction, no harmony
        ((0, 0, 0, 0, 0), 0, 0.0, 0, 5),
        ((None,) * 5, 0, 0.0, 0, 0),
    ],
)
def test_harmony_is_the_share_of_present_signals_voting_with_the_majority(
    directions, direction, score, agree, present
):
    h = harmony(votes(*directions), NOW)
    assert (h.direction, h.score, h.agree, h.present) == (direction, score, agree, present)
    assert 0.0 <= h.score <= 1.0


def trend_view(alignment=0.6, regime="trending", five=1, ready=True):
    return {"alignment": alignment, "regime": regime, "last_bar_open_ms": NOW - MINUTE_MS,
            "timeframes": {"5m": {"direction": five, "ready": ready}}}


def test_the_trend_votes_the_sign_of_its_alignment_and_abstains_until_warm():
    assert trend_vote(trend_view(0.2)).direction == 1
    assert trend_vote(trend_view(-0.6)).direction == -1
    assert trend_vote(trend_view(0.0)).direction == 0
    assert trend_vote(trend_view(None)).direction is None
    assert trend_vote(None).direction is None


@pytest.mark.parametrize(
    ("regime", "five", "expected"),
    [("trending", 1, 1), ("trending", -1, -1), ("ranging", 1, -1), ("ranging", 0, 0),
     ("volatile", 1, 0), ("neutral", -1, 0), ("unknown", 1, None)],
)
def test_the_regime_follows_a_trend_fades_a_range_and_abstains_otherwise(regime, five, expected):
    assert regime_vote(trend_view(regime=regime, five=five)).direction == expected


def test_a_regime_whose_5m_timeframe_is_not_warm_is_absent():
    assert regime_vote(trend_view(ready=False)).direction is None


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ({"prediction": "up", "bar_open_ms": NOW - MINUTE_MS}, 1),
        ({"prediction": "down", "bar_open_ms": NOW - MINUTE_MS}, -1),
        ({"prediction": "neither", "bar_open_ms": NOW - MINUTE_MS}, 0),
        ({"prediction": None, "bar_open_ms": NOW - MINUTE_MS}, None),  # expired model
        ({"prediction": "up", "bar_open_ms": NOW - 5 * MINUTE_MS}, 1),  # closed 4 min before
        ({"prediction": "up", "bar_open_ms": NOW - 7 * MINUTE_MS}, None),  # 6 min: stale
        ({"prediction": "up"}, None),
        (None, None),  # no model snapshot at all
    ],
)
def test_the_model_votes_its_predicted_class_and_is_absent_without_a_fresh_one(view, expected):
    assert model_vote(view, NOW, P).direction == expected


def test_a_missing_prediction_says_why_when_the_snapshot_does():
    vote = model_vote({"prediction": None, "status": "model expired"}, NOW, P)
    assert (vote.direction, vote.why) == (None, "model expired")
    assert model_vote(None, NOW, P).why == "no prediction"


def test_the_newest_trap_in_the_window_decides_the_trap_vote():
    warm = {"warm": True}
    events = [(NOW - 20 * MINUTE_MS, "bear_trap", 1), (NOW - 9 * MINUTE_MS, "bull_trap", -1),
              (NOW - 4 * MINUTE_MS, "liquidity_grab_low", 1)]
    vote = traps_vote(warm, events, NOW, P)
    assert vote.direction == 1 and vote.why == "liquidity_grab_low 4 min ago"
    assert traps_vote(warm, events[:1], NOW, P).direction == 0  # 20 min ago: out of window
    forming = traps_vote(warm, [*events, (NOW + 1_000, "bull_trap", -1)], NOW, P)
    assert forming.direction == -1 and forming.why == "bull_trap in the forming minute"
    assert traps_vote({"warm": False}, events, NOW, P).direction is None


def fib_view(*zones, atr=10.0):
    return {"atr14": atr, "confluence": [{"lo": lo, "hi": hi, "score": 2} for lo, hi in zones]}


@pytest.mark.parametrize(
    ("close", "expected"),
    [(105.0, 1), (95.0, -1), (100.5, 0), (130.0, 0), (92.0, -1), (88.0, 1)],
)
def test_a_zone_within_one_atr_is_support_above_and_resistance_below(close, expected):
    # zones 99..101 and 80..82: the nearest within 10 (one ATR) decides
    assert fib_vote(fib_view((99.0, 101.0), (80.0, 82.0)), close, P).direction == expected


def test_fibonacci_is_absent_without_an_atr_or_a_close():
    assert fib_vote(fib_view((99.0, 101.0), atr=None), 100.0, P).direction is None
    assert fib_vote(fib_view((99.0, 101.0)), None, P).direction is None
    assert fib_vote(None, 100.0, P).direction is None


def test_reading_the_snapshots_combines_every_signal_at_the_last_bar_close():
    snapshots = {
        "trend": trend_view(0.6, "trending", 1),
        "threshold": {"close": 105.0, "last_bar_open_ms": NOW - MINUTE_MS},
        "fib": fib_view((99.0, 101.0)),
        "traps": {"warm": True},
        "prediction": {"prediction": "down", "bar_open_ms": NOW - MINUTE_MS},
    }
    h = read(snapshots, [(NOW - MINUTE_MS, "liquidity_grab_low", 1)])
    assert h.as_of_ms == NOW
    assert {v.signal: v.direction for v in h.votes} == {
        "trend": 1, "regime": 1, "model": -1, "traps": 1, "fibonacci": 1}
    assert (h.direction, h.score) == (1, 0.8)
    without_model = read({k: v for k, v in snapshots.items() if k != "prediction"}, [])
    assert (without_model.present, without_model.score) == (4, 0.75)  # traps: none recent
    assert read({"fib": fib_view((1.0, 2.0))}, []) is None  # no bar closed: no time to read at
