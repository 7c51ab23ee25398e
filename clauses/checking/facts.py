"""What the control rules of `rules.py` look at (SPEC §6): the `Facts` of a relevé and the `Context`.

The facts are the relevé's lines (positions 0..n-1) with what the registers say about their
participant and marché, the month's first and last days, and the state of each required value
(`invalide_<value>`, `illisible_<value>`), one numpy array per name: texts as object arrays
(None when empty), dates as datetime64[us] (NaT), numbers as float. A relevé has a few hundred
lines, where each pandas operation costs more (50–100 µs) than the numpy work itself, so the
facts are arrays and the lookups dicts. The registers are keyed once into a `RegisterIndex`: an
ingest run checks every file against the same registers, and keying them (folding 600 names,
normalising every code) costs more than checking a 160-line relevé.

Choices where the SPEC leaves room:
- only the required values of SPEC §5.2 give VALEUR_INVALIDE; an unreadable optional value
  (end of mission) is left empty, as if it had not been written;
- a month written in a shape that is not YYYY-MM is as unreadable as one the reader refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from clauses.checking.decisions import decision_keys, recorded_decisions
from clauses.checking.elsewhere import across_structures
from clauses.checking.matching import (
    Match,
    ParticipantIndex,
    normalise_code,
    normalised_codes,
    resolve,
    texts,
)
from clauses.config import Rules
from clauses.periods import months_after
from clauses.reading.cells import none_where, objects
from clauses.reading.notations import fold_name, fold_text
from clauses.registers.load import Registers

# Required values of a relevé line (SPEC §5.2) → the column name a structure reads.
REQUIRED_VALUES: dict[str, str] = {
    "identite": "N° participant, ou Nom + Prénom + Date de naissance",
    "code_marche": "Code marché",
    "date_debut_mission": "Date de début de mission",
    "heures": "Heures",
    "mois": "Mois",
}
_IDENTITY_PARTS = ("nom", "prenom", "date_naissance")
# Optional columns of a relevé (SPEC §5.2): absent from a file, they are empty on every line.
_OPTIONAL_COLUMNS: dict[str, type | str] = {"entreprise": object, "date_fin_mission": "datetime64[us]"}
_DUPLICATE_KEY = ("id_participant", "code_marche", "mois")
TOTAL_TOLERANCE = 0.01  # hours: rounding in a spreadsheet's Total line is not an error
NAT = np.datetime64("NaT", "us")


def totals_differ(declared_total: float | None, lines_total: float) -> bool:
    return declared_total is not None and abs(declared_total - lines_total) > TOTAL_TOLERANCE + 1e-9


@dataclass(frozen=True)
class Context:
    """What a rule needs besides the lines: the settings and the file being checked."""

    settings: Rules
    today: pd.Timestamp
    code_structure: str
    declared_total: float | None
    lines_total: float

    @property
    def total_differs(self) -> bool:
        return totals_differ(self.declared_total, self.lines_total)

    @property
    def today_us(self) -> np.datetime64:
        # In the facts' unit: comparing in ns would overflow on a 31/12/9999 end of marché.
        return self.today.as_unit("us").to_datetime64()


def as_array(values: pd.Series) -> np.ndarray:
    """A column of the lines as the facts hold it (see the module docstring)."""
    dtype = values.dtype
    if dtype.kind == "M" and isinstance(dtype, np.dtype):
        return values.to_numpy().astype("datetime64[us]")
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return values.to_numpy()
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return objects(values)


def missing(values: np.ndarray) -> np.ndarray:
    """Where a facts array is empty."""
    if values.dtype.kind in "Mm":
        return np.isnat(values)
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind == "O":
        return pd.isna(values)
    return np.zeros(len(values), dtype=bool)


class Facts:
    """The facts of one relevé: name → one value per line (numpy). Columns of the lines are
    converted on first use only; the rules and messages name a dozen of them."""

    def __init__(self, lines: pd.DataFrame, derived: dict[str, np.ndarray]) -> None:
        self.lines, self.derived = lines, derived

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.derived:
            self.derived[name] = as_array(self.lines[name])
        return self.derived[name]


def row_groups(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row's values (-1 when one is missing) and each group's first row."""
    group = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    for values in columns:
        codes, distinct = pd.factorize(values)
        group = np.where((group < 0) | (codes < 0), -1, group * (len(distinct) + 1) + codes)
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    return np.where(group < 0, -1, inverse), first


