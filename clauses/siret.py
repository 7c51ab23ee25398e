"""SIRET and SIREN numbers, validated by python-stdnum (`stdnum.fr.siret`, `stdnum.fr.siren`):
the SIREN's own Luhn key, the SIRET's Luhn key, and La Poste's documented exception (its
establishments share SIREN 356 000 000 and their digits sum to a multiple of 5 instead).

What a facilitator or a structure types is read tolerantly first: spaces (also non-breaking),
dots and hyphens between digit groups, and the `.0` a spreadsheet adds to a number cell.
"""

from __future__ import annotations

import re

import pandas as pd
from stdnum import luhn
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

_NON_DIGITS = re.compile(r"[\s\u00a0.\-]")


def _digits(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return _NON_DIGITS.sub("", text)


def normalise_siret(value: object) -> str | None:
    """`"123 456 789 00012"` → `"12345678900012"`; None when it is not 14 digits."""
    text = _digits(value)
    return text if text is not None and len(text) == 14 and text.isdigit() else None


def is_valid_siret(value: object) -> bool:
    siret = normalise_siret(value)
    return siret is not None and stdnum_siret.is_valid(siret)


def is_valid_siren(value: object) -> bool:
    text = _digits(value)
    return text is not None and len(text) == 9 and stdnum_siren.is_valid(text)


def complete_siret(digits13: str) -> str:
    """A valid SIRET from 13 digits: the SIREN's key (9th digit) and the SIRET's key (14th)
    are computed, the others kept (to build the demo's and the tests' fictional companies)."""
    siren = digits13[:8] + luhn.calc_check_digit(digits13[:8])
    body = siren + digits13[9:13]
    return body + luhn.calc_check_digit(body)
