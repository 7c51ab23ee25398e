"""Reporting periods (SPEC §8): a month `YYYY-MM`, a half-year `YYYY-S1`/`YYYY-S2`, a year `YYYY`.

Months are kept as `YYYY-MM` text everywhere (the ledger's `mois`), so comparing two months is
comparing two strings. A period is *over* from the day after its last day: a report asked for
a period that is not over would be silently incomplete, so it is refused (`PeriodNotOver`)
unless the caller asks for a provisional version.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

import numpy as np

from clauses.errors import ClausesError

# Month names (lower case, with and without accents) and the abbreviations people type or that
# Excel and LibreOffice write ("oct.-26", "janv.-26"). The first spelling is the one Clauses
# writes ("octobre 2026": `month_label`, `french_date`).
MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("janvier", "janv", "jan"),
    2: ("février", "fevrier", "févr", "fevr", "fév", "fev"),
    3: ("mars", "mar"),
    4: ("avril", "avr"),
    5: ("mai",),
    6: ("juin",),
    7: ("juillet", "juil"),
    8: ("août", "aout"),
    9: ("septembre", "sept", "sep"),
    10: ("octobre", "oct"),
    11: ("novembre", "nov"),
    12: ("décembre", "decembre", "déc", "dec"),
}
# A month as Clauses writes it everywhere (the ledger's `mois`, the schemas): YYYY-MM.
MONTH_PATTERN = r"^(\d{4})-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)
_SEMESTER = re.compile(r"^(\d{4})-S([12])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")


class PeriodError(ClausesError):
    """A period written in a form Clauses does not know."""


class PeriodNotOver(ClausesError):
    """A report was asked for a period that has not ended yet (and not as provisional)."""


def parse_month(text: str) -> str:
    """`"2026-10"` → `"2026-10"`; anything else raises `PeriodError`."""
    if not _MONTH.match(str(text).strip()):
        raise PeriodError(f"Mois invalide « {text} » : écrivez-le AAAA-MM, par exemple 2026-10.")
    return str(text).strip()


def parse_semester(text: str) -> tuple[str, str]:
    """`"2026-S1"` → `("2026-01", "2026-06")`; `"2026-S2"` → `("2026-07", "2026-12")`."""
    found = _SEMESTER.match(str(text).strip())
    if not found:
        raise PeriodError(
            f"Semestre invalide « {text} » : écrivez-le AAAA-S1 ou AAAA-S2, par exemple 2026-S1."
        )
    year, half = int(found.group(1)), int(found.group(2))
    first = 1 if half == 1 else 7
    return f"{year}-{first:02d}", f"{year}-{first + 5:02d}"


def semester_code(text: str) -> str:
    """The canonical spelling of a half-year: `"2026-s1"` → `"2026-S1"` (used in paths)."""
    first, _ = parse_semester(text)
    return f"{first[:4]}-S{1 if first.endswith('-01') else 2}"


def parse_year(text: str | int) -> tuple[str, str]:
    """`2026` or `"2026"` → `("2026-01", "2026-12")`."""
    if not _YEAR.match(str(text).strip()):
        raise PeriodError(f"Année invalide « {text} » : écrivez-la AAAA, par exemple 2026.")
    year = int(str(text).strip())
    return f"{year}-01", f"{year}-12"


def period_bounds(period: str | int) -> tuple[str, str]:
    """First and last month of a month, half-year or year period."""
    text = str(period).strip()
    if _YEAR.match(text):
        return parse_year(text)
    if _SEMESTER.match(text):
        return parse_semester(text)
    if _MONTH.match(text):
        return text, text
    raise PeriodError(
        f"Période invalide « {period} » : écrivez un mois (2026-10), un semestre (2026-S1) "
        "ou une année (2026)."
    )


def _year_month(month: str) -> tuple[int, int]:
    parse_month(month)
    return int(month[:4]), int(month[5:7])


def add_months(month: str, count: int) -> str:
    """The month `count` months after `month` (before it when negative)."""
    year, number = _year_month(month)
    index = year * 12 + (number - 1) + count
    return f"{index // 12}-{index % 12 + 1:02d}"


def months_after(dates: np.ndarray, months: int) -> np.ndarray:
    """Calendar months (15/10 + 2 months = 15/12; 31/01 + 1 month = 28/02), as the convention
    counts them and as `pd.DateOffset(months=…)` does; NaT stays NaT."""
    dates = dates.astype("datetime64[us]")
    days = dates.astype("datetime64[D]")
    month = dates.astype("datetime64[M]")
    target = month + months
    first = target.astype("datetime64[D]")
    last = (target + 1).astype("datetime64[D]") - first - np.timedelta64(1, "D")
    into = np.minimum(days - month.astype("datetime64[D]"), last)
    return (first + into).astype("datetime64[us]") + (dates - days)


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included (empty when `last` is before `first`)."""
    months: list[str] = []
    current = parse_month(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def period_months(period: str | int) -> list[str]:
    """Every month of a period, in order."""
    return months_between(*period_bounds(period))


def month_start(month: str) -> date:
    year, number = _year_month(month)
    return date(year, number, 1)


def month_end(month: str) -> date:
    year, number = _year_month(month)
    return date(year, number, calendar.monthrange(year, number)[1])


def period_start(period: str | int) -> date:
    return month_start(period_bounds(period)[0])


def period_end(period: str | int) -> date:
    return month_end(period_bounds(period)[1])


def deadline_of(month: str, jour_limite: int) -> date:
    """The day a relevé for `month` is due: `jour_limite` of the following month (SPEC §6)."""
    return month_start(add_months(month, 1)).replace(day=jour_limite)


def arrived_late(month: str, arrived: date | datetime, jour_limite: int) -> bool:
    """Whether lines of `month` arriving at `arrived` are late: after the deadline day of
    `month` (SPEC §6, judged per month). The one place lateness is decided: `arrived` is the
    file's arrival as the workspace's clock reads it (its wall-clock day is what counts)."""
    day = arrived.date() if isinstance(arrived, datetime) else arrived
    return day > deadline_of(month, jour_limite)


def is_period_over(period: str | int, today: date) -> bool:
    """True from the day after the period's last day."""
    return today > period_end(period)


def month_label(month: str) -> str:
    """`"2026-10"` → `"octobre 2026"` (what a person reads in a header)."""
    year, number = _year_month(month)
    return f"{MONTH_NAMES[number][0]} {year}"


def of_month(month: str) -> str:
    """`"2026-10"` → `"d'octobre 2026"`, `"2026-11"` → `"de novembre 2026"`."""
    return of_label(month_label(month))


def of_label(label: str) -> str:
    """`"de"` before a label, elided before a vowel: `"d'avril 2026"`, `"de mai 2026"`."""
    return f"d'{label}" if label.startswith(("a", "e", "i", "o", "u", "é")) else f"de {label}"


def period_label(period: str | int) -> str:
    """`"2026-S1"` → `"1er semestre 2026"`, `2026` → `"année 2026"`, `"2026-10"` → `"octobre 2026"`.
    """
    first, last = period_bounds(period)
    if first == last:
        return month_label(first)
    year = first[:4]
    if first.endswith("-01") and last.endswith("-12"):
        return f"année {year}"
    return f"{'1er' if first.endswith('-01') else '2e'} semestre {year}"


def french_date(day: date) -> str:
    """`date(2026, 6, 30)` → `"30 juin 2026"` (`"1er"` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTH_NAMES[day.month][0]} {day.year}"


def require_period_over(period: str | int, today: date, *, provisoire: bool = False) -> None:
    """Refuse a report on a period that is not over, unless a provisional one is asked for."""
    if provisoire or is_period_over(period, today):
        return
    label = period_label(period)
    raise PeriodNotOver(
        f"La période « {label} » n'est pas terminée (elle s'achève le "
        f"{french_date(period_end(period))}) : le rapport serait incomplet. Relancez-le après "
        "cette date, ou demandez une version provisoire (option --provisoire)."
    )


def month_of(day: date) -> str:
    """The month `day` is in: 2026-10-15 → "2026-10"."""
    return f"{day.year:04d}-{day.month:02d}"


def previous_month(today: date) -> str:
    """The last month that is over on `today`: "2026-10" on 5 November 2026 (the month whose
    relevés are expected, reminded and reported on in `today`'s month)."""
    return add_months(f"{today:%Y-%m}", -1)


def previous_semester(today: date) -> str:
    """The last half-year that is over on `today` (January → S2 of last year, July → S1)."""
    if today.month <= 6:
        return f"{today.year - 1}-S2"
    return f"{today.year}-S1"


def previous_year(today: date) -> int:
    """The last calendar year that is over on `today`."""
    return today.year - 1


PROVISIONAL_NOTE = (
    "PROVISOIRE : la période n'est pas terminée ; ces chiffres sont incomplets et changeront."
)


def provisional_marks(title: str, provisoire: bool) -> tuple[str, list[str]]:
    """The title and title-block notes of a report sheet, marked « PROVISOIRE » when asked."""
    if not provisoire:
        return title, []
    return f"{title} — PROVISOIRE", [PROVISIONAL_NOTE]

