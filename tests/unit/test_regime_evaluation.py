import argparse
import math
import random
import re

from omega_tasks.evaluation import regime
from omega_tasks.evaluation.data import load

T0 = 1_736_208_000_000


def candle_file(path, n, seed=5):
    rng = random.Random(seed)
    lines, c = ["open_time_ms,open,high,low,close,volume"], 60_000.0
    for i in range(n):
        burst = (i // 600) % 4 == 3
        o, c = c, c * math.exp(rng.gauss(0, 0.003 if burst else 0.0005))
        t = T0 + i * 60_000
        lines.append(f"{t},{o},{max(o, c) * 1.0002},{min(o, c) * 0.9998},{c},1.5")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_regime_table_covers_every_timeframe_and_sorts_moves_by_volatility(tmp_path):
    args = argparse.Namespace(block_min=240, seed=0)
    out = regime.run(load(candle_file(tmp_path / "c.csv", 6000)), args)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in out.splitlines()
            if line.startswith("| ") and "timeframe" not in line]
    assert {r[0] for r in rows} == {"1m", "5m", "15m", "1h", "4h"}
    one_minute = {r[1]: r for r in rows if r[0] == "1m"}
    shares = [float(r[2].rstrip(" %")) for k, r in one_minute.items() if k != "all"]
    assert abs(sum(shares) - 100) < 0.5
    # bursts four times as wild as the calm: volatile bars are followed by bigger moves
    ratio = {k: float(r[5].split(" ")[0]) for k, r in one_minute.items()}
    assert ratio["volatile"] > 1.5 > ratio["neutral"]
    # the bursts are planted: the volatile class's larger moves survive the correction
    assert one_minute["volatile"][7] == "larger" and "[" in one_minute["volatile"][5]
    assert one_minute["neutral"][7] in ("smaller", "not told apart")
    assert "rows tested" in out and "blocks of 240 min" in out
    assert re.search(r"4\.2 days, 5,999 closed 1m bars", out)
