"""Matching the lines of a relevé to the participants register (SPEC §5.3, §6).

A line names its participant by identifier (`N° participant`), or else by name, first name and
date of birth. Matching never guesses: an identity shared by several register rows is
"ambigu" (PARTICIPANT_AMBIGU), and an identifier that is written but unknown is "inconnu"
(PARTICIPANT_INCONNU) even when the name would match someone: the identifier is what the
structure asserted, and a typo in it must be corrected at the source rather than silently
re-routed to whoever has the same name. Everything is vectorised (hash joins on the distinct
keys), never a Python loop over lines.

The register side is keyed once into a `ParticipantIndex`: folding 600 names costs more than
matching a 160-line relevé, and an ingest run checks every file against the same register.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.formats import fold_text
from clauses.notations import map_distinct

# Values of the `correspondance` column: how the participant of a line was found.
BY_IDENTIFIER = "identifiant"
BY_IDENTITY = "identité"
UNKNOWN = "inconnu"
AMBIGUOUS = "ambigu"
CORRESPONDANCES: tuple[str, ...] = (BY_IDENTIFIER, BY_IDENTITY, UNKNOWN, AMBIGUOUS)


def normalise_code(codes: pd.Series) -> pd.Series:
    """Identifiers and codes as compared: trimmed, upper-case; blank → NaN."""
    text = map_distinct(codes.astype("str"), lambda distinct: distinct.str.strip().str.upper())
    return text.where(text != "")


def _day(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, errors="coerce").dt.normalize().astype("datetime64[us]")


def _identity_keys(frame: pd.DataFrame) -> pd.Series:
    """Folded name, folded first name and birth date as one key; NaN when one is missing.

    Names compare folded (SPEC §5.3: case, accents, hyphens, apostrophes, spaces do not
    matter); a folded name has no "|", so the key is never ambiguous. One text key makes the
    lookup a reindex, much cheaper than a three-column merge on every relevé.
    """
    born = _day(frame["date_naissance"]).dt.strftime("%Y-%m-%d").astype("str")
    return fold_text(frame["nom"]) + "|" + fold_text(frame["prenom"]) + "|" + born


@dataclass(frozen=True)
class ParticipantIndex:
    """The participants register keyed for matching: per identifier and per identity, how many
    register rows have it (`n`) and the first one's identifier (`id_registre`).

    Build it once per register (`ParticipantIndex.of`) and pass it to every
    `match_participants` call of an ingest run.
    """

    by_id: pd.DataFrame  # index: normalised identifier
    by_identity: pd.DataFrame  # index: `_identity_keys`

    @classmethod
    def of(cls, participants: pd.DataFrame) -> ParticipantIndex:
        ids = participants["id_participant"].astype("str")
        return cls(
            by_id=_counted(normalise_code(participants["id_participant"]), ids),
            by_identity=_counted(_identity_keys(participants), ids),
        )


def _counted(keys: pd.Series, ids: pd.Series) -> pd.DataFrame:
    """Per key present: how many register rows have it (`n`), and the first one's identifier
    (`id_registre`; only used when `n` is 1)."""
    first = keys.notna() & ~keys.duplicated()
    counts = keys.value_counts().reindex(keys[first])
    return pd.DataFrame(
        {"n": counts.to_numpy(), "id_registre": ids[first].to_numpy()}, index=keys[first].to_numpy()
    )


def participant_index(participants: pd.DataFrame | ParticipantIndex) -> ParticipantIndex:
    """The index itself, or one built from a register frame (callers may pass either)."""
    if isinstance(participants, ParticipantIndex):
        return participants
    return ParticipantIndex.of(participants)


def match_participants(
    lines: pd.DataFrame, participants: pd.DataFrame | ParticipantIndex
) -> pd.DataFrame:
    """Return `lines` with `id_participant` = the register's identifier (NaN when not found),
    `correspondance` in `CORRESPONDANCES` (see the module docstring for the decisions) and
    `id_declare`, the identifier as the structure wrote it (trimmed; NaN when blank), kept for
    the messages and the control report once `id_participant` is resolved.

    `participants` is the register frame or, to key it once for many calls, its
    `ParticipantIndex`. Matching twice gives the same result (the second pass starts again
    from `id_declare`), so a caller may match before `rules.check_lines`, which matches anyway.
    """
    index = participant_index(participants)
    written = lines["id_declare"] if "id_declare" in lines else lines["id_participant"]
    written = map_distinct(written.astype("str"), lambda distinct: distinct.str.strip())
    declared_id = normalise_code(written).to_numpy(dtype=object, na_value=None)
    has_id = pd.notna(declared_id)
    count = np.zeros(len(lines), dtype=np.int64)
    resolved = np.full(len(lines), None, dtype=object)
    _look_up(index.by_id, declared_id[has_id], np.flatnonzero(has_id), count, resolved)
    # Lines without an identifier: folded name + first name + birth date, all three required.
    identity = _identity_keys(lines[~has_id]).to_numpy(dtype=object, na_value=None)
    complete = pd.notna(identity)
    _look_up(index.by_identity, identity[complete], np.flatnonzero(~has_id)[complete], count,
             resolved)

    correspondance = np.select(
        [count > 1, (count == 1) & has_id, count == 1],
        [AMBIGUOUS, BY_IDENTIFIER, BY_IDENTITY],
        default=UNKNOWN,
    )
    resolved[count != 1] = None  # never guess between several register rows
    return lines.assign(
        id_participant=pd.Series(resolved, index=lines.index, dtype="str"),
        correspondance=pd.Series(correspondance, index=lines.index, dtype="str"),
        id_declare=written.where(written != ""),
    )


def _look_up(
    table: pd.DataFrame, keys: np.ndarray, positions: np.ndarray, count: np.ndarray,
    resolved: np.ndarray,
) -> None:
    """Fill `count` (register rows with the key) and `resolved` (the first one's identifier)
    in place, at the `positions` of the lines whose `keys` are given."""
    if len(keys) == 0:
        return
    found = table.reindex(keys)
    count[positions] = found["n"].fillna(0).to_numpy(dtype=np.int64)
    resolved[positions] = found["id_registre"].to_numpy(dtype=object, na_value=None)
