"""Matching the lines of a relevé to the participants register (SPEC §5.3, §6).

A line names its participant by identifier (`N° participant`), or else by name, first name and
date of birth. Matching never guesses: an identity shared by several register rows is
"ambigu" (PARTICIPANT_AMBIGU), and an identifier that is written but unknown is "inconnu"
(PARTICIPANT_INCONNU) even when the name would match someone: the identifier is what the
structure asserted, and a typo in it must be corrected at the source rather than silently
re-routed to whoever has the same name. Everything is vectorised (hash joins on the distinct
keys), never a Python loop over lines.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

# Values of the `correspondance` column: how the participant of a line was found.
BY_IDENTIFIER = "identifiant"
BY_IDENTITY = "identité"
UNKNOWN = "inconnu"
AMBIGUOUS = "ambigu"
CORRESPONDANCES: tuple[str, ...] = (BY_IDENTIFIER, BY_IDENTITY, UNKNOWN, AMBIGUOUS)

_IDENTITY = ["_nom", "_prenom", "_naissance"]


def _fold_distinct(values: pd.Series) -> pd.Series:
    return (
        values.str.casefold()
        .str.replace("œ", "oe", regex=False)  # NFKD does not decompose the French ligatures
        .str.replace("æ", "ae", regex=False)
        .str.normalize("NFKD")
        .str.replace(r"[\u0300-\u036f]", "", regex=True)  # combining accents left by NFKD
        .str.replace(r"[\W_]+", " ", regex=True)  # hyphens, apostrophes, dots, any spaces
        .str.strip()
    )


def map_distinct(
    values: pd.Series, transform: Callable[[pd.Series], pd.Series], dtype: str = "str"
) -> pd.Series:
    """`transform` applied to the distinct values only, then spread back (NaN stays NaN).

    A relevé of 60 000 lines names a few thousand people and a few dozen marchés: text
    operations (Python-level per value with pandas' `str` dtype) run on those only.
    """
    codes, distinct = pd.factorize(values)
    done = transform(pd.Series(distinct, dtype=values.dtype)).to_numpy(dtype=object)
    spread = np.full(len(values), None, dtype=object)
    found = codes >= 0
    spread[found] = done[codes[found]]
    return pd.Series(spread, index=values.index, dtype=dtype)


def fold_name(names: pd.Series) -> pd.Series:
    """`"  Lefèvre-D'Arc "` → `"lefevre d arc"`: how names are compared (SPEC §5.3).

    Case, accents, hyphens, apostrophes, any punctuation and repeated spaces do not matter.
    Missing or blank names give NaN.
    """
    folded = map_distinct(names.astype("str"), _fold_distinct)
    return folded.where(folded != "")


def normalise_code(codes: pd.Series) -> pd.Series:
    """Identifiers and codes as compared: trimmed, upper-case; blank → NaN."""
    text = map_distinct(codes.astype("str"), lambda distinct: distinct.str.strip().str.upper())
    return text.where(text != "")


def _day(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, errors="coerce").dt.normalize().astype("datetime64[us]")


def _identity_keys(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_nom": fold_name(frame["nom"]),
            "_prenom": fold_name(frame["prenom"]),
            "_naissance": _day(frame["date_naissance"]),
        },
        index=frame.index,
    )


def _register_keys(participants: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per identifier and per identity: how many register rows have it, and the first one's id."""
    register = _identity_keys(participants).assign(
        _id=normalise_code(participants["id_participant"]),
        id_registre=participants["id_participant"].astype("str"),
    )
    counted = {"n": ("id_registre", "size"), "id_registre": ("id_registre", "first")}
    by_id = register.groupby("_id").agg(**counted)
    by_identity = register.dropna(subset=_IDENTITY).groupby(_IDENTITY).agg(**counted).reset_index()
    return by_id, by_identity


def match_participants(lines: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """Return `lines` with `id_participant` = the register's identifier (NaN when not found),
    `correspondance` in `CORRESPONDANCES` (see the module docstring for the decisions) and
    `id_declare`, the identifier as the structure wrote it (trimmed; NaN when blank), kept for
    the messages and the control report once `id_participant` is resolved.

    Matching twice gives the same result (the second pass starts again from `id_declare`), so a
    caller may match before `rules.check_lines`, which matches anyway.
    """
    by_id, by_identity = _register_keys(participants)
    n = len(lines)

    written = lines["id_declare"] if "id_declare" in lines else lines["id_participant"]
    written = map_distinct(written.astype("str"), lambda distinct: distinct.str.strip())
    declared_id = normalise_code(written).to_numpy(dtype=object, na_value=None)
    has_id = pd.notna(declared_id)
    id_count = np.zeros(n, dtype=np.int64)
    resolved = np.full(n, None, dtype=object)
    if has_id.any():
        found = by_id.reindex(declared_id[has_id])
        id_count[has_id] = found["n"].fillna(0).to_numpy(dtype=np.int64)
        resolved[has_id] = found["id_registre"].to_numpy(dtype=object, na_value=None)

    # Lines without an identifier: folded name + first name + birth date, all three required.
    keys = _identity_keys(lines[~has_id]).assign(_pos=np.flatnonzero(~has_id))
    by_name = np.zeros(n, dtype=bool)
    by_name[keys["_pos"].to_numpy()] = keys[_IDENTITY].notna().all(axis=1).to_numpy()
    name_count = np.zeros(n, dtype=np.int64)
    if by_name.any():
        wanted = keys[by_name[keys["_pos"].to_numpy()]]
        joined = wanted.merge(by_identity, how="left", on=_IDENTITY, validate="many_to_one")
        positions = joined["_pos"].to_numpy()
        name_count[positions] = joined["n"].fillna(0).to_numpy(dtype=np.int64)
        resolved[positions] = joined["id_registre"].to_numpy(dtype=object, na_value=None)

    count = np.where(has_id, id_count, name_count)
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
