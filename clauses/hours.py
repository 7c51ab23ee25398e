"""Hours are exact to the hundredth (SPEC §6, issue 12).

A value read from a relevé or a register is rounded **half up to 0,01 h** (`7h20` = 7,333… h →
7,33 h; 0,005 h → 0,01 h), then only ever added: every hour the product holds is a whole number
of hundredths. The ledger stores that integer; frames carry it as a float (`heures`, float64)
equal to the nearest double of the decimal value, so a sum is at most a few 1e-12 h away from
the exact one and `sum_hours` gives it back exactly. What is compared (a total against its
`Total` line, cumulated hours against a target) is compared on these exact values, never on a
raw float sum: a marché at exactly its target is « Objectif atteint » and shows 100 %.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

HUNDREDTHS = 100
# The last percentage shown before a target is reached: the report's "0 %" format would round
# 99,6 % up to "100 %" next to a marché still short of its target.
BELOW_TARGET_RATE = 0.99

Values = TypeVar("Values", np.ndarray, pd.Series, float)


def to_hundredths(hours: np.ndarray | pd.Series | float) -> np.ndarray:
    """Hours → whole hundredths, half up (away from zero for a negative value), as float64
    (NaN stays NaN). A float near a half (1.005 is stored as 1.00499999…) is first cleaned to
    9 significant decimals of a hundredth, so the decimal value a person typed is the one
    rounded."""
    values = np.asarray(hours, dtype=float) * HUNDREDTHS
    cleaned = np.round(values, 6)
    return np.sign(cleaned) * np.floor(np.abs(cleaned) + 0.5)


def round_hours(hours: Values) -> Values:
    """Hours rounded half up to 0,01 h, in the same container (Series keep their index)."""
    rounded = to_hundredths(hours) / HUNDREDTHS
    if isinstance(hours, pd.Series):
        return pd.Series(rounded, index=hours.index, name=hours.name)
    # The ignores: mypy checks each kind of `Values` apart and cannot see a branch is per kind.
    if np.ndim(rounded) == 0:
        return float(rounded)  # type: ignore[return-value]
    return rounded  # type: ignore[return-value]


def sum_hours(hours: np.ndarray | pd.Series) -> float:
    """The exact sum of hours already held to the hundredth (missing values count 0)."""
    cents = to_hundredths(hours)
    return float(np.nansum(cents)) / HUNDREDTHS


def achievement_rate(done: Values, target: Values) -> Values:
    """`Taux de réalisation` = cumulated hours / target, both exact to the hundredth. Below the
    target it is at most 99 %, so what a person reads (100 %) never contradicts the status
    (« Objectif atteint » exactly when done ≥ target)."""
    done_c, target_c = to_hundredths(done), to_hundredths(target)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = done_c / target_c
    rate = np.where(done_c < target_c, np.minimum(rate, BELOW_TARGET_RATE), rate)
    if isinstance(done, pd.Series):
        return pd.Series(rate, index=done.index)
    if np.ndim(rate) == 0:
        return float(rate)  # type: ignore[return-value]
    return rate


def target_reached(done: Values, target: Values) -> Values:
    """Whether cumulated hours reach the target, compared exactly (in hundredths)."""
    reached = to_hundredths(done) >= to_hundredths(target)
    if isinstance(done, pd.Series):
        return pd.Series(reached, index=done.index)
    return bool(reached) if np.ndim(reached) == 0 else reached  # type: ignore[return-value]
