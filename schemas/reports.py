"""The tables the monthly reports put in front of buyers and companies (SPEC §8).

`strict` and `ordered`: exactly these columns, in this order — nothing personal can slip into a
buyer's workbook through an extra column, and the `Synthèse` keeps the columns SPEC §8 names.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

_STATUSES = ["Objectif atteint", "À l'heure ou en avance", "En retard"]


class MarketSynthesis(pa.DataFrameModel):
    """Sheet `Synthèse`: one row per marché active in the month or with hours."""

    code_marche: Series[str] = pa.Field(alias="Code marché", unique=True)
    intitule: Series[str] = pa.Field(alias="Intitulé")
    entreprise: Series[str] = pa.Field(alias="Entreprise", nullable=True)
    heures_objectif: Series[float] = pa.Field(alias="Heures objectif", gt=0)
    heures_du_mois: Series[float] = pa.Field(alias="Heures du mois", ge=0)
    heures_cumulees: Series[float] = pa.Field(alias="Heures cumulées", ge=0)
    taux_de_realisation: Series[float] = pa.Field(alias="Taux de réalisation", ge=0)
    participants: Series[int] = pa.Field(alias="Participants", ge=0)
    duree_ecoulee: Series[float] = pa.Field(alias="Durée écoulée", ge=0, le=1)
    avancement: Series[str] = pa.Field(alias="Avancement", isin=_STATUSES)

    @pa.dataframe_check(name="heures cumulées ≥ heures du mois")
    def cumulated_include_the_month(cls, df):  # noqa: N805 — pandera's class-level checks
        return df["Heures cumulées"] + 1e-6 >= df["Heures du mois"]

    class Config:
        strict = True
        ordered = True


class CompanyParticipant(pa.DataFrameModel):
    """Sheet `Participants` of a company's report: the participants of the month (hours in it or
    a mission running in it), names, mission dates and hours only — no birth date, no
    eligibility criteria, no address (SPEC §8)."""

    nom: Series[str] = pa.Field(alias="Nom")
    # A participant since removed from the register is shown by identifier, without first name.
    prenom: Series[str] = pa.Field(alias="Prénom", nullable=True)
    code_marche: Series[str] = pa.Field(alias="Code marché")
    structure: Series[str] = pa.Field(alias="Structure", nullable=True)
    # The mission's dates (relevé first, else tableau de suivi), blank when neither gives them.
    debut_mission: Series[pd.Timestamp] = pa.Field(alias="Début de mission", nullable=True)
    fin_mission: Series[pd.Timestamp] = pa.Field(alias="Fin de mission", nullable=True)
    heures_du_mois: Series[float] = pa.Field(alias="Heures du mois", ge=0)
    heures_cumulees: Series[float] = pa.Field(alias="Heures cumulées sur le marché", ge=0)

    class Config:
        strict = True
        ordered = True
