"""SIRET numbers: 14 digits, Luhn-valid (with La Poste's documented exception)."""

from __future__ import annotations

import re

import pandas as pd

_NON_DIGITS = re.compile(r"[\s\u00a0.\-]")
# La Poste's establishments share SIREN 356 000 000 and do not follow Luhn: INSEE documents
# that their SIRET digits sum to a multiple of 5 instead.
_LA_POSTE_SIREN = "356000000"


def normalise_siret(value: object) -> str | None:
    """`"123 456 789 00012"` → `"12345678900012"`; None when it is not 14 digits."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = _NON_DIGITS.sub("", str(value))
    if text.endswith(".0"):
        text = text[:-2]
    return text if len(text) == 14 and text.isdigit() else None


def is_valid_siret(value: object) -> bool:
    siret = normalise_siret(value)
    if siret is None:
        return False
    if siret.startswith(_LA_POSTE_SIREN) and siret != _LA_POSTE_SIREN + "00012":
        return sum(int(d) for d in siret) % 5 == 0
    total = 0
    for position, digit in enumerate(reversed(siret)):
        n = int(digit)
        if position % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def luhn_complete(prefix13: str) -> str:
    """Append the Luhn check digit to 13 digits (used to build valid demo SIRETs)."""
    for last in "0123456789":
        if is_valid_siret(prefix13 + last):
            return prefix13 + last
    raise ValueError(prefix13)
