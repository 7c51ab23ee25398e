"""Bilan annuel (SPEC §8): built from the hand-made year of `year_2026`, read back with openpyxl,
compared with figures worked out by hand below (secrecy off unless a test turns it on).

The year by hand (counted, current lines of 2026):
  P1 AI1 M1 3 × 35 = 105 · P5 AI1 M1 30+70+30+30+30+30 = 220 · P3 AI1 M1 2 × 40 = 80
  P2 ETTI1 M2 60+60+60+60+40 = 280 · P3 ETTI1 M3 5 × 50 = 250
  P4 EI1 M3 10 × 20 = 200 · P7 EI1 M3 2 × 15 = 30                       total 1 165 h
  Before 2026 on M1: P1 20 + 32 (December corrected late from 30) = 52 h.
"""

import dataclasses
import zipfile
from datetime import date

import pandas as pd
import pytest
import year_2026 as year
from openpyxl import load_workbook

from clauses.app.jobs import annual_earlier
from clauses.periods import PeriodNotOver, period_months
from clauses.reports.annual.people import suppress_small_counts
from clauses.reports.annual.writer import write_annual_report

TOTAL = 1165.0
SHEETS = ["Synthèse", "Maîtres d'ouvrage", "Marchés", "Entreprises", "Structures",
          "Profil des participants", "Sorties", "Freins", "Accompagnement et formation",
          "Par structure", "Parcours", "Activité du guichet"]


def _write(tmp_path, *, seuil=0, year_=2026, today=year.TODAY, provisoire=False, hours=None):
    return write_annual_report(
        year.config(tmp_path, seuil), year.registers(),
        year.hours() if hours is None else hours, year.tracking(), year_, year.GENERATED_AT,
        today, provisoire=provisoire)


@pytest.fixture
def bilan(tmp_path):
    return _write(tmp_path)


@pytest.fixture
def secret_bilan(tmp_path):
    return _write(tmp_path, seuil=3)


def _rows(table, key):
    """Table rows by their first column, each as the tuple of its other cells."""
    return {row[key]: tuple(v for k, v in row.items() if k != key) for row in table.rows}


def test_bilan_is_written_where_spec_says_with_its_sheets_in_order(bilan, tmp_path):
    assert bilan == tmp_path / "outbox" / "2026" / "bilan-annuel-2026.xlsx"
    assert load_workbook(bilan).sheetnames == SHEETS


def test_synthesis_figures(bilan):
    pairs = year.read_pairs(bilan, "Synthèse")
    assert pairs["Heures d'insertion réalisées"] == TOTAL
    assert pairs["Équivalents temps plein (ETP)"] == pytest.approx(TOTAL / 1607)
    assert pairs["Participants"] == 6  # P1 P2 P3 P4 P5 P7 (P6 worked only in 2025)
    assert pairs["Nouveaux participants de l'année"] == 5  # P1's first hour was in 2025
    # P1 1, P2 2 (two interim missions), P3 2 (AI1 then ETTI1), P4 1, P5 1, P7 1.
    assert pairs["Contrats"] == 8
    assert pairs["Marchés"] == 3  # M1 M2 M3; M4 in force but without hours
    assert pairs["Maîtres d'ouvrage"] == 2
    assert pairs["Entreprises attributaires"] == 2  # C1 (M1, M3), C2 (M2)
    assert pairs["Structures"] == 3  # GEIQ1 declared nothing


def test_share_of_hours_by_mode_and_by_contract_type(bilan):
    modes, contracts = year.read_tables(bilan, "Synthèse")
    # AI1 405 + ETTI1 530 made available; EI1 230 subcontracted.
    assert _rows(modes, "Mode de mise en œuvre") == {
        "Mise à disposition (AI, ETTI, GEIQ, ETT)": (935, pytest.approx(935 / TOTAL)),
        "Sous-traitance à une structure d'insertion (EI, ACI)": (230, pytest.approx(230 / TOTAL)),
        "Autre (embauche directe, structure d'un autre type)": (0, 0),
    }
    assert _rows(contracts, "Type de contrat") == {
        "CDDI": (635, pytest.approx(635 / TOTAL), 5),
        "mission d'intérim": (530, pytest.approx(530 / TOTAL), 3),
    }


def test_buyers_sheet(bilan):
    (table,) = year.read_tables(bilan, "Maîtres d'ouvrage")
    # MO1: M1 (1 000 h, 405 h, 457 h) + M2 (400 h, 280 h); MO2: M3 (600 h, 480 h) + M4 (300 h).
    assert _rows(table, "Code MO") == {
        "MO1": ("Ville de Niort", 2, 1400, 685, 737, pytest.approx(737 / 1400), 4),
        "MO2": ("CA du Niortais", 2, 900, 480, 480, pytest.approx(480 / 900), 3),
    }
    assert (table.total["Heures objectif"], table.total["Heures de l'année"],
            table.total["Heures cumulées"]) == (2300, TOTAL, 1217)


