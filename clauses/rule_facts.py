"""What the control rules of `rules.py` look at (SPEC §6): the *facts* frame and the `Context`.

The facts frame is the relevé's lines (index 0..n-1) joined with what the registers say about
their participant and marché, the month's first and last days, and the state of each required
value (`invalide_<value>`, `illisible_<value>`). The registers are keyed once into a
`RegisterIndex`: an ingest run checks every file against the same registers, and keying them
(folding 600 names, normalising every code) costs more than checking a 160-line relevé.

Choices where the SPEC leaves room:
- only the required values of SPEC §5.2 give VALEUR_INVALIDE; an unreadable optional value
  (end of mission) is left empty, as if it had not been written;
- a month written in a shape that is not YYYY-MM is as unreadable as one the reader refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.config import Rules
from clauses.decisions import recorded_decisions
from clauses.matching import ParticipantIndex, match_participants, normalise_code
from clauses.notations import map_distinct
from clauses.registers import Registers

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
_OPTIONAL_COLUMNS = {"entreprise": "str", "date_fin_mission": "datetime64[us]"}
_DUPLICATE_KEY = ["id_participant", "code_marche", "mois"]
TOTAL_TOLERANCE = 0.01  # hours: rounding in a spreadsheet's Total line is not an error


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


def months_after(dates: pd.Series, months: int) -> pd.Series:
    # Calendar months (15/10 + 2 months = 15/12), as the convention counts them.
    return dates + pd.DateOffset(months=months)


def row_groups(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row's values (-1 when one is missing) and each group's first row."""
    group = np.zeros(len(frame), dtype=np.int64)
    for column in frame.columns:
        codes, distinct = pd.factorize(frame[column])
        group = np.where((group < 0) | (codes < 0), -1, group * (len(distinct) + 1) + codes)
    _, first, inverse = np.unique(group, return_index=True, return_inverse=True)
    return np.where(group < 0, -1, inverse), first


def on_distinct_rows(rows: pd.DataFrame, check: Callable[[pd.DataFrame], pd.Series]) -> pd.Series:
    """`check` run once per distinct combination of values, spread back to every row."""
    group, first = row_groups(rows.fillna(""))
    verdict = check(rows.iloc[first]).to_numpy(dtype=bool, na_value=False)
    return pd.Series(verdict[group], index=rows.index, dtype=bool)


# --- the registers, keyed once -------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterIndex:
    """The registers as the rules look them up. Build it once per ingest run
    (`RegisterIndex.of(registers)`) and pass it to `check_lines` in place of the `Registers`."""

    registers: Registers
    participants: ParticipantIndex
    participant_rows: pd.DataFrame  # by id_participant: register dates and structure
    markets: pd.DataFrame  # by normalised code: register spelling, dates, attributaire
    company_names: pd.Series  # by SIRET
    decisions: pd.DataFrame  # see `decisions.recorded_decisions`

    @classmethod
    def of(cls, registers: Registers) -> RegisterIndex:
        people = registers.participants.drop_duplicates("id_participant")
        people = people.set_index("id_participant")
        markets = registers.markets.assign(_code=normalise_code(registers.markets["code_marche"]))
        companies = registers.companies.drop_duplicates("siret").set_index("siret")
        return cls(
            registers=registers,
            participants=ParticipantIndex.of(registers.participants),
            participant_rows=people.assign(_structure=normalise_code(people["code_structure"])),
            markets=markets.drop_duplicates("_code").set_index("_code"),
            company_names=companies["nom"],
            decisions=recorded_decisions(registers.decisions),
        )


def register_index(registers: Registers | RegisterIndex) -> RegisterIndex:
    """The index itself, or one built from the registers (callers may pass either)."""
    return registers if isinstance(registers, RegisterIndex) else RegisterIndex.of(registers)


# --- the facts -----------------------------------------------------------------------------------


