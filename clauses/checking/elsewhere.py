"""A participant's month across structures (SPEC §6, issue 12 point 8).

A participant is one person: the hours of one month are judged on everything declared for them,
whatever the file and the structure. For the lines of a relevé, from the current lines other
structures already declared for the same participants and months (`Ledger.declared_elsewhere`,
one query per file at commit time):

- `total_mois`: the participant's hours of the month, this relevé's lines (each participant,
  marché and month once: a DOUBLON adds nothing) plus the other structures' counted lines;
  HEURES_HORS_LIMITES applies to it as to each line;
- `structures_ailleurs`: the other structures declaring the same participant, marché and month
  (DOUBLE_DECLARATION, an alert on both lines: the hours are flagged, never silently summed).

`earlier_flags` gives the other structure's lines their DOUBLE_DECLARATION too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clauses.checking.matching import normalised_codes
from clauses.hours import round_hours
from clauses.periods import month_label
from clauses.vocabulary import LineStatus, Severity

CODE = "DOUBLE_DECLARATION"
# What `Ledger.declared_elsewhere` gives: the other structures' current counted lines.
ELSEWHERE_COLUMNS = ["id", "code_structure", "id_participant", "code_marche", "mois", "heures",
                     "statut", "motifs", "explications"]


def empty_elsewhere() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype="float" if name == "heures" else "str")
                         for name in ELSEWHERE_COLUMNS})


def _keys(*columns: np.ndarray) -> list[tuple | None]:
    """One key per line; None where a part is missing."""
    parts = [normalised_codes(c).tolist() for c in columns]
    return [None if None in key else key for key in zip(*parts, strict=True)]


def across_structures(participants: np.ndarray, markets: np.ndarray, months: np.ndarray,
                      hours: np.ndarray, first_of_key: np.ndarray,
                      elsewhere: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Per line of a relevé: `total_mois` (float, NaN without participant or month) and
    `structures_ailleurs` (text, None when no other structure declares the line's key).
    `first_of_key`: position of the first line with the same participant, marché and month
    (-1 when one is missing), so that a duplicate line is not counted twice."""
    n = len(participants)
    person_month = _keys(participants, months)
    own = np.where(np.isnan(hours) | (hours <= 0), 0.0, hours)
    own = np.where((first_of_key >= 0) & (first_of_key != np.arange(n)), 0.0, own)
    totals: dict[tuple, float] = {}
    for key, value in zip(person_month, own.tolist(), strict=True):
        if key is not None:
            totals[key] = totals.get(key, 0.0) + value
    others: dict[tuple, str] = {}
    if elsewhere is not None and len(elsewhere):
        other_keys = _keys(elsewhere["id_participant"].to_numpy(dtype=object),
                           elsewhere["mois"].to_numpy(dtype=object))
        for key, value in zip(other_keys, elsewhere["heures"].fillna(0.0).tolist(), strict=True):
            if key is not None and key in totals:
                totals[key] += value
        full = _keys(elsewhere["id_participant"].to_numpy(dtype=object),
                     elsewhere["code_marche"].to_numpy(dtype=object),
                     elsewhere["mois"].to_numpy(dtype=object))
        for key, structure in zip(full, elsewhere["code_structure"].tolist(), strict=True):
            if key is not None:
                named = others.get(key)
                others[key] = structure if not named else (
                    named if structure in named.split(", ") else f"{named}, {structure}")
    line_keys = _keys(participants, markets, months)
    total = np.array([np.nan if key is None else totals[key] for key in person_month], float)
    where = np.array([None if key is None else others.get(key) for key in line_keys], object)
    return {"total_mois": round_hours(total), "structures_ailleurs": where}


def earlier_flags(checked: pd.DataFrame, elsewhere: pd.DataFrame, code_structure: str,
                  severity: str) -> pd.DataFrame:
    """The other structures' lines declaring a participant, marché and month of `checked` (a
    CheckedHourLine frame of `code_structure`), with DOUBLE_DECLARATION added: `id`, `statut`,
    `motifs`, `explications` and the `cause` of the new verdict, ready for
    `Ledger.record_file(revised=…)` (a new version of each line). A line that has
    the code already is left as it is."""
    if elsewhere is None or elsewhere.empty or checked.empty:
        return empty_elsewhere()[["id", "statut", "motifs", "explications"]].assign(cause="")
    declared = set(_keys(checked["id_participant"].to_numpy(dtype=object),
                         checked["code_marche"].to_numpy(dtype=object),
                         checked["mois"].to_numpy(dtype=object))) - {None}
    keys = _keys(elsewhere["id_participant"].to_numpy(dtype=object),
                 elsewhere["code_marche"].to_numpy(dtype=object),
                 elsewhere["mois"].to_numpy(dtype=object))
    motifs = elsewhere["motifs"].fillna("").astype(str)
    hit = np.array([key in declared for key in keys], dtype=bool) & ~motifs.str.contains(CODE)
    rows = elsewhere[hit]
    sentence = (f"Les heures de ce participant sur le marché {{marche}} pour {{mois}} sont aussi "
                f"déclarées par {code_structure} : double déclaration à vérifier avec le "
                "guichet.")
    texts = [sentence.format(marche=m, mois=month_label(str(mois)))
             for m, mois in zip(rows["code_marche"], rows["mois"], strict=True)]
    old_motifs = rows["motifs"].fillna("").astype(str)
    old_texts = rows["explications"].fillna("").astype(str)
    rejected = severity == Severity.REJECT.value
    statut = np.where(rejected, LineStatus.REJECTED.value,
                      np.where(rows["statut"] == LineStatus.ACCEPTED.value,
                               LineStatus.ALERT.value, rows["statut"]))
    return pd.DataFrame({
        "id": rows["id"].astype("int64").to_numpy(),
        "cause": f"double déclaration de {code_structure}",
        "statut": statut,
        "motifs": np.where(old_motifs == "", CODE, old_motifs + ";" + CODE),
        "explications": [f"{old} ; {new}" if old else new
                         for old, new in zip(old_texts, texts, strict=True)],
    })