def test_markets_sheet_has_target_hours_cumulated_and_rate(bilan):
    (table,) = year.read_tables(bilan, "Marchés")
    by_code = {row["Code marché"]: row for row in table.rows}
    assert list(by_code) == ["M1", "M2", "M3", "M4"]  # M5 ended in 2025
    figures = {code: (r["Heures objectif"], r["Heures de l'année"], r["Heures cumulées"],
                      r["Taux de réalisation"], r["Participants"]) for code, r in by_code.items()}
    assert figures == {
        "M1": (1000, 405, 457, pytest.approx(0.457), 3),
        "M2": (400, 280, 280, pytest.approx(0.7), 1),
        "M3": (600, 480, 480, pytest.approx(0.8), 3),
        "M4": (300, 0, 0, 0, 0),
    }
    m1 = by_code["M1"]
    assert (m1["Intitulé"], m1["Maître d'ouvrage"], m1["Entreprise attributaire"]) == (
        "Rénovation école", "Ville de Niort", "Bâtiments du Marais")
    assert table.total["Heures de l'année"] == TOTAL


def test_companies_sheet(bilan):
    (table,) = year.read_tables(bilan, "Entreprises")
    assert _rows(table, "SIRET") == {
        year.C1: ("Bâtiments du Marais", 2, 1600, 885, 937, pytest.approx(937 / 1600), 5),
        year.C2: ("Espaces Verts Niortais", 1, 400, 280, 280, pytest.approx(0.7), 1),
        year.C3: ("Voirie 79", 1, 300, 0, 0, 0, 0),
    }


def test_structures_sheet(bilan):
    (table,) = year.read_tables(bilan, "Structures")
    assert _rows(table, "Code structure") == {
        "AI1": ("AI Niort Emploi", "AI", 405, pytest.approx(405 / TOTAL), 3, 2, 3),
        "EI1": ("Bâti Insertion", "EI", 230, pytest.approx(230 / TOTAL), 2, 2, 2),
        "ETTI1": ("Intérim Insertion 79", "ETTI", 530, pytest.approx(530 / TOTAL), 2, 2, 3),
        "GEIQ1": ("GEIQ BTP", "GEIQ", 0, 0, 0, 0, 0),
    }
    assert table.headers == ["Code structure", "Nom", "Type", "Heures de l'année",
                             "Part des heures", "Participants", "Nouveaux participants",
                             "Contrats"]


def _profile(path):
    sex, age, criteria, qpv, level, prescriber = year.read_tables(path, "Profil des participants")
    return {"sex": sex, "age": age, "criteria": criteria, "qpv": qpv, "level": level,
            "prescriber": prescriber}


def _counts(table):
    return {row[table.headers[0]]: row[table.headers[1]] for row in table.rows}


def test_profile_by_sex_age_qpv_level_and_prescriber(bilan):
    profile = _profile(bilan)
    assert _counts(profile["sex"]) == {"Femmes": 4, "Hommes": 2}
    # Age on the first day of the first month with hours in 2026: P1 23, P7 24 (birthday on
    # 2 November, first hour in November), P3 26 that very day, P4 36, P5 40, P2 55.
    assert _counts(profile["age"]) == {"Moins de 26 ans": 2, "26 à 49 ans": 3,
                                       "50 ans et plus": 1}
    assert _counts(profile["qpv"]) == {"oui": 3, "non": 3}
    assert _counts(profile["level"]) == {"infra 3": 1, "3": 2, "4": 1, "5 et plus": 1,
                                         "Non renseigné": 1}
    assert _counts(profile["prescriber"]) == {"Cap emploi": 1, "France Travail": 2,
                                              "Mission locale": 2, "Non renseigné": 1}
    assert [r["Part des participants"] for r in profile["sex"].rows] == [
        pytest.approx(4 / 6), pytest.approx(2 / 6)]


def test_profile_by_eligibility_criteria_cumulable(bilan):
    counts = _counts(_profile(bilan)["criteria"])
    assert counts == {
        "Demandeur d'emploi de longue durée": 2, "Bénéficiaire du RSA": 1,
        "Bénéficiaire de l'ASS": 0, "Bénéficiaire de l'AAH": 1,
        "Travailleur handicapé (RQTH)": 1, "Jeune de moins de 26 ans peu qualifié": 2,
        "Senior de plus de 50 ans": 1, "Salarié d'une SIAE": 0,
        "Résident d'un quartier prioritaire (QPV)": 1, "Autre critère": 0,
    }


