"""Pre-filled relevé templates (SPEC §11 `templates`): read back with openpyxl, and with the
product's own reader once filled in."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from clauses.config import Config
from clauses.reading.submission import read_submission
from clauses.registers.load import Registers
from clauses.reports.templates import LABELS, write_templates
from clauses.vocabulary import CONTRACT_TYPES, Kind

MONTH = "2026-10"
SIRET = "73282932000074"


def _participant(id_: str, nom: str, prenom: str, *, structure: str | None = "AI-NIORT",
                 prescription: str = "2026-01-10", validation: str | None = "2026-01-20",
                 ) -> dict[str, Any]:
    return {
        "id_participant": id_, "nom": nom, "prenom": prenom,
        "date_naissance": pd.Timestamp("1990-03-14"), "sexe": "F", "commune": "Niort",
        "qpv": False, "niveau_formation": "3", "criteres": "RSA", "prescripteur": "France Travail",
        "date_prescription": pd.Timestamp(prescription),
        "date_validation": pd.Timestamp(validation) if validation else pd.NaT,
        "code_structure": structure,
    }


PARTICIPANTS = [
    _participant("P-000123", "Ébrard", "Jean-Noël"),
    _participant("P-000001", "Dupont", "Léa"),
    _participant("P-000003", "Martin", "Paul", structure="ETTI-SUD"),
    _participant("P-000004", "Non", "Validé", validation=None),
    _participant("P-000005", "Validé", "Après", validation="2026-11-03"),
    _participant("P-000006", "Prescription", "Expirée", prescription="2026-01-01",
                 validation="2026-04-15"),
    _participant("P-000007", "Éligibilité", "Expirée", prescription="2024-04-20",
                 validation="2024-05-01"),
    _participant("P-000008", "Sans", "Structure", structure=None),
]


def _market(code: str, start: str, end: str) -> dict[str, Any]:
    return {"code_marche": code, "intitule": f"Travaux {code}", "code_mo": "MO-CAN",
            "siret": SIRET, "date_debut": pd.Timestamp(start), "date_fin": pd.Timestamp(end),
            "heures_objectif": 1000.0}


@pytest.fixture
def registers() -> Registers:
    return Registers(
        structures=pd.DataFrame({
            "code_structure": ["AI-NIORT", "ETTI-SUD"],
            "nom": ["AI du Niortais", "ETTI Sud"], "type": ["AI", "ETTI"],
            "siret": [None, None], "email": ["contact@ai-niort.fr", None],
        }),
        buyers=pd.DataFrame({"code_mo": ["MO-CAN"], "nom": ["CA du Niortais"], "email": [None]}),
        companies=pd.DataFrame({"siret": [SIRET], "nom": ["BTP Sèvre"], "email": [None]}),
        markets=pd.DataFrame([
            _market("M-ECOLE", "2026-01-01", "2027-06-30"),
            _market("M-FINI", "2025-01-01", "2026-09-30"),
            _market("M-FUTUR", "2026-11-01", "2027-12-31"),
            _market("M-CRECHE", "2026-10-15", "2026-12-31"),
        ]),
        participants=pd.DataFrame(PARTICIPANTS),
        decisions=pd.DataFrame(columns=["id_participant", "code_marche", "mois", "motif",
                                        "decision", "auteur", "date", "commentaire"]),
    )


def _line(id_: str, market: str, month: str, start: str, *, end: str | None = None,
          contract: str | None = "CDDI", structure: str = "AI-NIORT") -> dict[str, Any]:
    """A current relevé line of the ledger, as `Ledger.hours` gives it."""
    return {"code_structure": structure, "id_participant": id_, "code_marche": market,
            "mois": month, "heures": 35.0, "date_debut_mission": pd.Timestamp(start),
            "date_fin_mission": pd.Timestamp(end) if end else pd.NaT,
            "type_contrat": contract}


def _tracked(id_: str, market: str, start: str, *, end: str | None = None,
             contract: str | None = "CDDI", exit_: str | None = None,
             structure: str = "AI-NIORT") -> dict[str, Any]:
    """A line of the structure's current tableau de suivi, as `Ledger.tracking` gives it."""
    return {"code_structure": structure, "id_participant": id_, "code_marche": market,
            "date_debut_mission": pd.Timestamp(start),
            "date_fin_mission": pd.Timestamp(end) if end else pd.NaT,
            "type_contrat": contract, "date_sortie": pd.Timestamp(exit_) if exit_ else pd.NaT,
            "recu_le": pd.Timestamp("2026-10-02"), "actif": True}


