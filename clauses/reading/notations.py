"""French notations found in the structures' spreadsheets (SPEC §5.3).

Each notation is declared once, as data, with examples of what it accepts and what it refuses
(the csv-detective habit); `tests/test_notations.py` walks the whole table, so adding a notation is
adding a row. Parsers take a whole column as read (text, numbers, Excel dates mixed) and return
a `Parsed`: the values in their canonical type and `unreadable`, True where a non-empty cell
could not be read (the control rules turn it into VALEUR_INVALIDE).

The same notations are written back here once for the whole product: `french_number` and
`fold`/`fold_text`, the one folding of names, headers and vocabulary words. Month names are the
kernel's (`periods.MONTH_NAMES`: its first spelling is the one Clauses writes).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd

from clauses.hours import round_hours
from clauses.periods import MONTH_NAMES
from clauses.reading.cells import (
    Cells,
    Matcher,
    Notation,
    Parsed,
    by_distinct_value,
    calendar,
    map_distinct,
    none_where,
    serials,
    split_cells,
)
from clauses.vocabulary import BARRIERS

_MONTH_NUMBER = {name: number for number, names in MONTH_NAMES.items() for name in names}
_MONTH = "(?P<month>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
# A time of day after a date: CSV exports of Excel dates often carry " 00:00:00".
_TIME_SUFFIX = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
# Excel serial day numbers accepted in a date column: 1910-01-01 .. 2100-12-31. Smaller numbers
# are more likely hours typed in the wrong column than a date before 1910.
SERIAL_RANGE = (3654, 73415)
_EXCEL_EPOCH = "1899-12-30"
# Two-digit years: 00-29 → 2000s, 30-99 → 1900s, Excel's own rule.
_CENTURY_PIVOT = 30

DATES: tuple[Notation, ...] = (
    Notation("date Excel", None, {dt.datetime(2026, 10, 3): dt.date(2026, 10, 3),
                                  dt.date(1985, 5, 12): dt.date(1985, 5, 12)}, (dt.time(7, 30),)),
    Notation("numéro de série Excel", None, {46298: dt.date(2026, 10, 3)}, (12, 7.5)),
    Notation("jj/mm/aaaa", r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})",
             {"03/10/2026": dt.date(2026, 10, 3), "3/10/2026 00:00": dt.date(2026, 10, 3)},
             ("31/02/2026", "03/13/2026", "03/10")),
    Notation("jj/mm/aa", r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{2})",
             {"3/10/26": dt.date(2026, 10, 3), "12/05/85": dt.date(1985, 5, 12)}, ("3/10/262",)),
    Notation("aaaa-mm-jj", r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
             {"2026-10-03": dt.date(2026, 10, 3), "2026-10-03 00:00:00": dt.date(2026, 10, 3)},
             ("2026-10-32",)),
    Notation("jj.mm.aaaa", r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})",
             {"03.10.2026": dt.date(2026, 10, 3)}, ("03.10.2026.",)),
    Notation("jj-mm-aaaa", r"(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4}|\d{2})",
             {"3-10-2026": dt.date(2026, 10, 3), "03-10-26": dt.date(2026, 10, 3)}, ("3-10",)),
    Notation("jj mois aaaa", r"(?P<day>\d{1,2})(?:er)? " + _MONTH + r" (?P<year>\d{4})",
             {"3 octobre 2026": dt.date(2026, 10, 3), "1er févr. 2026": dt.date(2026, 2, 1)},
             ("3 brumaire 2026", "le 3 octobre", "demain")),
)

MONTHS: tuple[Notation, ...] = (
    Notation("aaaa-mm", r"(?P<year>\d{4})[-/.](?P<month>\d{1,2})",
             {"2026-10": "2026-10", "2026/10": "2026-10"}, ("2026-13", "2026")),
    Notation("mm/aaaa", r"(?P<month>\d{1,2})[-/.](?P<year>\d{4})",
             {"10/2026": "2026-10", "1/2026": "2026-01", "10-2026": "2026-10"}, ("13/2026",)),
    Notation("mois aaaa", _MONTH + r"[\s./'-]*(?P<year>\d{4})",
             {"octobre 2026": "2026-10", "Octobre 2026": "2026-10", "oct. 2026": "2026-10",
              "févr. 2026": "2026-02", "fevrier 2026": "2026-02", "AOÛT 2026": "2026-08"},
             ("octobre", "brumaire 2026")),
    Notation("mois-aa", _MONTH + r"[\s./'-]*(?P<year>\d{2})",
             {"oct.-26": "2026-10", "oct-26": "2026-10", "janv.-26": "2026-01"}, ("oct.-2",)),
    Notation("une date du mois", None,
             {"03/10/2026": "2026-10", dt.datetime(2026, 10, 1): "2026-10", 46298: "2026-10"},
             ("32/10/2026", "prochainement")),
)

HOURS: tuple[Notation, ...] = (
    Notation("nombre", None, {7.5: 7.5, 12: 12.0, 151.67: 151.67, 151.666: 151.67,
                              0.005: 0.01, 1.005: 1.01, 7.3333: 7.33}, (True,)),
    Notation("durée Excel", None, {dt.time(7, 30): 7.5, dt.timedelta(hours=151, minutes=40):
                                   151.67}, ()),
    Notation("décimal", r"(?P<sign>[+-]?)(?P<units>\d+)(?:[.,](?P<fraction>\d+))?(?:h|heures?)?",
             {"7,5": 7.5, "7.5": 7.5, "151,67": 151.67, "7 h": 7.0, "7h": 7.0, " 12 ": 12.0,
              "12\u00a0": 12.0, "1 234,5": 1234.5, "1\u202f234,5": 1234.5, "-3": -3.0,
              "7,333": 7.33, "0,005": 0.01, "2,675": 2.68},
             ("7,5,3", "1.234,5", "sept", "7 j")),
    Notation("heures et minutes", r"(?P<units>\d+)(?:h|:)(?P<minutes>[0-5]\d)(?:min)?",
             {"7h30": 7.5, "7H30": 7.5, "7 h 30": 7.5, "7:30": 7.5, "151h40": 151.67,
              "7h20": 7.33},
             ("7h75", "7h3")),
    # LibreOffice's .ods stores a [HH]:MM duration cell as an ISO 8601 duration.
    Notation("durée ISO", r"pt(?P<units>\d+)h(?P<minutes>\d+)m(?:[\d.]+s)?",
             {"PT151H40M00S": 151.67, "PT7H30M": 7.5}, ("PT7X",)),
)

YES_NO: tuple[Notation, ...] = (
    Notation("oui", r"oui|o|yes|y|vrai|true|x|1",
             {"oui": True, "Oui": True, "X": True, "1": True, True: True}, ("peut-être",)),
    Notation("non", r"non|n|no|faux|false|0",
             {"non": False, "NON": False, "0": False, False: False}, ("2",)),
)

# Vocabularies (vocabulary.py): each canonical value with the variants searched in the folded
# text, tried in this order (the first that matches wins: "CDD d'insertion" is a CDDI).
CONTRACT_TYPE_VARIANTS: tuple[Notation, ...] = (
    Notation("CDDI", r"\bcddi\b|insertion",
             {"CDDI": "CDDI", "CDD d'insertion": "CDDI", "cdd insertion": "CDDI"}),
    Notation("contrat de professionnalisation", r"professionnalisation|contrat pro\b|\bcpro\b",
             {"contrat pro": "contrat de professionnalisation",
              "Contrat de professionnalisation": "contrat de professionnalisation"}),
    Notation("apprentissage", r"apprenti", {"Contrat d'apprentissage": "apprentissage"}),
    Notation("mission d'intérim", r"interim|\bctt\b|travail temporaire|\bmission\b",
             {"Intérim": "mission d'intérim", "mission interim": "mission d'intérim",
              "Mission d'intérim": "mission d'intérim", "CDI intérimaire": "mission d'intérim"}),
    Notation("CDI", r"\bcdi\b|\bc d i\b|duree indeterminee", {"CDI": "CDI", "C.D.I.": "CDI"}),
    Notation("CDD", r"\bcdd\b|\bc d d\b|duree determinee", {"CDD": "CDD", "cdd 6 mois": "CDD"}),
    Notation("autre", r"\bautres?\b|\bcui\b|\bcae\b|\bpec\b|contrat aide|cddu|\busage\b",
             {"Autre": "autre", "PEC": "autre"}, ("stage", "?")),
)

EXIT_VARIANTS: tuple[Notation, ...] = (
    Notation("emploi durable",
             r"durable|\bcdi\b|cdd (de )?plus de 6 mois|cdd 6 mois et plus|creation d"
             r"( )?entreprise|titularisation",
             {"Emploi durable (CDI)": "emploi durable", "CDI": "emploi durable",
              "CDD de plus de 6 mois": "emploi durable"}),
    Notation("emploi de transition", r"transition|\bcdd\b|interim|contrat aide|\bpec\b",
             {"emploi de transition": "emploi de transition",
              "CDD de 3 mois": "emploi de transition"}),
    Notation("sortie positive", r"positive|formation|\bsiae\b|retraite",
             {"Sortie positive": "sortie positive", "Formation qualifiante": "sortie positive"}),
    Notation("autre", r"\bautres?\b|abandon|demission|licenciement|sans (emploi|solution)|"
             r"chomage|demenagement|inconnue?|deces",
             {"Autre": "autre", "Abandon": "autre"}, ("en cours", "?")),
)

BARRIER_VARIANTS: tuple[Notation, ...] = (
    Notation("mobilité", r"mobilite|permis|transport|vehicule|deplacement",
             {"Mobilité": "mobilité", "pas de permis": "mobilité"}),
    Notation("logement", r"logement|hebergement|sans domicile", {"logement": "logement"}),
    Notation("santé", r"sante|handicap|medical|addiction", {"Santé": "santé"}),
    Notation("garde d'enfants", r"garde|enfant|parentalite",
             {"Garde d'enfants": "garde d'enfants", "garde enfant": "garde d'enfants"}),
    Notation("langue", r"langue|francais|\bfle\b|illettrisme|alphabetisation|linguistique",
             {"Langue": "langue", "maîtrise du français": "langue"}),
    Notation("numérique", r"numerique|informatique|internet|digital",
             {"Numérique": "numérique"}),
    Notation("justice", r"justice|judiciaire|penal|incarceration", {"Justice": "justice"}),
    Notation("autre", r"\bautres?\b|administratif|financ|budget|dette|isolement",
             {"autre": "autre",
              "Mobilité ; logement": "mobilité;logement",
              "santé, LANGUE": "santé;langue",
              "Logement; mobilité; logement": "mobilité;logement"},
             ("vol à l'étalage", "mobilité; inconnu")),
)
# Cells that say "no barrier": empty result, not unreadable.
_NO_BARRIER = re.compile(r"^(aucun|aucune|neant|non|sans|rien|ras|0)$")

_LIGATURES = {ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss", ord("Œ"): "OE", ord("Æ"): "AE"}
# Drops the accents NFKD splits off, and spells out ligatures NFKD keeps ("œ").
_FOLD_TABLE = {**dict.fromkeys(range(0x300, 0x370)), **_LIGATURES}
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """One canonical key for a name or a label: `" Marie-Hélène  D'ARC"` → `"marie helene d arc"`

    Case, accents, ligatures, hyphens, apostrophes, punctuation and repeated spaces are ignored
    (SPEC §5.3: names match the register however they are typed; headers and vocabulary words
    are found however they are spelt).
    """
    decomposed = unicodedata.normalize("NFKD", str(text)).translate(_FOLD_TABLE)
    # casefold, not lower: "STRAẞE" and "Straße" give one key.
    return " ".join(_NON_WORD.sub(" ", decomposed).casefold().split())


def fold_code(text: str) -> str:
    """One key for a code typed by hand (a structure's folder name): `" ai-néo "` → `"AI-NEO"`.
    Case, accents and surrounding spaces are ignored; punctuation is kept (it is part of a code)."""
    decomposed = unicodedata.normalize("NFKD", str(text).strip()).translate(_FOLD_TABLE)
    return decomposed.upper()


@lru_cache(maxsize=1 << 16)
def fold_name(text: str) -> str | None:
    """`fold` of one name, None when nothing is left: what `fold_text` gives for one value.
    Cached: an ingest pass meets the same names and companies in many files."""
    return fold(text) or None


def fold_text(values: pd.Series) -> pd.Series:
    """`fold` over a column (names of a relevé or a register); missing or blank → missing.

    Each distinct value is folded once: a relevé repeats the same few names on many lines.
    """
    folded = map_distinct(values.astype("str"), lambda distinct: distinct.map(fold))
    return folded.where(folded != "")  # a blank name is no name


def french_number(value: float) -> str:
    """`1234.5` → `"1 234,5"` (narrow no-break space, decimal comma, at most 2 decimals)."""
    text = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return text.rstrip("0").rstrip(",")


def french_hours(value: float) -> str:
    """`2036.6` → `"2 036,60 h"`: hours always with their two decimals (SPEC §6: exact to the
    hundredth), as a person compares two amounts of hours."""
    return f"{value:,.2f}".replace(",", "\u202f").replace(".", ",") + " h"


def _year(text: str) -> float:
    year = float(text)
    if len(text) == 2:
        year += 2000 if year < _CENTURY_PIVOT else 1900
    return year


def _month(text: str) -> float:
    return float(_MONTH_NUMBER.get(text.rstrip("."), text))


# How each named group of the notation regexes becomes a number.
_GROUP_VALUES: dict[str, Callable[[str], float]] = {
    "year": _year,
    "month": _month,
    "fraction": lambda digits: float("0." + digits),
    "sign": lambda sign: -1.0 if sign == "-" else 1.0,
}


def _serials(number: np.ndarray) -> np.ndarray:
    return serials(number, *SERIAL_RANGE, _EXCEL_EPOCH)


_TIMED_DATES = tuple(
    Notation(n.name, n.regex + _TIME_SUFFIX, n.accepts) if n.regex else n for n in DATES
)
_DATES_WITH_TIME = Matcher(_TIMED_DATES, _GROUP_VALUES)
# Months first: "10/2026" is a month; "03/10/2026" falls through to the dates.
_MONTHS_OR_DATES = Matcher(MONTHS + _TIMED_DATES, _GROUP_VALUES)
_HOURS = Matcher(HOURS, _GROUP_VALUES)


def _stamps(cells: Cells, matcher: Matcher) -> np.ndarray:
    """Every date-like cell → datetime64[us] (NaT where nothing could be read)."""
    stamps = np.full(len(cells.present), np.datetime64("NaT", "us"))
    stamps[cells.is_moment] = cells.moment
    if cells.is_number.any():
        stamps[cells.is_number] = _serials(cells.number)
    if cells.is_text.any():
        matched, parts = matcher.match(cells.text)
        day = np.where(np.isnan(parts["day"]), 1, parts["day"])  # a month is its first day
        from_text = calendar(parts["year"], parts["month"], day)
        stamps[cells.is_text] = np.where(matched, from_text, np.datetime64("NaT", "us"))
    return stamps


# Each parser has an array form, `read_<values>(cells) -> (values, unreadable)`, for the
# reader: on a 160-line relevé, building Series costs more than reading the cells.


def _parsed(values: pd.Series, read: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
            dtype: str | None = None) -> Parsed:
    result, unreadable = read(values.to_numpy(dtype=object))
    return Parsed(pd.Series(result, index=values.index, dtype=dtype),
                  pd.Series(unreadable, index=values.index))


def read_dates(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_dates` on an object array: (datetime64[us], unreadable)."""
    split = split_cells(cells)
    stamps = _stamps(split, _DATES_WITH_TIME).astype("datetime64[D]").astype("datetime64[us]")
    return stamps, split.present & np.isnat(stamps)


def parse_dates(values: pd.Series) -> Parsed:
    """Excel dates, serial numbers and the French written forms of `DATES` → datetime64."""
    return _parsed(values, read_dates)


def read_months(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_months` on an object array: ("YYYY-MM" texts, None where unread; unreadable)."""
    split = split_cells(cells)
    stamps = _stamps(split, _MONTHS_OR_DATES)
    months = np.datetime_as_string(stamps.astype("datetime64[M]"), unit="M")
    unread = np.isnat(stamps)
    return none_where(unread, months), split.present & unread


def parse_months(values: pd.Series) -> Parsed:
    """The forms of `MONTHS` (or any date in the month) → `"YYYY-MM"` text."""
    return _parsed(values, read_months, "str")


# "1 234,5", "7 h 30": spaces (also non-breaking and narrow ones) mean nothing in hours.
_NO_SPACES = {ord(c): None for c in " \t\n\u00a0\u202f\u2009\u2007"}


def read_hours(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_hours` on an object array: (float hours rounded half up to 0,01 h, unreadable)."""
    split = split_cells(cells)
    hours = np.full(len(split.present), np.nan)
    hours[split.is_number] = split.number
    hours[split.is_duration] = split.duration
    if split.is_text.any():
        # numpy's stubs want a str table; a str.maketrans dict is what str.translate takes.
        text = np.char.translate(split.text.astype(str), _NO_SPACES).astype(object)  # type: ignore[call-overload]
        matched, parts = _HOURS.match(text)
        written = (parts["units"] + np.nan_to_num(parts["fraction"])
                   + np.nan_to_num(parts["minutes"]) / 60) * np.nan_to_num(parts["sign"], nan=1.0)
        hours[split.is_text] = np.where(matched, written, np.nan)
    # SPEC §6: read values are rounded half up to the hundredth, then only ever added.
    return round_hours(hours), split.present & np.isnan(hours)


def parse_hours(values: pd.Series) -> Parsed:
    """Numbers, Excel durations and the written forms of `HOURS` → float hours, rounded half
    up to 0,01 h (`7h20` → 7,33; clauses/hours.py)."""
    return _parsed(values, read_hours)


def _first_variant(variants: tuple[Notation, ...]) -> Callable[[str], str | None]:
    def read(text: str) -> str | None:
        key = fold(text)
        return next((n.name for n in variants if re.search(n.regex or "", key)), None)

    return read


def _yes_no(text: str) -> bool | None:
    key = re.sub(r"^(\d) 0$", r"\1", fold(text))  # 1.0 read from a number cell
    yes, no = (re.fullmatch(n.regex or "", key) for n in YES_NO)
    return True if yes else False if no else None


def parse_yes_no(values: pd.Series) -> Parsed:
    """`oui`/`non` and their variants (and Excel booleans) → bool (missing stays missing)."""
    answers, unreadable = by_distinct_value(values, _yes_no)
    return Parsed(pd.Series(answers, index=values.index, dtype="boolean"),
                  pd.Series(unreadable, index=values.index))


def read_contract_types(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_contract_types` on an object array: (labels, None where none; unreadable)."""
    return by_distinct_value(cells, _first_variant(CONTRACT_TYPE_VARIANTS))


def parse_contract_types(values: pd.Series) -> Parsed:
    """Contract types as written → `vocabulary.CONTRACT_TYPES`."""
    return _parsed(values, read_contract_types, "str")


def read_exit_situations(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_exit_situations` on an object array: (labels, None where none; unreadable)."""
    return by_distinct_value(cells, _first_variant(EXIT_VARIANTS))


def parse_exit_situations(values: pd.Series) -> Parsed:
    """Exit situations as written → `vocabulary.EXIT_SITUATIONS`."""
    return _parsed(values, read_exit_situations, "str")


def _barriers(text: str) -> str | None:
    items = [fold(i) for i in re.split(r"[;,/\n]", text)]
    found = [_first_variant(BARRIER_VARIANTS)(i) for i in items if i and not _NO_BARRIER.match(i)]
    return None if None in found else ";".join(b for b in BARRIERS if b in found)


def read_barriers(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`parse_barriers` on an object array: (";"-joined barriers, None where none;
    unreadable)."""
    labels, unreadable = by_distinct_value(cells, _barriers)
    return none_where(labels == "", labels), unreadable


def parse_barriers(values: pd.Series) -> Parsed:
    """A list of barriers separated by `;` or `,` → `;`-joined `vocabulary.BARRIERS` (in their
    order, each once); a cell with an unknown item is unreadable, "aucun" is no barrier."""
    return _parsed(values, read_barriers, "str")


def _fold_parsed(values: pd.Series) -> Parsed:
    return Parsed(fold_text(values), pd.Series(False, index=values.index))


TEXT: tuple[Notation, ...] = (
    Notation("nom", None, {"  Marie-Hélène  D'ARC ": "marie helene d arc",
                           "LEFÈVRE": "lefevre", "Lefevre": "lefevre", "Œuvre": "oeuvre",
                           "N'Diaye": "n diaye"}),
)

# What each parser accepts, walked by tests/test_notations.py.
NOTATIONS: dict[str, tuple[tuple[Notation, ...], Callable[[pd.Series], Parsed]]] = {
    "date": (DATES, parse_dates),
    "mois": (MONTHS, parse_months),
    "heures": (HOURS, parse_hours),
    "oui/non": (YES_NO, parse_yes_no),
    "type de contrat": (CONTRACT_TYPE_VARIANTS, parse_contract_types),
    "situation à la sortie": (EXIT_VARIANTS, parse_exit_situations),
    "freins": (BARRIER_VARIANTS, parse_barriers),
    "texte": (TEXT, _fold_parsed),
}

@lru_cache(maxsize=4096)  # titles repeat from file to file ("Période : octobre 2026")
def find_month(text: str) -> str | None:
    """The first month written inside a title (`"Relevé d'heures – octobre 2026"`,
    `"Période du 01/10/2026 au 31/10/2026"`) as `"YYYY-MM"`, or None."""
    folded = str(text).strip().lower()
    found = [
        re.search(rf"(?<!\w){n.regex}(?!\w)", folded) for n in (*DATES, *MONTHS) if n.regex
    ]
    for match in sorted((m for m in found if m), key=lambda m: (m.start(), -len(m.group(0)))):
        parts = _MONTHS_OR_DATES.numbers(match.group(0))
        if parts is None:
            continue
        groups = dict(zip(_MONTHS_OR_DATES.groups, parts, strict=True))
        day = 1 if np.isnan(groups["day"]) else groups["day"]
        stamp = calendar(np.array([groups["year"]]), np.array([groups["month"]]),
                          np.array([day]))[0]
        if not np.isnat(stamp):
            return str(stamp.astype("datetime64[M]"))
    return None
