"""Semester table per structure (SPEC §8): built from the hand-made year of `year_2026`, read
back with openpyxl, compared with figures worked out by hand below."""

from datetime import date, datetime

import pytest
import year_2026 as year
from openpyxl import load_workbook

from clauses.periods import PeriodError, PeriodNotOver
from clauses.reports.semester import (
    DETAILS_SHEET,
    EMPLOYEES_SHEET,
    PLAN_SHEET,
    PLAN_TO_FILL,
    write_semester_reports,
)

MONTHS = ["janvier 2026", "février 2026", "mars 2026", "avril 2026", "mai 2026", "juin 2026"]
C1_NAME = "Bâtiments du Marais"


def _write(tmp_path, *, period="2026-S1", today=year.TODAY, provisoire=False, hours=None):
    return write_semester_reports(
        year.config(tmp_path), year.registers(), year.hours() if hours is None else hours,
        year.tracking(), period, year.GENERATED_AT, today, provisoire=provisoire)


@pytest.fixture
def reports(tmp_path):
    return {path.stem.split("-salaries-")[0]: path for path in _write(tmp_path)}


def _employees(path):
    """The `Salariés` table, each row completed with its `Situation et sorties` line (the
    same people in the same order: one person's line printed on two sheets)."""
    (table,) = year.read_tables(path, EMPLOYEES_SHEET)
    (details,) = year.read_tables(path, DETAILS_SHEET)
    assert details.column("Identifiant") == table.column("Identifiant")
    rows = [{**row, **extra} for row, extra in zip(table.rows, details.rows, strict=True)]
    return year.ReadTable(table.headers + [h for h in details.headers if h not in table.headers],
                          rows, table.total)


def _months(**hours):
    """Hours per month column (blank when none), from `janvier=35, ...`."""
    by_name = {label.split()[0]: label for label in MONTHS}
    return {label: None for label in MONTHS} | {by_name[k]: v for k, v in hours.items()}


def test_one_workbook_per_structure_with_employees_in_the_half_year(tmp_path):
    paths = _write(tmp_path)
    # GEIQ1 never declared an hour: no workbook; the others, in structure order.
    assert [p.relative_to(tmp_path) for p in paths] == [
        tmp_path.joinpath("outbox/2026-S1/structures", f"{code}-salaries-2026-S1.xlsx").relative_to(tmp_path)
        for code in ("AI1", "EI1", "ETTI1")]
    assert load_workbook(paths[0]).sheetnames == [EMPLOYEES_SHEET, DETAILS_SHEET, PLAN_SHEET]


def test_employees_sheet_holds_every_figure_worked_out_by_hand(reports):
    table = _employees(reports["AI1"])
    # P3 (80 h here) also worked 50 h in June with ETTI1: the path's cumulated hours count both.
    # P1's path began in 2025: 20 h + 32 h (December corrected from 30 h) + 3 × 35 h.
    # P5: February corrected from 50 h to 70 h; its rejected M2 line of March counts nowhere.
    expected = [
        {"Identifiant": "P3", "Nom": "Dubois", "Prénom": "Karim",
         "Date de naissance": datetime(2000, 4, 1), "Marchés": "M1", "Entreprises": C1_NAME,
         "Début de mission": datetime(2026, 4, 1), "Fin de mission": datetime(2026, 5, 31),
         "Type de contrat": "CDDI", **_months(avril=40, mai=40), "Total du semestre": 80,
         "Heures cumulées du parcours": 130, "Situation": "sorti du parcours",
         "Date de sortie": datetime(2026, 5, 31), "Situation à la sortie": "emploi de transition",
         "Freins": "numérique"},
        {"Identifiant": "P1", "Nom": "Martin", "Prénom": "Léa",
         "Date de naissance": datetime(2002, 5, 10), "Marchés": "M1", "Entreprises": C1_NAME,
         "Début de mission": datetime(2026, 1, 5), "Fin de mission": None,
         "Type de contrat": "CDDI", **_months(janvier=35, février=35, mars=35),
         "Total du semestre": 105, "Heures cumulées du parcours": 157,
         "Situation": "en parcours", "Date de sortie": None, "Situation à la sortie": None,
         "Freins": "logement ; mobilité"},
        {"Identifiant": "P5", "Nom": "Petit", "Prénom": "Julie",
         "Date de naissance": datetime(1985, 11, 30), "Marchés": "M1", "Entreprises": C1_NAME,
         "Début de mission": datetime(2026, 1, 5), "Fin de mission": datetime(2026, 6, 30),
         "Type de contrat": "CDDI",
         **_months(janvier=30, février=70, mars=30, avril=30, mai=30, juin=30),
         "Total du semestre": 220, "Heures cumulées du parcours": 220,
         "Situation": "sorti du parcours", "Date de sortie": datetime(2026, 6, 30),
         "Situation à la sortie": "emploi durable", "Freins": None},
    ]
    assert table.rows == expected
    assert sorted(table.headers) == sorted(expected[0])
    # One A4 width: who, marchés, mission dates and hours on `Salariés`; the rest beside.
    (main,) = year.read_tables(reports["AI1"], EMPLOYEES_SHEET)
    assert main.headers == ["Identifiant", "Nom", "Prénom", "Marchés", "Début de mission",
                            "Fin de mission", *MONTHS, "Total du semestre",
                            "Heures cumulées du parcours"]


