"""Small inline builders for the matching and rules tests (STYLE §9: data frames built in the
test). Every builder starts from one coherent territory where the default line is accepted;
a test changes only the values its rule is about."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from clauses.registers.load import Registers
from clauses.siret import complete_siret

SIRET_ATTRIBUTAIRE = complete_siret("1234567890001")
SIRET_AUTRE = complete_siret("9876543210001")
STRUCTURE = "AI-NIORT"
TODAY = date(2025, 11, 15)

_PARTICIPANT = {
    "id_participant": "P001",
    "nom": "Lefèvre",
    "prenom": "Éloïse",
    "date_naissance": "1990-04-03",
    "sexe": "F",
    "commune": "Niort",
    "qpv": False,
    "niveau_formation": "3",
    "criteres": "DELD",
    "prescripteur": "France Travail",
    "date_prescription": "2025-01-10",
    "date_validation": "2025-02-01",
    "code_structure": STRUCTURE,
}
_MARKET = {
    "code_marche": "M001",
    "intitule": "Réhabilitation du groupe scolaire",
    "code_mo": "MO1",
    "siret": SIRET_ATTRIBUTAIRE,
    "date_debut": "2025-01-01",
    "date_fin": "2026-12-31",
    "heures_objectif": 1500.0,
}
_COMPANY = {"siret": SIRET_ATTRIBUTAIRE, "nom": "Bâtiments du Marais", "email": None}
_DECISION = {
    "id_participant": "P001",
    "code_marche": "M001",
    "mois": "2025-10",
    "motif": "ELIGIBILITE_NON_VALIDEE",
    "decision": "valider",
    "auteur": "Mme Martin",
    "date": "2025-11-05",
    "commentaire": "accord du maître d'ouvrage",
}
_LINE = {
    "feuille": "Relevé",
    "ligne": 5,
    "id_participant": "P001",
    "nom": None,
    "prenom": None,
    "date_naissance": None,
    "code_marche": "M001",
    "date_debut_mission": "2025-03-01",
    "date_fin_mission": None,
    "type_contrat": "CDDI",
    "poste": "Maçon",
    "mois": "2025-10",
    "heures": 35.0,
    "entreprise": None,
}
_DATES = {
    "date_naissance", "date_prescription", "date_validation", "date_debut", "date_fin", "date",
    "date_debut_mission", "date_fin_mission",
}  # fmt: skip


def _frame(defaults: dict[str, Any], rows: tuple[dict[str, Any], ...]) -> pd.DataFrame:
    frame = pd.DataFrame([{**defaults, **row} for row in rows], columns=list(defaults))
    for column in frame.columns:
        if column in _DATES:
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
        elif column == "qpv":
            frame[column] = frame[column].astype(bool)
        elif column in ("heures", "heures_objectif"):
            frame[column] = frame[column].astype(float)
        elif column == "ligne":
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype("str")
    return frame


def participants(*rows: dict[str, Any]) -> pd.DataFrame:
    return _frame(_PARTICIPANT, rows or ({},))


def markets(*rows: dict[str, Any]) -> pd.DataFrame:
    return _frame(_MARKET, rows or ({},))


def decisions(*rows: dict[str, Any]) -> pd.DataFrame:
    return _frame(_DECISION, rows)


def lines(*rows: dict[str, Any]) -> pd.DataFrame:
    """Relevé lines (HourLine columns); each row overrides the default accepted line.
    Without `ligne`, rows are numbered from 5 as in a spreadsheet with a title block."""
    numbered = tuple({"ligne": 5 + i, **row} for i, row in enumerate(rows or ({},)))
    return _frame(_LINE, numbered)


def registers(
    *,
    participants: pd.DataFrame | None = None,
    markets: pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
) -> Registers:
    """The six registers; each defaults to the one-row territory where the default line passes."""
    return Registers(
        structures=pd.DataFrame(
            {"code_structure": [STRUCTURE], "nom": ["AI Niort"], "type": ["AI"],
             "siret": [None], "email": [None]}
        ).astype({"siret": "str", "email": "str"}),
        buyers=pd.DataFrame({"code_mo": ["MO1"], "nom": ["Ville"], "email": [None]}),
        companies=_frame(_COMPANY, ({},)),
        markets=_frame(_MARKET, ({},)) if markets is None else markets,
        participants=_frame(_PARTICIPANT, ({},)) if participants is None else participants,
        decisions=_frame(_DECISION, ()) if decisions is None else decisions,
    )  # fmt: skip
