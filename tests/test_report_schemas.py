"""The report tables' schemas: exactly the columns SPEC §8 allows, in order."""

import pandas as pd
import pandera.pandas as pa
import pytest

from schemas.reports import CompanyParticipant, MarketSynthesis


def people(**extra):
    return pd.DataFrame({"Nom": ["Martin"], "Prénom": ["Éloïse"], "Code marché": ["M-001"],
                         "Structure": ["AI Niort"],
                         "Début de mission": pd.to_datetime(["2026-09-01"]),
                         "Fin de mission": pd.Series([pd.NaT], dtype="datetime64[us]"),
                         "Heures du mois": [35.0],
                         "Heures cumulées sur le marché": [70.0], **extra})


def synthesis(**changes):
    row = {"Code marché": "M-001", "Intitulé": "Voirie", "Entreprise": "BTP",
           "Heures objectif": 1000.0, "Heures du mois": 35.0, "Heures cumulées": 70.0,
           "Taux de réalisation": 0.07, "Participants": 2, "Durée écoulée": 0.5,
           "Avancement": "En retard"}
    row.update(changes)
    return pd.DataFrame([row])


def test_company_participants_table_holds_names_mission_dates_and_hours():
    assert len(CompanyParticipant.validate(people())) == 1


@pytest.mark.parametrize("column", ["Date de naissance", "Critères", "Adresse"])
def test_company_participants_table_refuses_any_personal_column_more(column):
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors)):
        CompanyParticipant.validate(people(**{column: ["x"]}))


def test_synthesis_refuses_cumulated_hours_below_the_month():
    with pytest.raises(pa.errors.SchemaError, match="heures cumulées"):
        MarketSynthesis.validate(synthesis(**{"Heures cumulées": 10.0}))


def test_synthesis_keeps_the_spec_columns_in_order():
    frame = synthesis()
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors)):
        MarketSynthesis.validate(frame[list(reversed(frame.columns))])