def test_total_row_sums_each_month_and_the_half_year(reports):
    total = _employees(reports["AI1"]).total
    assert total["Identifiant"] == "Total"
    assert [total[m] for m in MONTHS] == [65, 105, 65, 70, 70, 30]
    assert total["Total du semestre"] == 405
    assert total["Heures cumulées du parcours"] is None  # a sum of paths would mean nothing


def test_participant_across_two_structures_appears_in_each_with_that_structure_hours(reports):
    row = _employees(reports["ETTI1"]).row("Identifiant", "P3")
    assert (row["Marchés"], row["Entreprises"], row["Type de contrat"]) == (
        "M3", C1_NAME, "mission d'intérim")
    assert row["juin 2026"] == 50 and row["Total du semestre"] == 50
    assert row["Heures cumulées du parcours"] == 130
    # ETTI1's own tableau de suivi: still in path, with its barriers.
    assert (row["Situation"], row["Date de sortie"], row["Freins"]) == (
        "en parcours", None, "mobilité ; numérique")


def test_exit_is_read_from_the_structures_newest_tracking_line(reports):
    # P2 had two missions with ETTI1; the newest one ended with an exit.
    row = _employees(reports["ETTI1"]).row("Identifiant", "P2")
    assert row["Début de mission"] == datetime(2026, 2, 2)
    assert row["Fin de mission"] == datetime(2026, 6, 30)
    assert row["Total du semestre"] == 280
    assert (row["Situation"], row["Situation à la sortie"]) == (
        "sorti du parcours", "emploi de transition")


def test_participant_missing_from_the_tracking_table_is_said_so(tmp_path):
    tracking = year.tracking()
    tracking = tracking[tracking["code_structure"] != "EI1"]
    (path,) = [p for p in write_semester_reports(
        year.config(tmp_path), year.registers(), year.hours(), tracking, "2026-S1",
        year.GENERATED_AT, year.TODAY) if p.name.startswith("EI1-")]
    row = _employees(path).row("Identifiant", "P4")
    assert row["Situation"] == "absent du tableau de suivi"
    assert row["Total du semestre"] == 4 * 20  # March to June


def test_superseded_and_rejected_lines_passed_by_mistake_change_nothing(tmp_path):
    current = _write(tmp_path / "current")
    history = _write(tmp_path / "history", hours=year.hour_history())
    for a, b in zip(current, history, strict=True):
        assert year.all_values(a) == year.all_values(b)


def test_hours_cells_use_the_hours_format(reports):
    ws = load_workbook(reports["AI1"])[EMPLOYEES_SHEET]
    table = next(iter(ws.tables.values()))
    header_row = int(table.ref.split(":")[0][1:])
    headers = [c.value for c in ws[header_row]]
    cell = ws.cell(header_row + 1, headers.index("Total du semestre") + 1)
    assert cell.number_format == '#,##0.00" h"'


def test_plan_sheet_lists_the_same_people_with_columns_to_fill(reports):
    (plan,) = year.read_tables(reports["AI1"], PLAN_SHEET)
    assert plan.headers == ["Identifiant", "Nom", "Prénom", "Situation",
                            "Accompagnement en cours", "Formation", *PLAN_TO_FILL]
    assert plan.column("Identifiant") == ["P3", "P1", "P5"]
    assert plan.row("Identifiant", "P1")["Accompagnement en cours"] == "Suivi hebdomadaire"
    assert all(row[column] is None for row in plan.rows for column in PLAN_TO_FILL)


def test_half_year_not_over_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(PeriodNotOver, match="1er semestre 2026.*30 juin 2026"):
        _write(tmp_path, today=date(2026, 6, 30))
    assert not (tmp_path / "outbox").exists()


def test_provisional_half_year_marks_every_sheet(tmp_path):
    paths = _write(tmp_path, period="2026-S2", today=date(2026, 12, 15), provisoire=True)
    assert paths
    for path in paths:
        for sheet, cells in year.title_cells(path).items():
            assert "PROVISOIRE" in cells[0], sheet
            assert any(str(c).startswith("PROVISOIRE :") for c in cells if c), sheet


def test_finished_half_year_is_not_marked_provisional(reports):
    for sheet, cells in year.title_cells(reports["AI1"]).items():
        assert not any("PROVISOIRE" in str(c) for c in cells if c), sheet


def test_two_runs_give_the_same_workbooks(tmp_path):
    first = _write(tmp_path / "a")
    second = _write(tmp_path / "b")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert year.all_values(a) == year.all_values(b)


def test_unknown_semester_notation_is_refused(tmp_path):
    with pytest.raises(PeriodError):
        _write(tmp_path, period="2026-S3")


def test_the_same_year_recorded_in_a_real_ledger_gives_the_same_tables(tmp_path):
    ledger = year.Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}")
    try:
        year.record_year(ledger)
        from_ledger = write_semester_reports(
            year.config(tmp_path / "ledger"), year.registers(), ledger.hours(),
            ledger.tracking(), "2026-S1", year.GENERATED_AT, year.TODAY)
    finally:
        ledger.close()
    from_frames = _write(tmp_path / "frames")
    assert [p.name for p in from_ledger] == [p.name for p in from_frames]
    for a, b in zip(from_ledger, from_frames, strict=True):
        assert year.all_values(a) == year.all_values(b)
