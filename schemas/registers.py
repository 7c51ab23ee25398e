"""The facilitator's registers (SPEC §4), one schema per sheet, after headers are normalised."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from clauses.config import REASON_CODES
from clauses.periods import MONTH_PATTERN
from clauses.siret import is_valid_siret
from clauses.vocabulary import EDUCATION_LEVELS, Criterion, StructureType


class _Register(pa.DataFrameModel):
    class Config:
        strict = "filter"  # extra columns a facilitator adds for themselves are ignored
        coerce = False


class StructureRegister(_Register):
    code_structure: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    nom: Series[str] = pa.Field(str_length={"min_value": 1})
    type: Series[str] = pa.Field(isin=[t.value for t in StructureType])
    siret: Series[str] = pa.Field(nullable=True)
    email: Series[str] = pa.Field(nullable=True)

    @pa.check("siret", name="SIRET valide (14 chiffres, clé de Luhn)")
    def siret_is_valid(cls, siret: Series[str]) -> pd.Series[bool]:
        return siret.isna() | siret.map(is_valid_siret, na_action="ignore").astype(bool)


class BuyerRegister(_Register):
    code_mo: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    nom: Series[str] = pa.Field(str_length={"min_value": 1})
    email: Series[str] = pa.Field(nullable=True)


class CompanyRegister(_Register):
    siret: Series[str] = pa.Field(unique=True)
    nom: Series[str] = pa.Field(str_length={"min_value": 1})
    email: Series[str] = pa.Field(nullable=True)

    @pa.check("siret", name="SIRET valide (14 chiffres, clé de Luhn)")
    def siret_is_valid(cls, siret: Series[str]) -> pd.Series[bool]:
        return siret.map(is_valid_siret).astype(bool)


class MarketRegister(_Register):
    code_marche: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    intitule: Series[str] = pa.Field(str_length={"min_value": 1})
    code_mo: Series[str]
    siret: Series[str]
    date_debut: Series[pd.Timestamp]
    date_fin: Series[pd.Timestamp]
    heures_objectif: Series[float] = pa.Field(gt=0)
    # Opening balance (SPEC §4): hours achieved before Clauses, up to `reprise_au` included.
    heures_reprise: Series[float] = pa.Field(ge=0, nullable=True)
    reprise_au: Series[pd.Timestamp] = pa.Field(nullable=True)

    @pa.dataframe_check(name="date_fin postérieure ou égale à date_debut")
    def ends_after_start(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["date_fin"] >= df["date_debut"]

    @pa.dataframe_check(name="reprise_au renseignée avec heures_reprise")
    def balance_has_its_date(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["heures_reprise"].isna() | df["reprise_au"].notna()

    @pa.dataframe_check(name="heures_reprise renseignées avec reprise_au")
    def balance_date_has_its_hours(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["reprise_au"].isna() | df["heures_reprise"].notna()

    @pa.dataframe_check(name="reprise_au entre date_debut (la veille au plus tôt) et date_fin")
    def balance_date_within_market(cls, df: pd.DataFrame) -> pd.Series[bool]:
        day_before = df["date_debut"] - pd.Timedelta(days=1)
        return df["reprise_au"].isna() | df["reprise_au"].between(day_before, df["date_fin"])


class ParticipantRegister(_Register):
    id_participant: Series[str] = pa.Field(unique=True, str_length={"min_value": 1})
    nom: Series[str] = pa.Field(str_length={"min_value": 1})
    prenom: Series[str] = pa.Field(str_length={"min_value": 1})
    date_naissance: Series[pd.Timestamp]
    sexe: Series[str] = pa.Field(isin=["F", "M"])
    commune: Series[str] = pa.Field(nullable=True)
    qpv: Series[bool]
    niveau_formation: Series[str] = pa.Field(isin=list(EDUCATION_LEVELS), nullable=True)
    criteres: Series[str] = pa.Field(nullable=True)
    prescripteur: Series[str] = pa.Field(nullable=True)
    date_prescription: Series[pd.Timestamp]
    date_validation: Series[pd.Timestamp] = pa.Field(nullable=True)
    code_structure: Series[str] = pa.Field(nullable=True)

    @pa.check("criteres", name="critères connus, séparés par « ; »")
    def criteria_are_known(cls, criteres: Series[str]) -> pd.Series[bool]:
        known = {c.value for c in Criterion}
        return criteres.map(
            lambda text: all(p.strip() in known for p in str(text).split(";") if p.strip()),
            na_action="ignore",
        ).fillna(True).astype(bool)

    @pa.dataframe_check(name="date_validation postérieure ou égale à date_prescription")
    def validated_after_prescription(cls, df: pd.DataFrame) -> pd.Series[bool]:
        return df["date_validation"].isna() | (df["date_validation"] >= df["date_prescription"])


class DecisionRegister(_Register):
    id_participant: Series[str]
    code_marche: Series[str]
    mois: Series[str] = pa.Field(str_matches=MONTH_PATTERN)
    motif: Series[str] = pa.Field(isin=list(REASON_CODES))
    decision: Series[str] = pa.Field(isin=["valider", "invalider"])
    auteur: Series[str] = pa.Field(nullable=True)
    date: Series[pd.Timestamp] = pa.Field(nullable=True)
    commentaire: Series[str] = pa.Field(nullable=True)


# Sheet name (as the facilitator sees it) → schema, in the order of the workbook.
REGISTER_SHEETS: dict[str, type[_Register]] = {
    "Structures": StructureRegister,
    "Maîtres d'ouvrage": BuyerRegister,
    "Entreprises": CompanyRegister,
    "Marchés": MarketRegister,
    "Participants": ParticipantRegister,
    "Décisions": DecisionRegister,
}


# Column headers of the register template written by `clauses init` (and by the demo), per
# sheet: Clauses column → label a facilitator reads. Reading is tolerant (SPEC §5.3), so a
# facilitator's own variants of these labels are accepted too.
REGISTER_COLUMNS: dict[str, dict[str, str]] = {
    "Structures": {
        "code_structure": "Code structure",
        "nom": "Nom",
        "type": "Type",
        "siret": "SIRET",
        "email": "Courriel",
    },
    "Maîtres d'ouvrage": {"code_mo": "Code MO", "nom": "Nom", "email": "Courriel"},
    "Entreprises": {"siret": "SIRET", "nom": "Nom", "email": "Courriel"},
    "Marchés": {
        "code_marche": "Code marché",
        "intitule": "Intitulé",
        "code_mo": "Code MO",
        "siret": "SIRET attributaire",
        "date_debut": "Date de début",
        "date_fin": "Date de fin",
        "heures_objectif": "Heures objectif",
        "heures_reprise": "Heures reprises",
        "reprise_au": "Reprise au",
    },
    "Participants": {
        "id_participant": "Identifiant",
        "nom": "Nom",
        "prenom": "Prénom",
        "date_naissance": "Date de naissance",
        "sexe": "Sexe",
        "commune": "Commune",
        "qpv": "QPV",
        "niveau_formation": "Niveau de formation",
        "criteres": "Critères",
        "prescripteur": "Prescripteur",
        "date_prescription": "Date de prescription",
        "date_validation": "Date de validation",
        "code_structure": "Code structure",
    },
    "Décisions": {
        "id_participant": "Identifiant",
        "code_marche": "Code marché",
        "mois": "Mois",
        "motif": "Motif",
        "decision": "Décision",
        "auteur": "Auteur",
        "date": "Date",
        "commentaire": "Commentaire",
    },
}
