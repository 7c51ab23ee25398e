"""Small month and text helpers of the demo modules (month arithmetic is `clauses.periods`)."""

from __future__ import annotations

import re
import unicodedata

# How Excel in French shows a date formatted « mmm-yy » (the `oct.-26` of SPEC §5.3).
MONTH_ABBREVIATIONS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                       "sept.", "oct.", "nov.", "déc.")


def short_month(month: str) -> str:
    """`2026-10` → `oct.-26`."""
    return f"{MONTH_ABBREVIATIONS[int(month[5:7]) - 1]}-{month[2:4]}"


def quarter(month: str) -> int:
    return (int(month[5:7]) - 1) // 3 + 1


def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space: how names are compared."""
    plain = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    plain = "".join(c for c in plain if not unicodedata.combining(c)).lower()
    return re.sub(r"[\W_]+", " ", plain).strip()


def without_accents(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c))


def slug(text: str) -> str:
    return fold(text).replace(" ", "-")