def test_exits_of_each_kind_from_the_newest_tracking_line(bilan):
    (table,) = year.read_tables(bilan, "Sorties")
    # P5 emploi durable, P2 emploi de transition, P6 sortie positive (no hour in 2026, left in
    # January), P4 autre. Not exits: P3 (left AI1 for a newer mission with ETTI1), P1 (2025).
    assert _rows(table, "Situation à la sortie") == {
        "Emploi durable": (1, 0.25), "Emploi de transition": (1, 0.25),
        "Sortie positive": (1, 0.25), "Autre": (1, 0.25), "Total": (4, 1),
        "Sorties dynamiques (emploi durable, de transition ou sortie positive)": (3, 0.75),
    }


def test_barriers_of_the_participants_of_the_year(bilan):
    (table,) = year.read_tables(bilan, "Freins")
    # P1 logement + mobilité, P2 garde d'enfants, P3 numérique + mobilité (both structures),
    # P4 santé + langue, P5 and P7 none. P6's santé is not counted: no hour in 2026.
    assert _counts(table) == {
        "Mobilité": 2, "Logement": 1, "Santé": 1, "Garde d'enfants": 1, "Langue": 1,
        "Numérique": 1, "Justice": 0, "Autre": 0, "Aucun frein renseigné": 2,
    }
    assert table.row("Frein à l'emploi", "Mobilité")["Part des participants"] == pytest.approx(
        2 / 6)


def test_small_people_counts_are_masked_but_not_hours_nor_zeros(secret_bilan):
    pairs = year.read_pairs(secret_bilan, "Synthèse")
    assert pairs["Participants"] == 6 and pairs["Nouveaux participants de l'année"] == 5
    (markets,) = year.read_tables(secret_bilan, "Marchés")
    m2 = markets.row("Code marché", "M2")
    assert m2["Participants"] == "< 3" and m2["Heures de l'année"] == 280
    assert markets.row("Code marché", "M4")["Participants"] == 0
    assert markets.row("Code marché", "M1")["Participants"] == 3
    (structures,) = year.read_tables(secret_bilan, "Structures")
    assert structures.row("Code structure", "EI1")["Nouveaux participants"] == "< 3"
    sex = _profile(secret_bilan)["sex"]
    assert sex.row("Sexe", "Hommes")["Participants"] == "< 3"
    assert sex.row("Sexe", "Hommes")["Part des participants"] == "s"
    assert sex.row("Sexe", "Femmes")["Participants"] == 4


def test_exits_are_masked_by_category_but_the_total_shows(secret_bilan):
    (table,) = year.read_tables(secret_bilan, "Sorties")
    counts = _rows(table, "Situation à la sortie")
    assert counts["Emploi durable"] == ("< 3", "s")
    assert counts["Total"] == (4, 1)


@pytest.mark.parametrize(("seuil", "shown"), [(0, 2), (2, 2), (3, "< 3"), (5, "< 5")],
                         ids=["disabled", "below", "default", "five"])
def test_threshold_comes_from_the_configuration(tmp_path, seuil, shown):
    path = _write(tmp_path, seuil=seuil)
    assert _profile(path)["sex"].row("Sexe", "Hommes")["Participants"] == shown


def test_suppression_masks_counts_and_their_own_shares_only():
    frame = pd.DataFrame({"Catégorie": ["a", "b", "c"], "Participants": [0, 2, 7],
                          "Part": [0.0, 2 / 9, 7 / 9], "Heures": [0.0, 10.0, 20.0]})
    masked = suppress_small_counts(frame, 3, counts=["Participants"],
                                   shares={"Part": "Participants"})
    assert masked["Participants"].tolist() == [0, "< 3", 7]
    assert masked["Part"].tolist() == [0.0, "s", 7 / 9]
    assert masked["Heures"].tolist() == [0.0, 10.0, 20.0]
    assert frame["Participants"].tolist() == [0, 2, 7]  # the input is left as it was


def test_no_one_is_named_in_the_bilan(bilan):
    registers = year.registers()
    personal = set(registers.participants["id_participant"]) | set(
        registers.participants["nom"]) | set(registers.participants["prenom"])
    cells = {str(v) for rows in year.all_values(bilan).values() for row in rows for v in row
             if v is not None}
    assert not any(name in cell for cell in cells for name in personal)


def test_bilan_has_native_charts(bilan):
    with zipfile.ZipFile(bilan) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    # Modes, contract types, MO, marchés, companies, structures, sex, age, exits, barriers,
    # hours per participant, path lengths, relevés by month.
    assert len(charts) == 13


