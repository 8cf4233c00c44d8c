"""Small, dependable statistics for evaluation tables."""

from __future__ import annotations

import math


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Return the Wilson score interval of a proportion (95 % by default)."""
    if trials == 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def share(successes: int, trials: int) -> str:
    """Format a proportion with its 95 % interval, e.g. '54.1 % [51.2, 57.0]'."""
    if trials == 0:
        return "n/a"
    lo, hi = wilson(successes, trials)
    return f"{100 * successes / trials:.1f} % [{100 * lo:.1f}, {100 * hi:.1f}]"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Format rows as a Markdown table (readable in a terminal and in the README)."""
    cells = [headers, *rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])
