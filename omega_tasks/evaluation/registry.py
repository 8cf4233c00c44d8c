"""The evaluations ``omega evaluate`` knows, by name."""

from __future__ import annotations

from types import ModuleType

from omega_tasks.evaluation import (
    fib,
    harmony,
    ml,
    orderflow,
    regime,
    threshold,
    traps,
    volatility,
)

EVALUATIONS: dict[str, ModuleType] = {m.NAME: m for m in (threshold, fib, regime, traps, harmony,
                                                         ml, volatility, orderflow)}
