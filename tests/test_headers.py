"""Header alias table (clauses/reading/headers.py)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from clauses.reading.headers import (
    REGISTER_ALIASES,
    SUBMISSION_ALIASES,
    alias_index,
    column_label,
    header_key,
    sheet_key,
)
from schemas.registers import REGISTER_COLUMNS

SUBMISSION_INDEX = alias_index(SUBMISSION_ALIASES)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("N° participant", "id_participant"),
        ("Nº participant", "id_participant"),
        ("No participant", "id_participant"),
        ("Numéro participant", "id_participant"),
        ("Identifiant", "id_participant"),
        ("ID", "id_participant"),
        ("NOM", "nom"),
        ("Nom du salarié", "nom"),
        ("Nom de naissance", "nom"),
        ("PRÉNOM", "prenom"),
        ("Date de naissance (jj/mm/aaaa)", "date_naissance"),
        ("Code marché", "code_marche"),
        ("N° de marché", "code_marche"),
        ("Marché", "code_marche"),
        ("Réf. marché", "code_marche"),
        ("Lot", "code_marche"),
        ("Mois", "mois"),
        ("Période", "mois"),
        ("Date de début de mission", "date_debut_mission"),
        ("Date début mission", "date_debut_mission"),
        ("Début", "date_debut_mission"),
        ("Date de fin de mission", "date_fin_mission"),
        ("Heures", "heures"),
        ("Heures *", "heures"),
        ("Nb heures", "heures"),
        ("Nombre d'heures réalisées", "heures"),
        ("Heures réalisées", "heures"),
        ("Total heures", "heures"),
        ("Entreprise", "entreprise"),
        ("Type de contrat", "type_contrat"),
        ("Poste", "poste"),
        ("Date de sortie", "date_sortie"),
        ("Situation à la sortie", "situation_sortie"),
        ("Freins à l'emploi", "freins"),
        ("Accompagnement", "accompagnement"),
        ("Formation", "formation"),
        ("code_marche", "code_marche"),
    ],
)
def test_header_variant_maps_to_its_column(header, column) -> None:
    assert SUBMISSION_INDEX[header_key(header)] == column


@pytest.mark.parametrize(
    "aliases",
    [pytest.param(SUBMISSION_ALIASES, id="relevé et suivi")]
    + [pytest.param(table, id=sheet) for sheet, table in REGISTER_ALIASES.items()],
)
def test_no_variant_names_two_columns(aliases) -> None:
    columns_by_key = defaultdict(set)
    for column, variants in aliases.items():
        for variant in (column, *variants):
            columns_by_key[header_key(variant)].add(column)
    assert {k: c for k, c in columns_by_key.items() if len(c) > 1} == {}


@pytest.mark.parametrize(
    ("sheet", "column", "label"),
    [
        pytest.param(sheet, column, label, id=f"{sheet}|{label}")
        for sheet, labels in REGISTER_COLUMNS.items()
        for column, label in labels.items()
    ],
)
def test_register_template_label_maps_to_its_column(sheet, column, label) -> None:
    assert alias_index(REGISTER_ALIASES[sheet])[header_key(label)] == column


def test_same_header_means_different_columns_in_different_register_sheets() -> None:
    assert alias_index(REGISTER_ALIASES["Marchés"])[header_key("Code")] == "code_marche"
    assert alias_index(REGISTER_ALIASES["Structures"])[header_key("Code")] == "code_structure"


def test_extra_alias_from_the_configuration_is_recognised() -> None:
    index = alias_index(SUBMISSION_ALIASES, {"Heures chantier": "heures"})
    assert index[header_key("HEURES CHANTIER")] == "heures"


def test_extra_alias_naming_an_unknown_column_is_left_out() -> None:
    index = alias_index(SUBMISSION_ALIASES, {"Salaire": "salaire"})
    assert header_key("Salaire") not in index


def test_column_label_is_the_label_clauses_writes() -> None:
    assert column_label("code_marche") == "Code marché"


@pytest.mark.parametrize("name", ["MARCHÉS", "Marches", "marché", " Marchés "])
def test_sheet_key_ignores_case_accents_and_plural(name) -> None:
    assert sheet_key(name) == sheet_key("Marchés")