def test_superseded_and_rejected_lines_passed_by_mistake_change_nothing(tmp_path):
    current = _write(tmp_path / "current")
    history = _write(tmp_path / "history", hours=year.hour_history())
    assert year.all_values(current) == year.all_values(history)


def test_two_runs_give_the_same_workbook(tmp_path):
    assert year.all_values(_write(tmp_path / "a")) == year.all_values(_write(tmp_path / "b"))


def test_year_not_over_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(PeriodNotOver, match="année 2026.*31 décembre 2026"):
        _write(tmp_path, today=date(2026, 12, 31))
    assert not (tmp_path / "outbox").exists()


def test_provisional_year_marks_every_sheet(tmp_path):
    path = _write(tmp_path, today=date(2026, 11, 30), provisoire=True)
    cells = year.title_cells(path)
    assert list(cells) == SHEETS
    for sheet, block in cells.items():
        assert block[0].endswith("— PROVISOIRE"), sheet
        assert any(str(c).startswith("PROVISOIRE :") for c in block if c), sheet


def test_finished_year_is_not_marked_provisional(bilan):
    for sheet, block in year.title_cells(bilan).items():
        assert not any("PROVISOIRE" in str(c) for c in block if c), sheet


def test_the_same_year_recorded_in_a_real_ledger_gives_the_same_bilan(tmp_path):
    ledger = year.Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}")
    try:
        year.record_year(ledger)
        path = write_annual_report(year.config(tmp_path / "ledger"), year.registers(),
                                   ledger.hours(), ledger.tracking(), 2026, year.GENERATED_AT,
                                   year.TODAY)
    finally:
        ledger.close()
    assert year.all_values(path) == year.all_values(_write(tmp_path / "frames"))


def test_a_chart_of_many_rows_shows_the_largest_then_the_others():
    import pandas as pd

    from clauses.reports.annual.writer import CHART_TOP, top_and_others

    frame = pd.DataFrame({"Code marché": [f"M{i:02d}" for i in range(20)],
                          "Heures de l'année": [float(i) for i in range(20)]})
    shown = top_and_others(frame, "Code marché", ["Heures de l'année"])
    assert len(shown) == CHART_TOP
    assert shown["Code marché"].tolist()[:2] == ["M19", "M18"]
    # M19 … M06 shown (14 bars); M05 … M00 = 5 + 4 + 3 + 2 + 1 + 0 = 15 h in one bar.
    assert shown.iloc[-1].tolist() == ["Autres (6)", 15.0]


@pytest.mark.parametrize("balance", [None, ("2025-11-30", 40.0)], ids=["sans-reprise", "reprise"])
def test_the_year_s_lines_with_earlier_sums_give_the_bilan_of_the_whole_history(
        tmp_path, url, balance):
    """A bilan job reads its year's lines only; of the months before (P1's 52 h of M1 in
    November and December 2025, P6's 80 h of M5 in March and April 2025) it takes the sums the
    database gives: each participant's first month (P1 is not new in 2026), each marché's
    cumulated hours (M1 plus 52 h, less what an opening balance taken over at the end of
    November already holds) and the first month followed (March 2025). The workbook is the one
    the whole history gives, cell for cell."""
    registers = year.registers()
    if balance is not None:
        markets = registers.markets.assign(heures_reprise=None, reprise_au=pd.NaT)
        markets.loc[markets["code_marche"] == "M1", ["heures_reprise", "reprise_au"]] = (
            balance[1], pd.Timestamp(balance[0]))
        registers = dataclasses.replace(registers, markets=markets.astype(
            {"heures_reprise": float, "reprise_au": "datetime64[us]"}))
    ledger = year.Ledger(url)
    try:
        year.record_year(ledger)
        whole = write_annual_report(year.config(tmp_path / "tout"), registers, ledger.hours(),
                                    ledger.tracking(), 2026, year.GENERATED_AT, year.TODAY,
                                    files=ledger.files_by_month(),
                                    all_hours=ledger.hours(counted_only=False))
        earlier = annual_earlier(ledger, registers, 2026)
        of_year = write_annual_report(
            year.config(tmp_path / "annee"), registers, ledger.hours(months=period_months("2026")),
            ledger.tracking(), 2026, year.GENERATED_AT, year.TODAY, files=ledger.files_by_month(),
            all_hours=ledger.hours(months=period_months("2026"), counted_only=False),
            earlier=earlier)
    finally:
        ledger.close()
    assert dict(zip(earlier.first_months["id_participant"], earlier.first_months["mois"],
                    strict=True)) == {"P1": "2025-11", "P6": "2025-03"}
    assert year.all_values(of_year) == year.all_values(whole)
