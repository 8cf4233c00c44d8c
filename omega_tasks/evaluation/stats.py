"""Small, dependable statistics for evaluation tables: intervals, corrected verdicts, layout.

Intervals over clustered events come from ``bootstrap.Timeline``; this module turns them into
table cells and decides "beats baseline" on the difference event − baseline, corrected across
the rows of a table with Benjamini–Hochberg (``verdicts``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from omega_tasks.evaluation.bootstrap import Estimate

FDR = 0.05  # the false discovery rate a table's verdicts are held to


def table(headers: list[str], rows: list[list[str]]) -> str:
    """Format rows as a Markdown table (readable in a terminal and in the README)."""
    cells = [headers, *rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def benjamini_hochberg(p_values: Sequence[float], q: float = FDR) -> list[bool]:
    """Return which hypotheses are rejected at false discovery rate ``q`` (NaN: not tested)."""
    p = np.asarray(p_values, dtype=float)
    tested = np.flatnonzero(np.isfinite(p))
    rejected = [False] * len(p)
    if not tested.size:
        return rejected
    order = tested[np.argsort(p[tested], kind="stable")]
    limits = q * np.arange(1, order.size + 1) / order.size
    passing = np.flatnonzero(p[order] <= limits)
    for i in order[: passing[-1] + 1] if passing.size else ():
        rejected[int(i)] = True
    return rejected


def verdicts(edges: Sequence[Estimate], q: float = FDR) -> tuple[list[str], int]:
    """Say, per row, whether its difference event − baseline is above ("yes"), below
    ("no (worse)") or not told from 0 ("no (within)"), with Benjamini–Hochberg at ``q`` across
    the rows; return the words and how many rows were tested. A row without a p-value is not
    tested: blank when it has no value, "too few" when it has too few events for one."""
    rejected = benjamini_hochberg([e.p_value for e in edges], q)
    words = []
    for edge, reject in zip(edges, rejected, strict=True):
        if math.isnan(edge.p_value):
            words.append("too few" if edge.known else "")
        elif reject:
            words.append("yes" if edge.value > 0 else "no (worse)")
        else:
            words.append("no (within)")
    return words, sum(1 for e in edges if not math.isnan(e.p_value))


def percent(estimate: Estimate) -> str:
    """Format a share with its interval, e.g. '54.1 % [51.2, 57.0]'."""
    if not estimate.known:
        return "n/a"
    if math.isnan(estimate.lo):
        return f"{100 * estimate.value:.1f} %"
    return f"{100 * estimate.value:.1f} % [{100 * estimate.lo:.1f}, {100 * estimate.hi:.1f}]"


def basis_points(estimate: Estimate) -> str:
    """Format a mean move in basis points with its interval, e.g. '+0.13 [-0.04, +0.51]';
    'none' without a value, '(too few)' without an interval."""
    if not estimate.known:
        return "none"
    if math.isnan(estimate.lo):
        return f"{estimate.value:+.2f} (too few)"
    return f"{estimate.value:+.2f} [{estimate.lo:+.2f}, {estimate.hi:+.2f}]"


def points(estimate: Estimate) -> str:
    """Format a difference of shares in percentage points, e.g. '+1.2 [−0.4, +2.9]'."""
    if not estimate.known:
        return "n/a"
    if math.isnan(estimate.lo):
        return f"{100 * estimate.value:+.1f}"
    return (f"{100 * estimate.value:+.1f} [{100 * estimate.lo:+.1f}, "
            f"{100 * estimate.hi:+.1f}]")


def times(estimate: Estimate) -> str:
    """Format a ratio with its interval, e.g. '1.72 [1.51, 1.95]'."""
    if not estimate.known:
        return "n/a"
    if math.isnan(estimate.lo):
        return f"{estimate.value:.2f}"
    return f"{estimate.value:.2f} [{estimate.lo:.2f}, {estimate.hi:.2f}]"


def corrected(tested: int, q: float = FDR) -> str:
    """Say how a table's verdicts were decided, for its heading."""
    return (f"verdicts on the difference, Benjamini–Hochberg at q = {q:g} across the "
            f"{tested} rows tested")
