"""The facilitator's registers (SPEC §4): read, normalised and validated as a whole."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Registers:
    """All six register sheets, validated against `schemas.registers` (canonical columns)."""

    structures: pd.DataFrame
    buyers: pd.DataFrame
    companies: pd.DataFrame
    markets: pd.DataFrame
    participants: pd.DataFrame
    decisions: pd.DataFrame
