import json
import math

import numpy as np
import pytest

from omega_tasks.core.analysis import Fold
from omega_tasks.core.candles import trades_from_bars
from omega_tasks.core.vol_forecast import HORIZONS
from omega_tasks.core.volatility import LEVELS, VolatilityAnalysis, level
from tests.market import bars_from_returns
from tests.unit.test_fold import run_in_pieces


def garch_returns(n, seed=0, sigma=0.0008, alpha=0.1, beta=0.88):
    """1m log returns whose variance clusters: σ²(t) = ω + α r²(t−1) + β σ²(t−1)."""
    rng = np.random.default_rng(seed)
    omega = sigma * sigma * (1 - alpha - beta)
    var, out = sigma * sigma, np.empty(n)
    for i in range(n):
        out[i] = math.sqrt(var) * rng.standard_normal()
        var = omega + alpha * out[i] ** 2 + beta * var
    return out


@pytest.fixture(scope="module")
def clustered():
    return trades_from_bars(bars_from_returns(garch_returns(3 * 1440), seed=0))


@pytest.fixture(scope="module")
def whole(clustered):
    fold = Fold(VolatilityAnalysis())
    return fold, fold.feed(clustered)


@pytest.mark.parametrize("cuts", [[1, 5_000, 5_001, 9_999], [4_321, 8_642, 12_963]])
def test_batches_of_any_size_give_the_same_regime_changes_and_state(clustered, whole, cuts):
    fold, found = whole
    assert run_in_pieces(VolatilityAnalysis, clustered, cuts) == (found, fold.dump())


def test_a_prefix_of_the_bars_gives_a_prefix_of_the_regime_changes(clustered, whole):
    _, found = whole
    part = Fold(VolatilityAnalysis()).feed(clustered[: 2 * 4 * 1440 + 333])
    assert part == found[: len(part)] and 0 < len(part) < len(found)


def test_clustered_volatility_moves_the_regime_through_every_level_with_hysteresis(whole):
    _, found = whole
    assert {f.evidence["to"] for f in found} >= {"calm", "active", "extreme"}
    assert all(f.evidence["from"] != f.evidence["to"] for f in found)
    assert all(f.evidence["to"] in LEVELS for f in found)
    # a change needs three bars of the new class: none comes within three bars of the last
    opens = [f.evidence["bar_open_ms"] for f in found]
    assert min(np.diff(opens)) >= 3 * 60_000


def test_the_snapshot_is_plain_json_with_a_forecast_per_horizon(whole):
    fold, _ = whole
    view = fold.analysis.view()
    assert json.loads(json.dumps(view, allow_nan=False)) == view
    assert view["warm"] and set(view["sigma"]) == {f"{h}m" for h in HORIZONS}
    assert view["sigma"]["5m"] < view["sigma"]["15m"] < view["sigma"]["60m"]
    assert 0 < view["p_move_5"] < 1 and view["regime"] in LEVELS


def test_a_fresh_analysis_says_nothing_it_does_not_know():
    view = VolatilityAnalysis().view()
    assert json.loads(json.dumps(view, allow_nan=False)) == view
    assert view["regime"] == "unknown" and view["p_move_5"] is None


@pytest.mark.parametrize(("rank", "said"), [
    (math.nan, "unknown"), (0.1, "calm"), (0.5, "active"), (0.89, "active"), (0.9, "extreme"),
])
def test_the_rank_sets_the_level(rank, said):
    assert level(rank) == said
