"""Matching the lines of a relevé to the participants register (SPEC §5.3, §6).

A line names its participant by identifier (`N° participant`), or else by name, first name and
date of birth. Matching never guesses: an identity shared by several register rows is
"ambigu" (PARTICIPANT_AMBIGU), and an identifier that is written but unknown is "inconnu"
(PARTICIPANT_INCONNU) even when the name would match someone: the identifier is what the
structure asserted, and a typo in it must be corrected at the source rather than silently
re-routed to whoever has the same name.

The register side is keyed once into a `ParticipantIndex` (two dicts): folding 600 names costs
more than matching a 160-line relevé, and an ingest run checks every file against the same
register. The line side is plain dict lookups on numpy object arrays: on a 160-line relevé,
each pandas operation costs more (50–100 µs) than looking up every line in Python; text work
(trimming, folding names) runs once per distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.reading.cells import map_distinct, objects
from clauses.reading.notations import fold_name, fold_text

# Values of the `correspondance` column: how the participant of a line was found.
BY_IDENTIFIER = "identifiant"
BY_IDENTITY = "identité"
UNKNOWN = "inconnu"
AMBIGUOUS = "ambigu"

_SEVERAL = object()  # a key that several register rows have: never resolved
_ABSENT = object()  # a key no register row has


def normalise_code(codes: pd.Series) -> pd.Series:
    """Identifiers and codes as compared: trimmed, upper-case; blank → NaN."""
    text = map_distinct(codes.astype("str"), lambda distinct: distinct.str.strip().str.upper())
    return text.where(text != "")


def texts(values: pd.Series) -> np.ndarray:
    """A text column as an object array, None where missing (what the lookups below take)."""
    if values.dtype != "str":
        values = values.astype("str")
    return objects(values)


def _code(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip().upper() or None


def normalised_codes(values: np.ndarray) -> np.ndarray:
    """`normalise_code` on an object array (`texts`, or values as read: a number is its
    text), in plain Python — a relevé's few hundred lines cost more as pandas columns than
    the work: None where missing or blank."""
    missing = pd.isna(values).tolist()
    return np.array([None if gone else _code(str(value))
                     for value, gone in zip(values.tolist(), missing, strict=True)], dtype=object)


def _day(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, errors="coerce").dt.normalize().astype("datetime64[us]")


def _birth_days(dates: pd.Series) -> np.ndarray:
    """Birth dates as "YYYY-MM-DD" texts (None when missing), as `_identity_keys` writes them."""
    if dates.dtype.kind == "M" and getattr(dates.dtype, "tz", None) is None:
        days = dates.to_numpy().astype("datetime64[D]")
        known = ~np.isnat(days)
        years = days[known].astype("datetime64[Y]").astype(np.int64) + 1970
        if ((years >= 1000) & (years <= 9999)).all():  # strftime's %Y, four digits
            shown = np.datetime_as_string(days, unit="D").astype(object)
            shown[~known] = None
            return shown
    born = _day(dates).dt.strftime("%Y-%m-%d").astype("str")
    return objects(born)


def _identity_keys(frame: pd.DataFrame) -> pd.Series:
    """Folded name, folded first name and birth date as one key; NaN when one is missing.

    Names compare folded (SPEC §5.3: case, accents, hyphens, apostrophes, spaces do not
    matter); a folded name has no "|", so the key is never ambiguous. One text key makes the
    lookup a dict lookup, much cheaper than a three-column merge on every relevé.
    """
    born = _day(frame["date_naissance"]).dt.strftime("%Y-%m-%d").astype("str")
    return fold_text(frame["nom"]) + "|" + fold_text(frame["prenom"]) + "|" + born


def _line_identity_keys(lines: pd.DataFrame, rows: np.ndarray) -> list[str | None]:
    """`_identity_keys` of the lines at `rows` (few: those without an identifier)."""
    names = [[None if v is None else fold_name(v) for v in texts(lines[column])[rows].tolist()]
             for column in ("nom", "prenom")]
    born = _birth_days(lines["date_naissance"])[rows].tolist()
    return [
        None if name is None or first is None or day is None else f"{name}|{first}|{day}"
        for name, first, day in zip(*names, born, strict=True)
    ]


def _keyed(keys: pd.Series, ids: pd.Series) -> dict[str, object]:
    """Per key present: the identifier of the one register row that has it, or `_SEVERAL`."""
    table: dict[str, object] = {}
    for key, identifier in zip(objects(keys).tolist(),
                               objects(ids).tolist(), strict=True):
        if key is not None:
            table[key] = _SEVERAL if key in table else identifier
    return table


@dataclass(frozen=True)
class ParticipantIndex:
    """The participants register keyed for matching: per identifier and per identity, the
    register's identifier when exactly one row has it, `_SEVERAL` when more do.

    Build it once per register (`ParticipantIndex.of`) and pass it to every
    `match_participants` call of an ingest run.
    """

    by_id: dict[str, object]  # normalised identifier → register identifier
    by_identity: dict[str, object]  # `_identity_keys` → register identifier

    @classmethod
    def of(cls, participants: pd.DataFrame) -> ParticipantIndex:
        ids = participants["id_participant"].astype("str")
        return cls(
            by_id=_keyed(normalise_code(participants["id_participant"]), ids),
            by_identity=_keyed(_identity_keys(participants), ids),
        )


def participant_index(participants: pd.DataFrame | ParticipantIndex) -> ParticipantIndex:
    """The index itself, or one built from a register frame (callers may pass either)."""
    if isinstance(participants, ParticipantIndex):
        return participants
    return ParticipantIndex.of(participants)


@dataclass(frozen=True)
class Match:
    """Per line (object arrays): the identifier as written (trimmed, None when blank), the
    register's identifier (None when not found) and how it was found (BY_IDENTIFIER, …)."""

    written: np.ndarray
    resolved: np.ndarray
    correspondance: np.ndarray