# October 2026, by hand: P-000001 runs (September line, no end) on M-ECOLE since 2026-09-01;
# P-000123's latest mission is M-CRECHE from 2026-10-15 (mission d'intérim), its older M-ECOLE
# one ended in August; P-000004 left in May (end 2026-05-31): not listed; P-000005 is only in
# the tableau de suivi, on M-ECOLE from 2026-10-20, CDD; P-000006 exited on 2026-09-15 per the
# tableau de suivi: not listed; P-000007's mission starts in November: not listed; P-000003
# runs for ETTI-SUD.
LINES = pd.DataFrame([
    _line("P-000001", "M-ECOLE", "2026-09", "2026-09-01"),
    _line("P-000123", "M-ECOLE", "2026-08", "2026-03-02", end="2026-08-31"),
    _line("P-000123", "M-CRECHE", "2026-10", "2026-10-15", contract="mission d'intérim"),
    _line("P-000004", "M-ECOLE", "2026-05", "2026-02-01", end="2026-05-31"),
    _line("P-000006", "M-ECOLE", "2026-09", "2026-06-01"),
    _line("P-000007", "M-FUTUR", "2026-11", "2026-11-02"),
    _line("P-000003", "M-ECOLE", "2026-09", "2026-07-01", contract="CDI",
          structure="ETTI-SUD"),
])
TRACKING = pd.DataFrame([
    _tracked("P-000005", "M-ECOLE", "2026-10-20", contract="CDD"),
    _tracked("P-000006", "M-ECOLE", "2026-06-01", exit_="2026-09-15"),
])


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config().model_copy(update={"root": tmp_path})


@pytest.fixture
def template(config: Config, registers: Registers) -> Path:
    return write_templates(config, registers, MONTH, LINES, TRACKING)[0]


def test_one_template_per_structure_in_the_outbox(config: Config, registers: Registers,
                                                  tmp_path: Path) -> None:
    paths = write_templates(config, registers, MONTH, LINES, TRACKING)
    folder = tmp_path / "outbox" / "modeles" / MONTH
    assert paths == [folder / "AI-NIORT-releve-2026-10.xlsx",
                     folder / "ETTI-SUD-releve-2026-10.xlsx"]
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in paths]  # no temp file


def test_template_can_go_to_another_folder(config: Config, registers: Registers,
                                           tmp_path: Path) -> None:
    paths = write_templates(config, registers, MONTH, LINES, TRACKING,
                            out_dir=tmp_path / "ailleurs")
    assert {p.parent for p in paths} == {tmp_path / "ailleurs"}


def test_title_block_names_the_period_above_the_header(template: Path) -> None:
    sheet = openpyxl.load_workbook(template)["Relevé"]
    assert sheet["A1"].value == "Relevé d'heures d'insertion — AI du Niortais (AI-NIORT)"
    assert sheet["A2"].value == "Période : octobre 2026"
    assert "10 novembre 2026" in sheet["A3"].value
    assert [c.value for c in sheet[5]] == LABELS
    assert sheet.freeze_panes == "A6"


def test_prefilled_rows_are_the_participants_whose_latest_mission_runs_in_the_month(
    template: Path,
) -> None:
    sheet = openpyxl.load_workbook(template)["Relevé"]
    rows = [[row[i] for i in (0, 1, 2, 4, 5, 6, 7, 8, 10)]
            for row in sheet.iter_rows(min_row=6, values_only=True)]
    assert rows == [
        ["P-000001", "Dupont", "Léa", "M-ECOLE", MONTH, datetime(2026, 9, 1), None, None,
         "CDDI"],
        ["P-000123", "Ébrard", "Jean-Noël", "M-CRECHE", MONTH, datetime(2026, 10, 15), None,
         None, "mission d'intérim"],
        ["P-000005", "Validé", "Après", "M-ECOLE", MONTH, datetime(2026, 10, 20), None, None,
         "CDD"],
    ]
    assert sheet["D6"].number_format == "dd/mm/yyyy"
    assert sheet["G6"].number_format == "dd/mm/yyyy"


