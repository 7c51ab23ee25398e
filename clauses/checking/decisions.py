"""The facilitator's Décisions (SPEC §4, §6): how a recorded decision changes a rule's verdict.

A row of the Décisions register names a participant, a marché, a month and a reason code, and
says « valider » or « invalider ». A decision « valider » whose code is a rejection of the
line turns it into an alert; a decision « invalider » whose code is an alert of the line turns
it into a rejection (the maître d'ouvrage's choice either way, the mirror of « valider »). The
code stays listed on the line and its explanation cites the decision. For the same line and
code, the newest decision wins. « invalider » removes an accepted line's hours whatever code it
names (SPEC §4): a line it names that broke no alert of that code is rejected all the same,
citing the decision (`invalidated_outright`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.checking.matching import normalise_code
from clauses.reading.cells import objects

VALIDATE, INVALIDATE = "valider", "invalider"
_DECISION_KEY = ["_id", "_marche", "mois"]
_NAMING_COLUMNS = ["_pos", "motif", "decision", "citation"]


def recorded_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """The Décisions register keyed for the lookups (once per register): identifier, marché,
    month and code normalised, only the rows that say « valider » or « invalider »."""
    recorded = decisions.assign(
        _id=normalise_code(decisions["id_participant"]),
        _marche=normalise_code(decisions["code_marche"]),
        mois=normalise_code(decisions["mois"]),
        motif=normalise_code(decisions["motif"]),
        decision=decisions["decision"].astype("str").str.strip().str.lower(),
        date=pd.to_datetime(decisions["date"], errors="coerce"),
    )
    return recorded[recorded["decision"].isin([VALIDATE, INVALIDATE])]


def decision_keys(recorded: pd.DataFrame) -> frozenset[tuple]:
    """The (participant, marché, month) keys `recorded` names, None where one is blank: a line
    whose key is not among them has no decision (most lines; looked up in a set)."""
    columns = [objects(recorded[c]).tolist() for c in _DECISION_KEY]
    return frozenset(zip(*columns, strict=True))


def decisions_naming(
    keys: Sequence[tuple], months: np.ndarray, recorded: pd.DataFrame, decided: frozenset[tuple]
) -> pd.DataFrame:
    """One row (`_pos` of the line, `motif`, `decision`, `citation`) per decision naming a
    line's participant, marché and month; the newest wins for the same line and code.

    `keys` are the lines' (normalised participant, normalised marché, month), None where
    missing; a line without participant or marché is named by no decision; `decided` is
    `decision_keys(recorded)`."""
    concerned = np.array([key[0] is not None and key[1] is not None and key in decided
                          for key in keys], dtype=bool)
    if not concerned.any():  # most relevés: no decision names their lines
        return pd.DataFrame(columns=_NAMING_COLUMNS)
    positions = np.flatnonzero(concerned)
    lines = pd.DataFrame(
        {
            "_pos": positions,
            "_id": pd.Series([keys[p][0] for p in positions.tolist()], dtype="str"),
            "_marche": pd.Series([keys[p][1] for p in positions.tolist()], dtype="str"),
            "mois": pd.Series(months[positions], dtype="str"),
        }
    )
    rows = lines.merge(recorded, on=_DECISION_KEY)
    rows = rows.sort_values("date", na_position="first", kind="stable").drop_duplicates(
        ["_pos", "motif"], keep="last"
    )
    return rows.assign(citation=_citations(rows))[_NAMING_COLUMNS]


@dataclass(frozen=True)
class Applied:
    """The decisions that flip a rule: per decision, the line's position, the rule's column
    (in `RULES` order) and its citation."""

    positions: np.ndarray
    rules: np.ndarray
    citations: np.ndarray

    @classmethod
    def none(cls) -> Applied:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, dtype=object))


def applied_decisions(
    named: pd.DataFrame, codes: Sequence[str], rejects: np.ndarray, broken: np.ndarray
) -> Applied:
    """The decisions of `named` that flip a broken rule (its column in `broken`, one per code of
    `codes`). A decision flips a rule when it says « valider » to a rejection (`rejects`) or
    « invalider » to an alert, on a line that broke it; any other decision changes nothing."""
    if named.empty:
        return Applied.none()
    rule_column = named["motif"].map({code: i for i, code in enumerate(codes)})
    named = named[rule_column.notna()]
    column = rule_column[rule_column.notna()].to_numpy(dtype=np.int64)
    positions = named["_pos"].to_numpy(dtype=np.int64)
    flipping = np.where(rejects[column], VALIDATE, INVALIDATE)
    keep = (named["decision"].to_numpy(dtype=object) == flipping) & broken[positions, column]
    return Applied(positions[keep], column[keep],
                   named["citation"].to_numpy(dtype=object)[keep])


def invalidated_outright(
    named: pd.DataFrame, applied: Applied, rejects: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The lines an « invalider » decision rejects although its code is no alert the line broke
    (a clean line, or a code of no rule): their positions and the newest such decision's citation.
    Lines already rejected through an alert the decision named are left to `applied`."""
    rows = named[named["decision"] == INVALIDATE]
    if rows.empty:
        return np.zeros(0, np.int64), np.zeros(0, dtype=object)
    flipped = applied.positions[~rejects[applied.rules]]
    rows = rows[~rows["_pos"].isin(flipped.tolist())].drop_duplicates("_pos", keep="last")
    return rows["_pos"].to_numpy(dtype=np.int64), rows["citation"].to_numpy(dtype=object)


def _citations(rows: pd.DataFrame) -> pd.Series:
    def part(prefix: str, values: pd.Series) -> pd.Series:
        values = values.astype("str").str.strip()
        return (prefix + values.where(values != "")).fillna("")

    verb = np.where(rows["decision"] == VALIDATE, "Heures validées", "Heures invalidées")
    text = (
        pd.Series(verb, index=rows.index, dtype="str")
        + " par décision"
        + part(" de ", rows["auteur"])
        + part(" du ", pd.to_datetime(rows["date"], errors="coerce").dt.strftime("%d/%m/%Y"))
        + part(" : ", rows["commentaire"])
    )
    return text + np.where(text.str.endswith((".", "!", "?")), "", ".")
