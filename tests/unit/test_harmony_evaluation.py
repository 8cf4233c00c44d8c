import argparse
import math
import random

from omega_tasks.evaluation import harmony
from omega_tasks.evaluation.data import load

T0 = 1_736_208_000_000


def drifting_candles(path, n, seed=3):
    """Hours-long legs up and down with noise: a market where agreeing with the trend pays."""
    rng = random.Random(seed)
    lines, c = ["open_time_ms,open,high,low,close,volume"], 60_000.0
    for i in range(n):
        drift = 0.0006 if (i // 720) % 2 == 0 else -0.0006
        o, c = c, c * math.exp(drift + rng.gauss(0, 0.0008))
        t = T0 + i * 60_000
        lines.append(f"{t},{o},{max(o, c) * 1.0002},{min(o, c) * 0.9998},{c},1.5")
    path.write_text("\n".join(lines) + "\n")
    return path


def rows_of(out):
    return {cells[0]: cells for cells in (
        [c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| readings"))}


def test_the_harmony_table_splits_readings_by_score_and_beats_chance_on_planted_trends(tmp_path):
    args = argparse.Namespace(horizon_min=15, every=15, draws=3, seed=0, block_min=240)
    out = harmony.run(load(drifting_candles(tmp_path / "c.csv", 4 * 1440)), args)
    rows = rows_of(out)
    every = int(rows["every reading with a direction"][1].replace(",", ""))
    bands = sum(int(rows[label][1].replace(",", "")) for _, _, label in harmony.BANDS)
    assert every == bands > 100
    assert int(rows["random times, same directions"][1].replace(",", "")) == 3 * every
    won = float(rows["every reading with a direction"][5].split(" %")[0])
    chance = float(rows["random times, same directions"][5].split(" %")[0])
    assert won > 60 and won > chance + 10
    assert rows["every reading with a direction"][7] == "yes"
    assert rows["random times, same directions"][7] == "" and "rows tested" in out
    assert "readings every 15 min" in out and "model signal is absent" in out
