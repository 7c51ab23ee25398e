"""Monthly reports tell the whole truth (issue 15, SPEC §8): missing and late relevés per marché,
coverage and opening balances. The territory is `tests/october_territory.py`; expected figures
are worked out by hand in the comments; workbooks are read back with openpyxl."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from clauses.config import Config
from clauses.reports.monthly.writer import write_monthly_reports
from tests import october_territory as oct_

MISSING = ("Marché M-B : relevé d'octobre de La Recyclerie non reçu au 11/11/2026 ; heures du "
           "mois provisoires pour ce marché.")
LATE = ("Marché M-B : relevé de septembre 2026 de La Recyclerie reçu hors délai le 20/10/2026 "
        "(30 h comptées).")
COVERAGE = ("Couverture : données suivies depuis septembre 2026 (premier mois traité par "
            "Clauses) ; aucun mois antérieur n'est compté à 0 h. Reprises d'heures antérieures "
            "(registre des marchés) : M-A : 400 h au 31/08/2026.")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    config = Config(territoire="CA du Niortais", root=tmp_path_factory.mktemp("october"))
    paths = write_monthly_reports(config, oct_.registers(), oct_.hours(), oct_.files(),
                                  oct_.MONTH, oct_.GENERATED, tracking=oct_.tracking())
    return {p.parent.name: p for p in paths if p.parent.name != oct_.MONTH}


def texts(ws: Worksheet) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def table(ws: Worksheet, first_header: str) -> list[dict[str, object]]:
    for found in ws.tables.values():
        cells = ws[found.ref]
        headers = [c.value for c in cells[0]]
        if headers[0] == first_header:
            body = cells[1:len(cells) - (found.totalsRowCount or 0)]
            return [dict(zip(headers, (c.value for c in row), strict=True)) for row in body]
    raise AssertionError(f"no table starting with {first_header!r}")


@pytest.mark.parametrize("recipient", ["maitres-ouvrage", "entreprises"])
@pytest.mark.parametrize("sentence", [MISSING, LATE, COVERAGE], ids=["manquant", "hors délai",
                                                                     "couverture"])
def test_report_says_what_is_missing_late_and_covered(reports, recipient, sentence) -> None:
    assert sentence in texts(openpyxl.load_workbook(reports[recipient])["Synthèse"])


def test_structure_that_sent_its_relevé_is_not_named_missing(reports) -> None:
    notes = texts(openpyxl.load_workbook(reports["maitres-ouvrage"])["Synthèse"])
    assert not any("AI du Niortais non reçu" in text for text in notes)


def test_cumulated_hours_start_from_the_opening_balance(reports) -> None:
    rows = table(openpyxl.load_workbook(reports["maitres-ouvrage"])["Synthèse"], "Code marché")
    # M-A: 400 (reprise au 31/08) + September 60 + October 70 = 530 of 1 000.
    assert (rows[0]["Heures du mois"], rows[0]["Heures cumulées"]) == (70, 530)
    assert rows[0]["Taux de réalisation"] == pytest.approx(0.53)
    # 304 of 365 days elapsed, 53 % done, history fully known: behind.
    assert rows[0]["Avancement"] == "En retard"


def test_marché_started_before_coverage_is_not_late_for_want_of_data(reports) -> None:
    rows = table(openpyxl.load_workbook(reports["maitres-ouvrage"])["Synthèse"], "Code marché")
    # M-B: 30 + 10 = 40 of 200 = 20 %; 245 of 365 days elapsed (67 %) but only 61 since
    # coverage began (16,7 %): judged on what was seen, it is on track.
    assert (rows[1]["Heures cumulées"], rows[1]["Durée écoulée"]) == (40, pytest.approx(245 / 365))
    assert rows[1]["Avancement"] == "À l'heure ou en avance"


def test_evolution_starts_with_coverage_and_the_balance(reports) -> None:
    rows = table(openpyxl.load_workbook(reports["maitres-ouvrage"])["Évolution"], "Mois")
    # September: 400 + 60 + 30 = 490; October: + 70 + 10 = 570. No month before September.
    assert [(r["Mois"], r["Heures du mois"], r["Heures cumulées"]) for r in rows] == [
        ("septembre 2026", 90, 490), ("octobre 2026", 80, 570)]


def test_company_lists_the_participants_of_the_month_with_their_mission(reports) -> None:
    rows = table(openpyxl.load_workbook(reports["entreprises"])["Participants"], "Nom")
    # P1: October line (start 01/09, end 31/10), 60 + 70 h on M-A. P2: October only, no end.
    # P3: no October hours, but RECYC's tableau de suivi runs her mission until 31/12/2026
    # (the relevé gives no end, so the tableau de suivi's is used); 30 h in September.
    assert [(r["Nom"], r["Code marché"], r["Structure"], r["Début de mission"],
             r["Fin de mission"], r["Heures du mois"], r["Heures cumulées sur le marché"])
            for r in rows] == [
        ("DUPONT", "M-A", "AI du Niortais", datetime(2026, 9, 1), datetime(2026, 10, 31), 70, 130),
        ("BENALI", "M-B", "AI du Niortais", datetime(2026, 10, 12), None, 10, 10),
        ("MARTIN", "M-B", "La Recyclerie", datetime(2026, 9, 1), datetime(2026, 12, 31), 0, 30)]


def test_synthesis_says_participants_count_distinct_people(reports) -> None:
    notes = texts(openpyxl.load_workbook(reports["entreprises"])["Synthèse"])
    assert ("Participants : personnes distinctes ayant des heures comptées dans le mois sur le "
            "marché. La ligne Total compte chaque personne une fois.") in notes


def test_contract_type_missing_from_the_relevé_comes_from_the_tableau_de_suivi(reports) -> None:
    rows = table(openpyxl.load_workbook(reports["maitres-ouvrage"])["Répartition"],
                 "Type de contrat")
    # RECYC's September line has no contract type; its tableau de suivi says CDDI.
    assert [(r["Type de contrat"], r["Heures du mois"], r["Heures cumulées"]) for r in rows] == [
        ("CDDI", 80, 170)]


def test_mo_report_charts_each_marché_against_its_target(reports) -> None:
    book = openpyxl.load_workbook(reports["maitres-ouvrage"])
    assert book.sheetnames == ["Synthèse", "Évolution", "Évolution par marché", "Répartition"]
    ws = book["Évolution par marché"]
    tables = sorted(ws.tables.values(), key=lambda t: ws[t.ref][0][0].row)
    seen = [[(r[0].value, r[2].value, r[3].value) for r in ws[t.ref][1:]] for t in tables]
    # M-A opens at its 400 h balance: 460 after September, 530 after October, target 1 000.
    # M-B: 30 then 40, target 200.
    assert seen == [[("septembre 2026", 460, 1000), ("octobre 2026", 530, 1000)],
                    [("septembre 2026", 30, 200), ("octobre 2026", 40, 200)]]
    assert len(ws._charts) == 2