def facts_of(
    lines: pd.DataFrame, index: RegisterIndex, unreadable: pd.DataFrame | None
) -> pd.DataFrame:
    """The lines (index 0..n-1) with the resolved participant, its register dates and
    structure, the marché's dates and attributaire, the month's first and last days, the
    state of each required value and, for DOUBLON, the position of the first line with the
    same participant, marché and month (`premiere_position`, -1 when one is missing)."""
    lines = lines.reset_index(drop=True)
    for column, dtype in _OPTIONAL_COLUMNS.items():
        if column not in lines:
            lines[column] = pd.Series(None, index=lines.index, dtype=dtype)
    lines = match_participants(lines, index.participants)
    lines = lines.assign(cle_marche=normalise_code(lines["code_marche"]))
    unreadable = pd.DataFrame(index=lines.index) if unreadable is None else unreadable
    unreadable = unreadable.reset_index(drop=True).reindex(lines.index)
    month_start = pd.to_datetime(lines["mois"], format="%Y-%m", errors="coerce")
    f = lines.assign(
        debut_mois=month_start,
        fin_mois=month_start + pd.offsets.MonthEnd(0),
        **_invalid_values(lines, unreadable, month_start),
    )
    f = _with_markets(_with_participants(f, index), index)
    group, first = row_groups(f[_DUPLICATE_KEY])
    return f.assign(premiere_position=np.where(group >= 0, first[group], -1))


def _blank(values: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(values) or values.dtype == object:
        return normalise_code(values).isna()
    return values.isna()


def _invalid_values(
    lines: pd.DataFrame, unreadable: pd.DataFrame, month_start: pd.Series
) -> dict[str, np.ndarray]:
    """Per required value (SPEC §6 VALEUR_INVALIDE): `invalide_<key>` (empty or unreadable)
    and `illisible_<key>` (a value was written but could not be read). `lines` are matched
    (`id_declare`) and carry `cle_marche`."""

    def unread(column: str) -> np.ndarray:
        if column not in unreadable:
            return np.zeros(len(lines), dtype=bool)
        return unreadable[column].to_numpy(dtype=bool, na_value=False)

    def blank_where(column: str, rows: np.ndarray) -> np.ndarray:
        # Text checks run on the few lines that need them only.
        blank = np.zeros(len(lines), dtype=bool)
        blank[rows] = _blank(lines.loc[rows, column]).to_numpy(dtype=bool)
        return blank

    invalid: dict[str, np.ndarray] = {}
    # Identity: the identifier, or else all of name, first name and birth date (SPEC §5.2).
    no_id = lines["id_declare"].isna().to_numpy()
    parts = [blank_where(column, no_id) for column in _IDENTITY_PARTS]
    invalid["identite"] = no_id & np.logical_or.reduce(parts)
    unread_parts = [unread(column) for column in _IDENTITY_PARTS]
    unread_identity = invalid["identite"] & np.logical_or.reduce(
        [part & unread_part for part, unread_part in zip(parts, unread_parts, strict=True)]
    )
    invalid["code_marche"] = lines["cle_marche"].isna().to_numpy()
    invalid["date_debut_mission"] = lines["date_debut_mission"].isna().to_numpy()
    invalid["heures"] = lines["heures"].isna().to_numpy()
    invalid["mois"] = month_start.isna().to_numpy()
    unread_month = unread("mois") | (invalid["mois"] & ~blank_where("mois", invalid["mois"]))
    states = {f"invalide_{key}": invalid[key] for key in REQUIRED_VALUES}
    states |= {f"illisible_{key}": invalid[key] & unread(key) for key in REQUIRED_VALUES}
    return states | {"illisible_identite": unread_identity, "illisible_mois": unread_month}


def _with_participants(f: pd.DataFrame, index: RegisterIndex) -> pd.DataFrame:
    ids = f["id_participant"].to_numpy(dtype=object, na_value=None)
    found = index.participant_rows.reindex(ids)
    return f.assign(
        date_prescription=found["date_prescription"].to_numpy(),
        date_validation=found["date_validation"].to_numpy(),
        structure_participant=pd.Series(found["code_structure"].to_numpy(), dtype="str"),
        cle_structure_participant=pd.Series(found["_structure"].to_numpy(), dtype="str"),
    )


def _with_markets(f: pd.DataFrame, index: RegisterIndex) -> pd.DataFrame:
    found = index.markets.reindex(f["cle_marche"].to_numpy(dtype=object, na_value=None))
    known = found["code_marche"].notna().to_numpy()
    # The register's spelling, so that the ledger and the reports join on one code.
    code = pd.Series(found["code_marche"].to_numpy(), dtype="str")
    code[~known] = map_distinct(f.loc[~known, "code_marche"], lambda text: text.str.strip())
    siret = pd.Series(found["siret"].to_numpy(), dtype="str")
    return f.assign(
        code_marche=code.where(code != ""),
        marche_connu=known,
        date_debut_marche=found["date_debut"].to_numpy(),
        date_fin_marche=found["date_fin"].to_numpy(),
        siret_attributaire=siret,
        nom_attributaire=siret.map(index.company_names).astype("str"),
    )
