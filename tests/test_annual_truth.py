"""The bilan annuel's new sheets (issue 15, SPEC §8): support and training, per structure, paths,
the guichet's activity, and its coverage, on the October territory (`tests/october_territory.py`)
edited in January 2027 with one refused line and one decision added. Expected figures by hand."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from clauses.reports.annual.writer import write_annual_report
from clauses.vocabulary import REASON_LABELS
from tests import october_territory as oct_
from tests import year_2026 as year

# AI-NIORT's October relevé also held a refused line: 250 h over the monthly limit.
REFUSED = {"sha256": "o1a", "code_structure": "AI-NIORT", "feuille": "Feuil1", "ligne": 4,
           "id_participant": "P2", "code_marche": "M-A", "mois": "2026-10", "heures": 250.0,
           "statut": "rejetée", "motifs": "HEURES_HORS_LIMITES", "en_retard": False,
           "actif": True}


def _bilan(tmp_path, seuil: int = 0):
    registers = oct_.registers()
    registers.decisions.loc[0] = ["P2", "M-A", "2026-10", "HEURES_HORS_LIMITES", "valider",
                                  "facilitatrice", pd.Timestamp("2026-11-20"), "accord du MO"]
    all_hours = pd.concat([oct_.hours(), pd.DataFrame([REFUSED])], ignore_index=True)
    return write_annual_report(year.config(tmp_path, seuil), registers, oct_.hours(),
                               oct_.tracking(), 2026, datetime(2027, 1, 20, 7),
                               date(2027, 1, 20), files=oct_.files(), all_hours=all_hours)


@pytest.fixture
def bilan(tmp_path):
    return _bilan(tmp_path)


def _texts(path, sheet: str) -> list[str]:
    ws = load_workbook(path)[sheet]
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def test_partial_year_says_which_months_it_covers(bilan) -> None:
    note = ("Bilan partiel : données suivies depuis septembre 2026 ; il couvre septembre 2026 à "
            "décembre 2026 (4 mois sur 12), pas l'année entière.")
    book = load_workbook(bilan)
    assert all(note in _texts(bilan, ws.title) for ws in book.worksheets)
    assert any(t.startswith("Couverture : données suivies depuis septembre 2026")
               for t in _texts(bilan, "Synthèse"))


def test_support_and_training_by_action(bilan) -> None:
    pairs = year.read_pairs(bilan, "Accompagnement et formation")
    # P3's tableau de suivi: « Suivi socio-professionnel (6 h); Aide au permis », « CACES R482
    # (35 h) ».
    assert (pairs["Participants accompagnés"], pairs["Heures d'accompagnement renseignées"],
            pairs["Participants formés"], pairs["Heures de formation renseignées"]) == (1, 6, 1, 35)
    (table,) = year.read_tables(bilan, "Accompagnement et formation")
    assert [(r["Type"], r["Action"], r["Participants"], r["Heures"]) for r in table.rows] == [
        ("Accompagnement", "Aide au permis", 1, 0), ("Accompagnement", "Suivi socio-professionnel",
                                                     1, 6), ("Formation", "CACES R482", 1, 35)]


def test_figures_per_structure(bilan) -> None:
    (table,) = year.read_tables(bilan, "Par structure")
    # AI-NIORT: 60 + 70 + 10 h; P1 (F, 46 years old, QPV) and P2 (M, 27). RECYC: 30 h; P3 (F,
    # 57, barrier « mobilité »). No exit in 2026.
    ai, recyc = table.row("Code structure", "AI-NIORT"), table.row("Code structure", "RECYC")
    assert [ai[c] for c in ("Heures de l'année", "Participants", "Femmes", "Moins de 26 ans",
                            "50 ans et plus", "Résidents QPV", "Sorties de l'année",
                            "Avec au moins un frein")] == [140, 2, 1, 0, 0, 1, 0, 0]
    assert [recyc[c] for c in ("Heures de l'année", "Participants", "Femmes", "50 ans et plus",
                               "Avec au moins un frein")] == [30, 1, 1, 1, 1]


def test_per_structure_counts_are_masked_below_the_threshold(tmp_path) -> None:
    (table,) = year.read_tables(_bilan(tmp_path, seuil=3), "Par structure")
    ai = table.row("Code structure", "AI-NIORT")
    assert (ai["Heures de l'année"], ai["Participants"], ai["Femmes"], ai["Moins de 26 ans"]) == (
        140, "< 3", "< 3", 0)


def test_hours_per_participant_and_path_lengths(bilan) -> None:
    pairs = year.read_pairs(bilan, "Parcours")
    # P1 130 h (September–October: 2 months), P2 10 h (1), P3 30 h (1).
    assert pairs["Heures par participant (moyenne)"] == pytest.approx(170 / 3)
    assert pairs["Heures par participant (médiane)"] == 30
    assert pairs["Durée moyenne des parcours (mois)"] == pytest.approx(4 / 3)
    hours, lengths = year.read_tables(bilan, "Parcours")
    assert hours.column("Participants") == [2, 1, 0, 0, 0]
    assert lengths.column("Participants") == [2, 1, 0, 0, 0]


def test_guichet_activity_month_by_month(bilan) -> None:
    months, refused, decisions = year.read_tables(bilan, "Activité du guichet")
    # September: AI on time, RECYC late; October: AI on time, RECYC missing (and AI's refused
    # line); November and December: nothing yet, both missing. Nothing before coverage.
    assert [(r["Mois"], r["Relevés reçus"], r["Dans les délais"], r["Hors délai"],
             r["Manquant"], r["Lignes reçues"], r["Lignes rejetées"]) for r in months.rows] == [
        ("septembre 2026", 2, 1, 1, 0, 2, 0), ("octobre 2026", 1, 1, 0, 1, 3, 1),
        ("novembre 2026", 0, 0, 0, 2, 0, 0), ("décembre 2026", 0, 0, 0, 2, 0, 0)]
    assert [(r["Motif"], r["Libellé"], r["Lignes"], r["Heures"]) for r in refused.rows] == [
        ("HEURES_HORS_LIMITES", REASON_LABELS["HEURES_HORS_LIMITES"], 1, 250)]
    assert [(r["Décision"], r["Motif"], r["Lignes"]) for r in decisions.rows] == [
        ("valider", "HEURES_HORS_LIMITES", 1)]


def test_marchés_sheet_cumulates_from_the_opening_balance(bilan) -> None:
    table = year.read_tables(bilan, "Marchés")[0]
    # M-A: 400 h au 31/08/2026 + 60 + 70.
    assert table.row("Code marché", "M-A")["Heures cumulées"] == 530


def test_contract_type_falls_back_on_the_tableau_de_suivi(bilan) -> None:
    contracts = year.read_tables(bilan, "Synthèse")[1]
    assert contracts.column("Type de contrat") == ["CDDI"]


def test_each_new_indicator_is_defined(bilan) -> None:
    texts = " ".join(_texts(bilan, "Synthèse"))
    for term in ("Accompagnement et formation :", "Par structure :", "Parcours :",
                 "Activité du guichet :", "reprise d'heures antérieures"):
        assert term in texts