# --- the registers, keyed once -------------------------------------------------------------------


def _rows_by_key(keys: pd.Series) -> dict[object, int]:
    """Key → position of its first row; a missing key is None (a line without one finds that
    row, as a pandas reindex would)."""
    rows: dict[object, int] = {}
    for position, key in enumerate(objects(keys).tolist()):
        rows.setdefault(key, position)
    return rows


def _with_absent_row(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns of `frame` as arrays with one more, empty, last row: position -1 is "not
    found"."""
    empty = frame.iloc[:0].reindex([0])
    return {column: as_array(pd.concat([frame[column], empty[column]], ignore_index=True))
            for column in frame.columns}


@dataclass(frozen=True)
class Lookup:
    """Register rows by key: `rows[key]` is a position in the `columns` arrays, whose last
    row is empty (what a line whose key is not in the register gets)."""

    rows: dict[object, int]
    columns: dict[str, np.ndarray]

    def positions(self, keys: np.ndarray) -> np.ndarray:
        return np.fromiter((self.rows.get(key, -1) for key in keys.tolist()), np.int64, len(keys))


def _participant_lookup(participants: pd.DataFrame) -> Lookup:
    people = participants.drop_duplicates("id_participant").reset_index(drop=True)
    return Lookup(_rows_by_key(people["id_participant"]), _with_absent_row(pd.DataFrame({
        "date_prescription": people["date_prescription"],
        "date_validation": people["date_validation"],
        "structure_participant": people["code_structure"].astype("str"),
        "cle_structure_participant": normalise_code(people["code_structure"]),
    })))


def _market_lookup(markets: pd.DataFrame, companies: pd.DataFrame) -> Lookup:
    code = normalise_code(markets["code_marche"])
    markets = markets.assign(_code=code).drop_duplicates("_code").reset_index(drop=True)
    names = companies.drop_duplicates("siret").set_index("siret")["nom"]
    # One more siret, missing, for the empty row: it finds a company without SIRET, if any.
    sirets = pd.concat([markets["siret"].astype("str"), pd.Series([None], dtype="str")],
                       ignore_index=True)
    name = sirets.map(names).astype("str")
    columns = _with_absent_row(pd.DataFrame({
        "code_registre": markets["code_marche"].astype("str"),
        "date_debut_marche": markets["date_debut"],
        "date_fin_marche": markets["date_fin"],
    }))
    # What ENTREPRISE_DIFFERENTE compares the written company with (`rules.company_differs`).
    siret = texts(sirets)
    columns |= {
        "siret_attributaire": siret,
        "siren_attributaire": np.array([s if s is None else s[:9] for s in siret.tolist()],
                                       dtype=object),
        "nom_attributaire": texts(name),
        "nom_attributaire_plie": texts(fold_text(name)),
    }
    return Lookup(_rows_by_key(markets["_code"]), columns)


@dataclass(frozen=True)
class RegisterIndex:
    """The registers as the rules look them up. Build it once per ingest run
    (`RegisterIndex.of(registers)`) and pass it to `check_lines` in place of the `Registers`."""

    registers: Registers
    participants: ParticipantIndex
    participant_rows: Lookup  # by register id_participant: register dates and structure
    markets: Lookup  # by normalised code: register spelling, dates, attributaire
    decisions: pd.DataFrame  # see `decisions.recorded_decisions`
    decided: frozenset[tuple]  # (participant, marché, month) some decision names

    @classmethod
    def of(cls, registers: Registers) -> RegisterIndex:
        decisions = recorded_decisions(registers.decisions)
        return cls(
            registers=registers,
            participants=ParticipantIndex.of(registers.participants),
            participant_rows=_participant_lookup(registers.participants),
            markets=_market_lookup(registers.markets, registers.companies),
            decisions=decisions,
            decided=decision_keys(decisions),
        )


def register_index(registers: Registers | RegisterIndex) -> RegisterIndex:
    """The index itself, or one built from the registers (callers may pass either)."""
    return registers if isinstance(registers, RegisterIndex) else RegisterIndex.of(registers)


# --- the facts -----------------------------------------------------------------------------------


def prescription_deadline(prescribed: np.ndarray, rules: Rules) -> np.ndarray:
    """The last day a prescription may be validated by the guichet (SPEC §6
    PRESCRIPTION_EXPIREE): the control rules and the pre-filled templates use this one window."""
    return months_after(prescribed, rules.validite_prescription_mois)


def eligibility_end(validated: np.ndarray, rules: Rules) -> np.ndarray:
    """The last day of eligibility after the guichet's validation (SPEC §6 ELIGIBILITE_EXPIREE)."""
    return months_after(validated, rules.duree_eligibilite_mois)


@lru_cache(maxsize=4096)
def month_bounds(month: str) -> tuple[np.datetime64, np.datetime64]:
    """First and last day of a "YYYY-MM" month (NaT, NaT when it is not one): read as
    `pd.to_datetime(…, format="%Y-%m")` reads it, so "2026-1" is January."""
    start = pd.to_datetime(pd.Series([month], dtype="str"), format="%Y-%m", errors="coerce")
    first = start.to_numpy().astype("datetime64[us]")[0]
    if np.isnat(first):
        return NAT, NAT
    end = (first.astype("datetime64[M]") + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return first, end.astype("datetime64[us]")


def _month_days(months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    codes, distinct = pd.factorize(months)
    bounds = np.array([month_bounds(m) for m in distinct.tolist()] + [(NAT, NAT)],
                      dtype="datetime64[us]").reshape(-1, 2)
    return bounds[codes, 0], bounds[codes, 1]  # code -1 (no month) takes the last: NaT


def facts_of(
    lines: pd.DataFrame, index: RegisterIndex, unreadable: pd.DataFrame | None,
    match: Match | None = None, elsewhere: pd.DataFrame | None = None,
) -> Facts:
    """The lines with the resolved participant (`match`, else `matching.resolve`), its register
    dates and structure, the marché's dates and attributaire, the month's first and last days,
    the state of each required value, for DOUBLON the position of the first line with the
    same participant, marché and month (`premiere_position`, -1 when one is missing), and the
    participant's month across structures (`elsewhere.across_structures`: `total_mois`,
    `structures_ailleurs`; `elsewhere` is what other structures declared, None: nothing)."""
    n = len(lines)
    match = match or resolve(lines, index.participants)
    f = Facts(lines, {
        "id_participant": match.resolved,
        "correspondance": match.correspondance,
        "id_declare": match.written,
    })
    for column, dtype in _OPTIONAL_COLUMNS.items():
        if column not in lines:
            empty: object = None if dtype is object else NAT
            f.derived[column] = np.full(n, empty, dtype=dtype)
    f.derived["cle_marche"] = normalised_codes(texts(lines["code_marche"]))
    f.derived["debut_mois"], f.derived["fin_mois"] = _month_days(f["mois"])
    f.derived |= _invalid_values(f, _unread(unreadable, n))
    _add_participants(f, index)
    _add_markets(f, index)
    group, first = row_groups([f[column] for column in _DUPLICATE_KEY])
    f.derived["premiere_position"] = np.where(group >= 0, first[group], -1)
    f.derived |= across_structures(f["id_participant"], f["code_marche"], f["mois"],
                                   f["heures"].astype(float), f.derived["premiere_position"],
                                   elsewhere)
    return f


Unread = Callable[[str], np.ndarray]


def _unread(unreadable: pd.DataFrame | None, n: int) -> Unread:
    """Per column, whether each line's cell was written but could not be read (positions of
    `unreadable` align with the lines')."""

    known: dict[str, np.ndarray] = {}

    def unread(column: str) -> np.ndarray:
        if column not in known:
            known[column] = np.zeros(n, dtype=bool)
            if unreadable is not None and column in unreadable:
                given = unreadable[column].to_numpy(dtype=bool, na_value=False)[:n]
                known[column][: len(given)] = given
        return known[column]

    return unread


def _blank(values: np.ndarray) -> np.ndarray:
    """Empty, or text that is only spaces (a text column); empty (any other)."""
    if values.dtype.kind != "O":
        return missing(values)
    return np.array([v is None or not str(v).strip() for v in values.tolist()], dtype=bool)


def _invalid_values(f: Facts, unread: Unread) -> dict[str, np.ndarray]:
    """Per required value (SPEC §6 VALEUR_INVALIDE): `invalide_<key>` (empty or unreadable)
    and `illisible_<key>` (a value was written but could not be read)."""

    def blank_where(column: str, rows: np.ndarray) -> np.ndarray:
        # Text checks run on the few lines that need them only.
        blank = np.zeros(len(f), dtype=bool)
        blank[rows] = _blank(f[column][rows])
        return blank

    invalid: dict[str, np.ndarray] = {}
    # Identity: the identifier, or else all of name, first name and birth date (SPEC §5.2).
    no_id = missing(f["id_declare"])
    parts = [blank_where(column, no_id) for column in _IDENTITY_PARTS]
    invalid["identite"] = no_id & np.logical_or.reduce(parts)
    unread_parts = [unread(column) for column in _IDENTITY_PARTS]
    unread_identity = invalid["identite"] & np.logical_or.reduce(
        [part & unread_part for part, unread_part in zip(parts, unread_parts, strict=True)]
    )
    invalid["code_marche"] = missing(f["cle_marche"])
    invalid["date_debut_mission"] = missing(f["date_debut_mission"])
    invalid["heures"] = missing(f["heures"])
    invalid["mois"] = np.isnat(f["debut_mois"])
    unread_month = unread("mois") | (invalid["mois"] & ~blank_where("mois", invalid["mois"]))
    states = {f"invalide_{key}": invalid[key] for key in REQUIRED_VALUES}
    states |= {f"illisible_{key}": invalid[key] & unread(key) for key in REQUIRED_VALUES}
    return states | {"illisible_identite": unread_identity, "illisible_mois": unread_month}


def _add_participants(f: Facts, index: RegisterIndex) -> None:
    lookup = index.participant_rows
    at = lookup.positions(f["id_participant"])
    for column, values in lookup.columns.items():
        f.derived[column] = values[at]


def _add_markets(f: Facts, index: RegisterIndex) -> None:
    lookup = index.markets
    at = lookup.positions(f["cle_marche"])
    for column, values in lookup.columns.items():
        f.derived[column] = values[at]
    known = ~missing(f.derived.pop("code_registre"))
    # The register's spelling, so that the ledger and the reports join on one code.
    written = [v.strip() or None if isinstance(v, str) else None
               for v in texts(f.lines["code_marche"])[~known].tolist()]
    code = lookup.columns["code_registre"][at]
    code[~known] = np.array(written, dtype=object)
    f.derived["code_marche"] = none_where(code == "", code)
    f.derived["marche_connu"] = known


_SEPARATORS = re.compile(r"[\s.\-]")  # inside a SIRET written "123 456 789 00012"


def written_company(f: Facts) -> dict[str, np.ndarray]:
    """The company each line names, as ENTREPRISE_DIFFERENTE compares it: blank (only
    spaces), its digits (SIRET or SIREN written with spaces, dots or dashes) and its folded
    name; worked out once per distinct text."""
    codes, distinct = pd.factorize(f["entreprise"])
    shown = [str(v) for v in distinct.tolist()]
    table = np.array([(not v.strip(), _SEPARATORS.sub("", v), fold_name(v)) for v in shown]
                     + [(True, None, None)], dtype=object).reshape(-1, 3)
    return {"blank": table[codes, 0].astype(bool), "digits": table[codes, 1],
            "folded": table[codes, 2]}


# What breaks a rule: a boolean mask over the lines' facts.
Mask = Callable[[Facts, Context], np.ndarray]


@dataclass(frozen=True)
class Rule:
    """One control rule: its code, its default severity, what breaks it, what the line is told."""

    code: str
    severity: str  # default (SPEC §6); `Rules.severites` may change it
    broken: Mask
    message: str  # French template: see `explanations.py` for the names it may use
    when_missing: Mapping[str, str] = field(default_factory=dict)