@pytest.mark.parametrize(("lines", "tracking", "expected"), [
    pytest.param([_line("P-000001", "M-ECOLE", "2026-10", "2026-10-31")], [], ["P-000001"],
                 id="starts-on-the-last-day"),
    pytest.param([_line("P-000001", "M-ECOLE", "2026-09", "2026-09-01", end="2026-10-01")],
                 [], ["P-000001"], id="ends-on-the-first-day"),
    pytest.param([_line("P-000001", "M-ECOLE", "2026-09", "2026-09-01", end="2026-09-30")],
                 [], [], id="ended-the-day-before"),
    pytest.param([_line("P-000001", "M-ECOLE", "2026-09", "2026-09-01"),
                  _line("P-000001", "M-ECOLE", "2026-05", "2026-01-01", end="2026-05-31")],
                 [], ["P-000001"], id="older-ended-mission-ignored"),
    pytest.param([_line("P-000001", "M-ECOLE", "2026-09", "2026-01-01")],
                 [_tracked("P-000001", "M-CRECHE", "2026-03-01", end="2026-06-30")],
                 [], id="latest-mission-from-tracking-ended"),
    pytest.param([], [], [], id="nothing-known"),
])
def test_only_a_latest_mission_running_in_the_month_is_prefilled(
    config: Config, registers: Registers, lines: list[dict[str, Any]],
    tracking: list[dict[str, Any]], expected: list[str],
) -> None:
    path = write_templates(config, registers, MONTH, pd.DataFrame(lines),
                           pd.DataFrame(tracking))[0]
    sheet = openpyxl.load_workbook(path)["Relevé"]
    assert [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)] == expected


def test_tracking_facts_fill_what_the_last_line_left_empty(config: Config,
                                                          registers: Registers) -> None:
    lines = pd.DataFrame([_line("P-000001", "M-ECOLE", "2026-09", "2026-09-01", contract=None)])
    tracking = pd.DataFrame([_tracked("P-000001", "M-ECOLE", "2026-09-01", contract="CDDI")])
    path = write_templates(config, registers, MONTH, lines, tracking)[0]
    sheet = openpyxl.load_workbook(path)["Relevé"]
    assert (sheet["E6"].value, sheet["G6"].value, sheet["K6"].value) == (
        "M-ECOLE", datetime(2026, 9, 1), "CDDI")


