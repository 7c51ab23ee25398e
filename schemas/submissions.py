"""Lines read from the structures' spreadsheets (SPEC §5.2), after headers are renamed and
French notations parsed. Every line keeps where it came from (`feuille`, `ligne` = the row number
a person sees in Excel) so the control report points to it."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from clauses.periods import MONTH_PATTERN
from clauses.vocabulary import CONTRACT_TYPES, EXIT_SITUATIONS


class _Line(pa.DataFrameModel):
    feuille: Series[str]
    ligne: Series[int] = pa.Field(ge=1)
    id_participant: Series[str] = pa.Field(nullable=True)
    nom: Series[str] = pa.Field(nullable=True)
    prenom: Series[str] = pa.Field(nullable=True)
    date_naissance: Series[pd.Timestamp] = pa.Field(nullable=True)
    code_marche: Series[str] = pa.Field(nullable=True)
    date_debut_mission: Series[pd.Timestamp] = pa.Field(nullable=True)
    date_fin_mission: Series[pd.Timestamp] = pa.Field(nullable=True)
    type_contrat: Series[str] = pa.Field(isin=list(CONTRACT_TYPES), nullable=True)
    poste: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = False


class HourLine(_Line):
    """One line of a relevé d'heures: a participant's hours on a marché for a month."""

    mois: Series[str] = pa.Field(str_matches=MONTH_PATTERN, nullable=True)
    heures: Series[float] = pa.Field(nullable=True)
    entreprise: Series[str] = pa.Field(nullable=True)


class TrackingLine(_Line):
    """One line of a tableau de suivi: a participant's mission, contract and exit."""

    date_sortie: Series[pd.Timestamp] = pa.Field(nullable=True)
    situation_sortie: Series[str] = pa.Field(isin=list(EXIT_SITUATIONS), nullable=True)
    freins: Series[str] = pa.Field(nullable=True)
    accompagnement: Series[str] = pa.Field(nullable=True)
    formation: Series[str] = pa.Field(nullable=True)


class CheckedHourLine(HourLine):
    """A relevé line after matching and control rules (SPEC §6)."""

    statut: Series[str] = pa.Field(
        isin=["acceptée", "acceptée avec alerte", "rejetée"]
    )
    motifs: Series[str]  # reason codes separated by ";" ("" when none)
    explications: Series[str]  # French sentences for the structure, one per code
    en_retard: Series[bool]
