"""The facilitator's Décisions (SPEC §4, §6): how a recorded decision changes a rule's verdict.

A row of the Décisions register names a participant, a marché, a month and a reason code, and
says « valider » or « invalider ». A decision « valider » whose code is a rejection of the
line turns it into an alert; a decision « invalider » whose code is an alert of the line turns
it into a rejection (the maître d'ouvrage's choice either way, the mirror of « valider »). The
code stays listed on the line and its explanation cites the decision. For the same line and
code, the newest decision wins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from clauses.matching import normalise_code

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


def decisions_naming(facts: pd.DataFrame, recorded: pd.DataFrame) -> pd.DataFrame:
    """One row (`_pos` of the line, `motif`, `decision`, `citation`) per decision naming a
    line's participant, marché and month; the newest wins for the same line and code."""
    # Only the few lines whose marché has a decision are looked at closely.
    concerned = facts["cle_marche"].isin(recorded["_marche"].dropna().unique()).to_numpy(copy=True)
    concerned[concerned] = facts.loc[concerned, "id_participant"].notna().to_numpy()
    if not concerned.any():  # most relevés: no decision names their marchés
        return pd.DataFrame(columns=_NAMING_COLUMNS)
    lines = pd.DataFrame(
        {
            "_pos": np.flatnonzero(concerned),
            "_id": normalise_code(facts.loc[concerned, "id_participant"]).to_numpy(),
            "_marche": facts.loc[concerned, "cle_marche"].to_numpy(),
            "mois": facts.loc[concerned, "mois"].to_numpy(),
        }
    )
    rows = lines.merge(recorded, on=_DECISION_KEY)
    rows = rows.sort_values("date", na_position="first", kind="stable").drop_duplicates(
        ["_pos", "motif"], keep="last"
    )
    return rows.assign(citation=_citations(rows))[_NAMING_COLUMNS]


def applied_decisions(
    named: pd.DataFrame, codes: Sequence[str], rejects: np.ndarray, broken: np.ndarray
) -> pd.DataFrame:
    """The decisions of `named` that flip a broken rule: `_pos` of the line, `rule` (its column
    in `broken`, one per code of `codes`), `citation`. A decision flips a rule when it says
    « valider » to a rejection (`rejects`) or « invalider » to an alert, on a line that broke
    it; any other decision changes nothing."""
    column = named["motif"].map({code: i for i, code in enumerate(codes)})
    named, column = named[column.notna()], column[column.notna()].to_numpy(dtype=np.int64)
    positions = named["_pos"].to_numpy(dtype=np.int64)
    flipping = np.where(rejects[column], VALIDATE, INVALIDATE)
    keep = (named["decision"].to_numpy(dtype=object) == flipping) & broken[positions, column]
    return pd.DataFrame(
        {
            "_pos": positions[keep],
            "rule": column[keep],
            "citation": named["citation"].to_numpy(dtype=object)[keep],
        }
    )


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
