"""Months, French month names and small text helpers shared by the demo modules."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
               "septembre", "octobre", "novembre", "décembre")
# How Excel in French shows a date formatted « mmm-yy » (the `oct.-26` of SPEC §5.3).
MONTH_ABBREVIATIONS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                       "sept.", "oct.", "nov.", "déc.")


def add_months(month: str, count: int) -> str:
    year, number = int(month[:4]), int(month[5:7]) - 1 + count
    return f"{year + number // 12:04d}-{number % 12 + 1:02d}"


def month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def month_end(month: str) -> date:
    return month_start(add_months(month, 1)) - timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def long_month(month: str) -> str:
    """`2026-10` → `octobre 2026`."""
    return f"{MONTH_NAMES[int(month[5:7]) - 1]} {month[:4]}"


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
