"""The facilitator's registers (clauses/registers/load.py): read, normalised, validated."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from clauses.errors import RegisterError
from clauses.registers.load import load_registers, write_register_template
from schemas.registers import REGISTER_COLUMNS
from tests.helpers_reading import REGISTER, SUBMISSIONS, edited_register


@pytest.fixture(scope="module")
def registers():
    return load_registers(REGISTER)


def test_a_caller_changing_its_registers_leaves_the_next_caller_s_intact() -> None:
    first = load_registers(REGISTER)
    first.companies["nom"] = "modifié"
    assert load_registers(REGISTER).companies["nom"].tolist() == ["BTP Sèvre", "Nettoyage Niortais"]


@pytest.mark.parametrize(
    ("table", "column", "dtype"),
    [
        ("markets", "code_marche", "str"),
        ("markets", "date_debut", "datetime64[us]"),
        ("markets", "date_fin", "datetime64[us]"),
        ("markets", "heures_objectif", "float64"),
        ("participants", "qpv", "bool"),
        ("participants", "date_validation", "datetime64[us]"),
        ("companies", "siret", "str"),
        ("decisions", "date", "datetime64[us]"),
    ],
)
def test_register_column_has_its_canonical_dtype(registers, table, column, dtype) -> None:
    assert getattr(registers, table)[column].dtype == dtype


@pytest.mark.parametrize(
    ("table", "column", "expected"),
    [
        pytest.param("companies", "siret", ["41234567000019", "52345678800018"], id="siret"),
        pytest.param("structures", "type", ["AI", "ETTI"], id="type en majuscules"),
        pytest.param("markets", "heures_objectif", [1200.0, 850.5], id="heures 850,5"),
        pytest.param("markets", "date_debut", [pd.Timestamp(2026, 1, 1),
                                               pd.Timestamp(2026, 3, 1)], id="dates texte"),
        pytest.param("participants", "qpv", [True, False], id="oui/non"),
        pytest.param("participants", "niveau_formation", ["infra 3", "4"], id="niveau"),
        pytest.param("participants", "criteres", ["DELD;RSA", "RQTH"], id="critères"),
        pytest.param("decisions", "mois", ["2026-10"], id="mois oct.-26"),
        pytest.param("decisions", "decision", ["valider"], id="décision"),
    ],
)
def test_register_values_are_normalised(registers, table, column, expected) -> None:
    assert getattr(registers, table)[column].tolist() == expected


def test_sheets_are_found_whatever_their_spelling(registers) -> None:
    # The sample workbook names them "Maitres d'ouvrage", "MARCHÉS" and "Decisions".
    assert (len(registers.buyers), len(registers.markets), len(registers.decisions)) == (2, 2, 1)


def test_header_row_below_a_title_is_found(registers) -> None:
    assert registers.structures["code_structure"].tolist() == ["AI-NIORT", "ETTI-SEVRE"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({("Entreprises", "A2"): "41234567800013"},
                     "feuille « Entreprises », ligne 2, colonne « SIRET » : le SIRET "
                     "« 41234567800013 » n'est pas valide", id="SIRET hors clé de Luhn"),
        pytest.param({("MARCHÉS", "A3"): "M-2026-01"},
                     "feuille « MARCHÉS », ligne 3, colonne « Code marché » : « M-2026-01 » "
                     "figure sur plusieurs lignes", id="code en double"),
        pytest.param({("MARCHÉS", "F2"): "31/12/2025"},
                     "feuille « MARCHÉS », ligne 2, colonne « Date de fin » : la date de fin "
                     "précède la date de début", id="fin avant début"),
        pytest.param({("Participants", "L2"): "01/08/2025"},
                     "feuille « Participants », ligne 2, colonne « Date de validation » : la "
                     "date de validation précède la date de prescription",
                     id="validation avant prescription"),
        pytest.param({("MARCHÉS", "C2"): "INCONNU"},
                     "feuille « MARCHÉS », ligne 2, colonne « Code MO » : maître d'ouvrage "
                     "« INCONNU » absent de la feuille « Maitres d'ouvrage »", id="MO inconnu"),
        pytest.param({("Participants", "M2"): "GEIQ-X"},
                     "feuille « Participants », ligne 2, colonne « Code structure » : structure "
                     "« GEIQ-X » absent", id="structure inconnue"),
        pytest.param({("Decisions", "A2"): "P-999"},
                     "feuille « Decisions », ligne 2, colonne « Identifiant » : participant "
                     "« P-999 » absent", id="décision sur un participant inconnu"),
        pytest.param({("MARCHÉS", "E3"): "32/13/2026"},
                     "feuille « MARCHÉS », ligne 3, colonne « Date de début » : la date "
                     "« 32/13/2026 » n'est pas lisible", id="date illisible"),
        pytest.param({("Participants", "G3"): "peut-être"},
                     "feuille « Participants », ligne 3, colonne « QPV » : « peut-être » : "
                     "« oui » ou « non » attendu", id="qpv illisible"),
        pytest.param({("Structures", "C4"): "XYZ"},
                     "feuille « Structures », ligne 4, colonne « Type » : « XYZ » n'est pas une "
                     "valeur admise", id="type inconnu sous une ligne de titre"),
        pytest.param({("MARCHÉS", "G2"): -5},
                     "colonne « Heures objectif » : « -5 » doit être un nombre strictement "
                     "positif", id="objectif négatif"),
    ],
)
def test_invalid_register_names_sheet_row_and_column(tmp_path, cells, expected) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", cells)
    with pytest.raises(RegisterError) as invalid:
        load_registers(path)
    assert expected in str(invalid.value)
    assert str(invalid.value).startswith(f"Registre invalide ({path}) : ")


def test_missing_sheet_is_named(tmp_path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", without_sheets=["Entreprises"])
    with pytest.raises(RegisterError, match="la feuille « Entreprises » est introuvable"):
        load_registers(path)


def test_missing_required_column_is_named(tmp_path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", {("MARCHÉS", "F1"): "Remarque"})
    with pytest.raises(RegisterError, match="colonne « Date de fin » : colonne absente"):
        load_registers(path)


def test_missing_file_is_a_register_error(tmp_path) -> None:
    with pytest.raises(RegisterError, match="Registre introuvable"):
        load_registers(tmp_path / "referentiel.xlsx")


def test_unreadable_workbook_is_a_register_error() -> None:
    with pytest.raises(RegisterError, match="Registre illisible"):
        load_registers(SUBMISSIONS / "corrompu.xlsx")


def test_empty_decisions_sheet_is_accepted(tmp_path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", without_rows={"Decisions": 2})
    assert load_registers(path).decisions.empty


def test_absent_decisions_sheet_is_accepted(tmp_path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", without_sheets=["Decisions"])
    decisions = load_registers(path).decisions
    assert decisions.empty and "motif" in decisions


def test_message_lists_five_problems_then_counts_the_others(tmp_path) -> None:
    cells = {("Participants", f"E{row}"): "X" for row in (2, 3)}
    cells |= {("Structures", "C4"): "?", ("Structures", "C5"): "?",
              ("MARCHÉS", "G2"): -1, ("MARCHÉS", "G3"): -2, ("Entreprises", "A2"): "1"}
    path = edited_register(tmp_path / "referentiel.xlsx", cells)
    with pytest.raises(RegisterError) as invalid:
        load_registers(path)
    message = str(invalid.value)
    assert message.count("feuille « ") == 5
    assert message.endswith("autres problèmes.")


def test_extra_alias_applies_to_register_headers(tmp_path) -> None:
    path = edited_register(tmp_path / "referentiel.xlsx", {("MARCHÉS", "G1"): "Volume clause"})
    markets = load_registers(path, extra_aliases={"Volume clause": "heures_objectif"}).markets
    assert markets["heures_objectif"].tolist() == [1200.0, 850.5]


def test_template_has_the_six_sheets_and_their_headers(tmp_path) -> None:
    path = write_register_template(tmp_path / "registers" / "referentiel.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == list(REGISTER_COLUMNS)
    for name, columns in REGISTER_COLUMNS.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == list(columns.values())
        assert sheet.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("sheet", "column", "choices"),
    [
        ("Structures", "C", '"AI,ETTI,GEIQ,ETT,EI,ACI,AUTRE"'),
        ("Participants", "E", '"F,M"'),
        ("Participants", "G", '"oui,non"'),
        ("Participants", "H", '"infra 3,3,4,5 et plus"'),
    ],
)
def test_template_offers_drop_down_lists(tmp_path, sheet, column, choices) -> None:
    book = load_workbook(write_register_template(tmp_path / "referentiel.xlsx"))
    validations = book[sheet].data_validations.dataValidation
    assert any(v.formula1 == choices and str(v.sqref).startswith(f"{column}2")
               for v in validations)


def test_template_reads_back_as_empty_registers(tmp_path) -> None:
    registers = load_registers(write_register_template(tmp_path / "referentiel.xlsx"))
    assert all(getattr(registers, t).empty for t in ("structures", "markets", "participants"))


def test_opening_balance_columns_are_optional(registers) -> None:
    assert registers.markets["heures_reprise"].isna().all()
    assert registers.markets["reprise_au"].dtype == "datetime64[us]"


def test_opening_balance_is_read(tmp_path) -> None:
    cells = {("MARCHÉS", "H1"): "Heures reprises", ("MARCHÉS", "I1"): "Reprise au",
             ("MARCHÉS", "H2"): "412,5", ("MARCHÉS", "I2"): "31/01/2026"}
    markets = load_registers(edited_register(tmp_path / "referentiel.xlsx", cells)).markets
    assert markets["heures_reprise"].tolist()[0] == 412.5
    assert markets["reprise_au"].tolist()[0] == pd.Timestamp(2026, 1, 31)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param({("MARCHÉS", "H2"): 100},
                     "ligne 2, colonne « Reprise au » : date manquante", id="heures sans date"),
        pytest.param({("MARCHÉS", "I2"): "31/01/2026"},
                     "ligne 2, colonne « Heures reprises » : nombre d'heures reprises manquant",
                     id="date sans heures"),
        pytest.param({("MARCHÉS", "H2"): -3, ("MARCHÉS", "I2"): "31/01/2026"},
                     "colonne « Heures reprises » : « -3 » doit être un nombre positif ou nul",
                     id="heures négatives"),
        pytest.param({("MARCHÉS", "H2"): 100, ("MARCHÉS", "I2"): "31/01/2030"},
                     "ligne 2, colonne « Reprise au » : la date de reprise doit tomber entre",
                     id="date après la fin du marché"),
    ],
)
def test_invalid_opening_balance_is_named(tmp_path, cells, expected) -> None:
    cells = {("MARCHÉS", "H1"): "Heures reprises", ("MARCHÉS", "I1"): "Reprise au", **cells}
    with pytest.raises(RegisterError) as invalid:
        load_registers(edited_register(tmp_path / "referentiel.xlsx", cells))
    assert expected in str(invalid.value)