def test_drop_downs_and_hour_check(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    validations = {str(v.sqref): v for v in book["Relevé"].data_validations.dataValidation}
    last = 6 + 3 + 60 - 1
    markets = validations[f"E6:E{last}"]
    assert (markets.type, markets.formula1) == ("list", "Listes!$A$2:$A$3")
    contracts = validations[f"K6:K{last}"]
    assert (contracts.type, contracts.formula1) == ("list", "Listes!$E$2:$E$8")
    hours = validations[f"I6:I{last}"]
    assert hours.type == "decimal" and hours.operator in (None, "between")  # OOXML default
    assert (float(hours.formula1), float(hours.formula2)) == (0.01, 208)
    assert hours.error == ("Les heures du mois sur ce marché doivent être un nombre supérieur "
                           "à 0 et au plus égal à 208, par exemple 35 ou 151,67.")
    assert validations[f"G6:G{last}"].type == "date"


def test_lists_sheet_is_hidden_and_holds_active_markets_and_contract_types(
    template: Path,
) -> None:
    lists = openpyxl.load_workbook(template)["Listes"]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"][1:] if c.value] == ["M-CRECHE", "M-ECOLE"]
    assert lists["C2"].value == "BTP Sèvre"
    assert [c.value for c in lists["E"][1:] if c.value] == list(CONTRACT_TYPES)


def test_notice_sheet_explains_in_french(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Relevé", "Mode d'emploi", "Listes"]
    text = "\n".join(str(c.value) for c in book["Mode d'emploi"]["A"] if c.value)
    assert "Mode d'emploi du relevé d'heures — octobre 2026" in text
    assert "au plus tard le 10 novembre 2026" in text
    assert "• M-ECOLE — Travaux M-ECOLE (BTP Sèvre)" in text
    assert "M-FINI" not in text and "M-FUTUR" not in text


def test_each_structure_gets_only_its_own_participants(config: Config,
                                                      registers: Registers) -> None:
    path = write_templates(config, registers, MONTH, LINES, TRACKING)[1]
    sheet = openpyxl.load_workbook(path)["Relevé"]
    assert [row[0] for row in sheet.iter_rows(min_row=6, values_only=True)] == ["P-000003"]
    assert (sheet["E6"].value, sheet["K6"].value) == ("M-ECOLE", "CDI")


def test_structure_without_missions_gets_an_empty_template(config: Config,
                                                           registers: Registers) -> None:
    path = write_templates(config, registers, MONTH)[0]
    book = openpyxl.load_workbook(path)
    assert book["Relevé"].max_row == 5
    assert len(book["Relevé"].data_validations.dataValidation) == 5


def _fill(template: Path) -> Path:
    book = openpyxl.load_workbook(template)
    sheet = book["Relevé"]
    # Hours on the two first rows, as pre-filled otherwise; the third row is left untouched.
    for row, hours in {6: 35, 7: 151.67}.items():
        sheet[f"I{row}"] = hours
        sheet[f"J{row}"] = "BTP Sèvre"
        sheet[f"L{row}"] = "Maçon"
    book.save(template)
    return template


def test_a_filled_template_reads_back_without_loss(template: Path) -> None:
    submission = read_submission(_fill(template))
    assert submission.kind == Kind.RELEVE
    lines = submission.lines
    assert lines["id_participant"].tolist() == ["P-000001", "P-000123"]
    assert lines["mois"].tolist() == [MONTH, MONTH]
    assert lines["code_marche"].tolist() == ["M-ECOLE", "M-CRECHE"]
    assert lines["heures"].tolist() == [35.0, 151.67]
    assert lines["type_contrat"].tolist() == ["CDDI", "mission d'intérim"]
    assert lines["date_debut_mission"].tolist() == [pd.Timestamp(2026, 9, 1),
                                                    pd.Timestamp(2026, 10, 15)]
    assert lines["ligne"].tolist() == [6, 7]


def test_rows_left_as_prefilled_are_not_lines(template: Path) -> None:
    book = openpyxl.load_workbook(template)
    book["Relevé"]["I6"] = 35
    book.save(template)
    lines = read_submission(template).lines
    assert lines["id_participant"].tolist() == ["P-000001"]


def test_a_filled_template_dropped_in_the_inbox_is_ingested_with_every_line_accepted(
    tmp_path: Path,
) -> None:

    from workspace_factory import make_workspace, set_file_time

    from clauses.ingest import ingest_inbox
    from clauses.ledger import Ledger
    from clauses.registers.load import load_registers

    config = make_workspace(tmp_path)
    registers = load_registers(config.registers_path)
    # Both AI-NIORT participants (P001, P002) worked on M-001 in September, missions open.
    lines = pd.DataFrame([_line(id_, "M-001", "2026-09", "2026-09-01")
                          for id_ in ("P001", "P002")])
    path = next(p for p in write_templates(config, registers, MONTH, lines)
                if "AI-NIORT" in p.name)
    book = openpyxl.load_workbook(path)
    sheet = book["Relevé"]
    ids = [sheet[f"A{row}"].value for row in (6, 7)]
    for row in (6, 7):
        sheet[f"E{row}"] = "M-001"
        sheet[f"G{row}"] = datetime(2026, 10, 5)
        sheet[f"I{row}"] = 70
        sheet[f"K{row}"] = "CDDI"
    dropped = config.inbox / "AI-NIORT" / path.name
    dropped.parent.mkdir(parents=True, exist_ok=True)
    book.save(dropped)
    set_file_time(dropped, datetime(2026, 11, 6, 9, 0))
    results, _ = ingest_inbox(config, now=datetime(2026, 11, 6, 18, 0))
    assert [(r.statut, r.acceptees, r.alertes, r.rejetees) for r in results] == [
        ("traité", 2, 0, 0)]
    with Ledger.from_config(config) as ledger:
        assert sorted(ledger.hours(month=MONTH)["id_participant"]) == sorted(ids)