def resolve(lines: pd.DataFrame, participants: pd.DataFrame | ParticipantIndex) -> Match:
    """The participant of each line (see the module docstring for the decisions)."""
    index = participant_index(participants)
    written = lines["id_declare"] if "id_declare" in lines else lines["id_participant"]
    stripped = [None if v is None else v.strip() or None for v in texts(written).tolist()]
    declared = [_code(v) for v in stripped]
    # Lines without an identifier: folded name + first name + birth date, all three required.
    no_id = [i for i, key in enumerate(declared) if key is None]
    by_identity = dict(zip(no_id, _line_identity_keys(lines, np.array(no_id, dtype=np.int64)),
                           strict=True))
    resolved, correspondance = [], []
    for i, key in enumerate(declared):
        if key is not None:
            found = index.by_id.get(key, _ABSENT)
            how = BY_IDENTIFIER
        else:
            identity = by_identity[i]
            found = _ABSENT if identity is None else index.by_identity.get(identity, _ABSENT)
            how = BY_IDENTITY
        if found is _ABSENT:
            found, how = None, UNKNOWN
        elif found is _SEVERAL:  # never guess between several register rows
            found, how = None, AMBIGUOUS
        resolved.append(found)
        correspondance.append(how)
    return Match(
        written=np.array(stripped, dtype=object),
        resolved=np.array(resolved, dtype=object),
        correspondance=np.array(correspondance, dtype=object),
    )


def match_participants(
    lines: pd.DataFrame, participants: pd.DataFrame | ParticipantIndex
) -> pd.DataFrame:
    """Return `lines` with `id_participant` = the register's identifier (NaN when not found),
    `correspondance` how it was found (BY_IDENTIFIER, …; the module docstring gives why) and
    `id_declare`, the identifier as the structure wrote it (trimmed; NaN when blank), kept for
    the messages and the control report once `id_participant` is resolved.

    `participants` is the register frame or, to key it once for many calls, its
    `ParticipantIndex`. Matching twice gives the same result (the second pass starts again
    from `id_declare`), so a caller may match before `rules.check_lines`, which matches anyway.
    """
    match = resolve(lines, participants)
    return lines.assign(**matched_columns(match, lines.index))


def matched_columns(match: Match, index: pd.Index) -> dict[str, pd.Series]:
    """The three columns `match_participants` sets, as text Series on `index`."""
    return {
        "id_participant": pd.Series(match.resolved, index=index, dtype="str"),
        "correspondance": pd.Series(match.correspondance, index=index, dtype="str"),
        "id_declare": pd.Series(match.written, index=index, dtype="str"),
    }
