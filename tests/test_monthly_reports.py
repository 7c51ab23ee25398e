"""Monthly MO, company and deposit reports (SPEC §8, issue 4) for a small territory over two
months, with a late correction of September and a late October relevé. Expected figures are
computed by hand in the comments; workbooks are read back with openpyxl."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from clauses.config import Config
from clauses.registers.load import Registers
from clauses.reports.editions import Edition, Editions, correction_notes
from clauses.reports.monthly.deposits import deposit_followup
from clauses.reports.monthly.figures import (
    elapsed_share,
    elapsed_shares,
    group_figures,
    month_figures,
    participant_tables,
)
from clauses.reports.monthly.writer import write_monthly_reports
from clauses.siret import complete_siret

SIRET_A, SIRET_B = "12345678901237", "98765432109875"
GENERATED = datetime(2025, 11, 11, 7, 0)
SEPTEMBER_REPORT = datetime(2025, 10, 11, 7, 0)  # before the corrected September (20/10)
MO_CAN_SEPTEMBER = "2025-09/maitres-ouvrage/MO-CAN-rapport-mensuel-2025-09.xlsx"
MO_CAN_OCTOBER = "2025-10/maitres-ouvrage/MO-CAN-rapport-mensuel-2025-10.xlsx"
NAMES = ("DUPONT", "BENALI", "MARTIN", "Jeanne", "Karim", "Léa", "P-001", "P-002", "P-003")


def _ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[us]")


def registers() -> Registers:
    return Registers(
        structures=pd.DataFrame({"code_structure": ["AI-NIORT", "ETTI-SUD", "GEIQ-BTP"],
                                 "nom": ["AI du Niortais", "ETTI Sud", "GEIQ BTP"],
                                 "type": ["AI", "ETTI", "GEIQ"], "siret": [None] * 3,
                                 "email": [None] * 3}),
        buyers=pd.DataFrame({"code_mo": ["MO-CAN", "MO-VILLE"],
                             "nom": ["CA du Niortais", "Ville de Niort"], "email": [None] * 2}),
        companies=pd.DataFrame({"siret": [SIRET_A, SIRET_B], "nom": ["Bâtir SA", "Routes SARL"],
                                "email": [None] * 2}),
        markets=pd.DataFrame({
            "code_marche": ["M-001", "M-002", "M-003"],
            "intitule": ["Groupe scolaire", "Voirie nord", "Médiathèque"],
            "code_mo": ["MO-CAN", "MO-CAN", "MO-VILLE"], "siret": [SIRET_A, SIRET_B, SIRET_A],
            "date_debut": _ts("2025-01-01", "2025-09-01", "2025-06-01"),
            "date_fin": _ts("2025-12-31", "2026-08-31", "2025-09-30"),
            "heures_objectif": [1000.0, 500.0, 300.0]}),
        participants=pd.DataFrame({
            "id_participant": ["P-001", "P-002", "P-003"], "nom": ["DUPONT", "BENALI", "MARTIN"],
            "prenom": ["Jeanne", "Karim", "Léa"],
            "date_naissance": _ts("1980-02-03", "1999-07-14", "1968-12-25"),
            "sexe": ["F", "M", "F"], "commune": ["Niort", "Chauray", "Aiffres"],
            "qpv": [True, False, False], "niveau_formation": ["3", "infra 3", "4"],
            "criteres": ["RSA;DELD", "JEUNE", "SENIOR"], "prescripteur": ["France Travail"] * 3,
            "date_prescription": _ts("2024-12-01", "2025-01-02", "2025-06-01"),
            "date_validation": _ts("2024-12-10", "2025-01-10", "2025-06-10"),
            "code_structure": ["AI-NIORT", "AI-NIORT", "AI-NIORT"]}),
        decisions=pd.DataFrame(columns=["id_participant", "code_marche", "mois", "motif",
                                        "decision", "auteur", "date", "commentaire"]),
    )


# (sha256, structure, participant, marché, month, hours, contract, status, active)
HOUR_LINES = [
    ("a0", "AI-NIORT", "P-001", "M-001", "2025-08", 100.0, None, "acceptée", True),
    ("a1", "AI-NIORT", "P-001", "M-001", "2025-09", 35.0, "CDDI", "acceptée", False),
    ("a1", "AI-NIORT", "P-002", "M-001", "2025-09", 20.0, "CDDI", "acceptée", False),
    ("a2", "AI-NIORT", "P-001", "M-001", "2025-09", 35.0, "CDDI", "acceptée", True),
    ("a2", "AI-NIORT", "P-002", "M-001", "2025-09", 30.0, "CDDI", "acceptée", True),
    ("e0", "ETTI-SUD", "P-002", "M-002", "2025-09", 15.0, "mission d'intérim", "acceptée", True),
    ("a3", "AI-NIORT", "P-001", "M-001", "2025-10", 70.0, "CDDI", "acceptée", True),
    ("a3", "AI-NIORT", "P-003", "M-002", "2025-10", 40.0, "CDDI", "acceptée", True),
    ("e1", "ETTI-SUD", "P-002", "M-002", "2025-10", 50.0, "mission d'intérim", "acceptée", True),
    ("e1", "ETTI-SUD", "P-001", "M-002", "2025-10", 10.0, "mission d'intérim",
     "acceptée avec alerte", True),
]
# (sha256, structure, name, deposited (mtime), type, month, status, reason, late, counts)
FILES = [
    ("a0", "AI-NIORT", "releve-aout.xlsx", "2025-09-05 10:00", "relevé d'heures", "2025-08",
     "traité", None, False, (1, 1, 0, 0)),
    ("a1", "AI-NIORT", "releve-sept.xlsx", "2025-10-08 10:00", "relevé d'heures", "2025-09",
     "traité", None, False, (2, 2, 0, 0)),
    ("e0", "ETTI-SUD", "sept.csv", "2025-10-09 10:00", "relevé d'heures", "2025-09", "traité",
     None, False, (1, 1, 0, 0)),
    ("a2", "AI-NIORT", "releve-sept-corrige.xlsx", "2025-10-20 10:00", "relevé d'heures",
     "2025-09", "traité", None, True, (2, 2, 0, 0)),
    ("q1", "AI-NIORT", "releve-oct.ods", "2025-11-03 10:00", None, None, "quarantaine",
     "COLONNES_MANQUANTES", False, (0, 0, 0, 0)),
    ("a3", "AI-NIORT", "releve-oct.xlsx", "2025-11-05 08:00", "relevé d'heures", "2025-10",
     "traité", None, False, (3, 2, 0, 1)),
    ("s1", "AI-NIORT", "suivi.xlsx", "2025-11-05 09:00", "tableau de suivi", None, "traité",
     None, False, (4, 0, 0, 0)),
    ("e1", "ETTI-SUD", "octobre.xlsx", "2025-11-14 09:00", "relevé d'heures", "2025-10",
     "traité", None, True, (2, 1, 1, 0)),
    ("p1", "ETTI-SUD", "contrat.pdf", "2025-11-14 10:00", "pièce justificative", "2025-10",
     "traité", None, True, (0, 0, 0, 0)),
]


def files_frame() -> pd.DataFrame:
    rows = [{"sha256": s, "code_structure": c, "nom_fichier": n, "chemin_archive": f"archive/{s}",
             "taille": 100, "modifie_le": pd.Timestamp(d), "arrive_le": pd.Timestamp(d),
             "recu_le": pd.Timestamp(d),
             "type": t, "mois": m, "statut": st, "motif": r, "message": None, "en_retard": late,
             "lignes": k[0], "acceptees": k[1], "alertes": k[2], "rejetees": k[3]}
            for s, c, n, d, t, m, st, r, late, k in FILES]
    return pd.DataFrame(rows)


def history() -> pd.DataFrame:
    deposited = {f[0]: pd.Timestamp(f[3]) for f in FILES}
    return pd.DataFrame([{"sha256": s, "code_structure": c, "id_participant": p,
                          "code_marche": m, "mois": mo, "heures": h, "type_contrat": t,
                          "statut": st, "en_retard": False, "recu_le": deposited[s],
                          "actif": a} for s, c, p, m, mo, h, t, st, a in HOUR_LINES])


def current(until: str) -> pd.DataFrame:
    lines = history()
    return lines[lines["actif"] & (lines["mois"] <= until)].reset_index(drop=True)


def seen_on(until: str, moment: datetime) -> pd.DataFrame:
    """The ledger's current lines as they stood at `moment`: the files received by then, the
    newest relevé of each structure and month replacing the earlier ones."""
    lines = history()
    lines = lines[(lines["recu_le"] < moment) & (lines["mois"] <= until)]
    newest = lines.groupby(["code_structure", "mois"])["recu_le"].transform("max")
    return lines[lines["recu_le"] == newest].reset_index(drop=True)


def write(tmp: Path, month: str, editions: Editions | None = None, at: datetime = GENERATED,
          lines: pd.DataFrame | None = None) -> list[Path]:
    config = Config(territoire="CA du Niortais", root=tmp)
    return write_monthly_reports(config, registers(),
                                 current(month) if lines is None else lines, files_frame(),
                                 month, at, editions=editions)


def write_both(root: Path) -> Editions:
    """September's reports on 11 October (with what was received by then), October's with the
    whole ledger (late October relevés included)."""
    editions = Editions(root / "outbox")
    write(root, "2025-09", editions, at=SEPTEMBER_REPORT,
          lines=seen_on("2025-09", SEPTEMBER_REPORT))
    write(root, "2025-10", editions)
    return editions


@pytest.fixture(scope="module")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monthly")
    write_both(root)
    return root / "outbox"


def table(ws: Worksheet, first_header: str, totals: bool = False) -> list[dict[str, object]]:
    for found in ws.tables.values():
        cells = ws[found.ref]
        headers = [c.value for c in cells[0]]
        if headers[0] == first_header:
            count = found.totalsRowCount or 0
            body = cells[len(cells) - count:] if totals else cells[1:len(cells) - count]
            return [dict(zip(headers, (c.value for c in row), strict=True)) for row in body]
    raise AssertionError(f"no table starting with {first_header!r}")


def cells(path: Path) -> list[object]:
    book = openpyxl.load_workbook(path)
    return [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
            if c.value is not None]


def test_one_workbook_per_mo_and_company_with_reported_marches(outbox: Path) -> None:
    october = outbox / "2025-10"
    assert sorted(p.name for p in (october / "maitres-ouvrage").iterdir()) == [
        "MO-CAN-rapport-mensuel-2025-10.xlsx"]
    assert sorted(p.name for p in (october / "entreprises").iterdir()) == [
        f"{SIRET_A}-rapport-mensuel-2025-10.xlsx", f"{SIRET_B}-rapport-mensuel-2025-10.xlsx"]
    # M-003 ran until 30/09/2025: Ville de Niort still had a report for September.
    assert (outbox / "2025-09" / "maitres-ouvrage" / "MO-VILLE-rapport-mensuel-2025-09.xlsx").exists()
    assert (october / "suivi-depots-2025-10.xlsx").exists()


def test_mo_synthesis_figures(outbox: Path) -> None:
    ws = openpyxl.load_workbook(outbox / MO_CAN_OCTOBER)["Synthèse"]
    rows = table(ws, "Code marché")
    assert list(rows[0])[:8] == ["Code marché", "Intitulé", "Entreprise", "Heures objectif",
                                 "Heures du mois", "Heures cumulées", "Taux de réalisation",
                                 "Participants"]
    # M-001: Aug 100 + Sept (corrected) 35 + 30 + Oct 70 = 235; Oct: Jeanne only.
    m1, m2 = rows
    assert (m1["Entreprise"], m1["Heures du mois"], m1["Heures cumulées"]) == ("Bâtir SA", 70, 235)
    assert m1["Taux de réalisation"] == pytest.approx(235 / 1000)
    assert m1["Participants"] == 1
    # 304 of 365 days elapsed at 31/10/2025, only 23.5 % done: behind.
    assert m1["Durée écoulée"] == pytest.approx(304 / 365)
    assert m1["Avancement"] == "En retard"
    # M-002: Sept 15 + Oct 40 + 50 + 10 = 115; three people in October; 61 of 365 days.
    assert (m2["Heures du mois"], m2["Heures cumulées"], m2["Participants"]) == (100, 115, 3)
    assert m2["Avancement"] == "À l'heure ou en avance"
    (total,) = table(ws, "Code marché", totals=True)
    assert (total["Heures objectif"], total["Heures du mois"], total["Participants"]) == (
        "=SUBTOTAL(109,D8:D9)", "=SUBTOTAL(109,E8:E9)", "=3")
    assert total["Taux de réalisation"] == "=SUBTOTAL(109,F8:F9)/SUBTOTAL(109,D8:D9)"


def test_totals_are_readable_without_recalculation(outbox: Path) -> None:
    book = openpyxl.load_workbook(outbox / MO_CAN_OCTOBER, data_only=True)
    (total,) = table(book["Synthèse"], "Code marché", totals=True)
    assert (total["Heures objectif"], total["Heures cumulées"]) == (1500, 350)
    assert total["Taux de réalisation"] == pytest.approx(350 / 1500)
    assert total["Participants"] == 3  # Jeanne works on both marchés: counted once


def test_mo_numbers_use_french_formats(outbox: Path) -> None:
    ws = openpyxl.load_workbook(outbox / MO_CAN_OCTOBER)["Synthèse"]
    header = next(r for r in ws.iter_rows() if r[0].value == "Code marché")
    data = [c for c in ws[header[0].row + 1]]
    assert data[5].number_format == '#,##0.00" h"'
    assert data[6].number_format == "0 %"
    assert ws.freeze_panes == f"A{header[0].row + 1}"


def test_late_correction_is_announced_as_rectificatif(outbox: Path) -> None:
    ws = openpyxl.load_workbook(outbox / "2025-10/maitres-ouvrage/MO-CAN-rapport-mensuel-2025-10"
                                ".xlsx")["Synthèse"]
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "Rectificatif" in c.value]
    # The September report of 11/10 showed M-001 September = 35 + 20; the corrected relevé of
    # 20/10 says 35 + 30: +10 h.
    assert notes == ["Rectificatif — marché M-001 : depuis le rapport du 11/10/2025 "
                     "(MO-CAN-rapport-mensuel-2025-09.xlsx) : septembre 2025 +10,00 h."]
    company_b = cells(outbox / f"2025-10/entreprises/{SIRET_B}-rapport-mensuel-2025-10.xlsx")
    assert not any("Rectificatif" in str(v) for v in company_b)


def _edition(period: str, hours: dict[str, dict[str, int]], at: datetime) -> Edition:
    return Edition(type="rapport-mensuel-mo", periode=period, destinataire="CAN", numero=1,
                   chemin=f"{period}/maitres-ouvrage/CAN-rapport-mensuel-{period}.xlsx",
                   sha256="0" * 64, empreinte="1" * 64, arrete_au=at, heures=hours)


@pytest.mark.parametrize(("now", "expected"), [
    ({"M-1": {"2026-09": 100_00, "2026-10": 50_00}}, {}),
    ({"M-1": {"2026-09": 116_250, "2026-10": 50_00}},
     {"M-1": "Rectificatif — marché M-1 : depuis le rapport du 11/10/2026 "
             "(CAN-rapport-mensuel-2026-09.xlsx) : septembre 2026 +1 062,50 h."}),
    ({"M-1": {"2026-08": 7_50, "2026-09": 90_00}},
     {"M-1": "Rectificatif — marché M-1 : depuis le rapport du 11/10/2026 "
             "(CAN-rapport-mensuel-2026-09.xlsx) : août 2026 +7,50 h, septembre 2026 −10,00 h."}),
    ({"M-2": {"2026-09": 12_00}},
     {"M-2": "Rectificatif — marché M-2 : depuis le rapport du 11/10/2026 "
             "(CAN-rapport-mensuel-2026-09.xlsx) : septembre 2026 +12,00 h."}),
], ids=["unchanged-and-new-month", "more-hours", "earlier-month-and-fewer", "marche-not-shown"])
def test_rectificatif_compares_with_the_previous_recorded_edition(now, expected) -> None:
    before = _edition("2026-09", {"M-1": {"2026-09": 100_00}}, datetime(2026, 10, 11, 7))
    assert correction_notes(before, now, until="2026-10") == expected


def test_no_rectificatif_without_a_recorded_edition() -> None:
    assert correction_notes(None, {"M-1": {"2026-09": 100_00}}, until="2026-10") == {}


def test_rerun_with_the_same_ledger_writes_no_new_edition(tmp_path: Path) -> None:
    editions = write_both(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "outbox").rglob("*.xlsx"))
    again = write(tmp_path, "2025-10", editions, at=datetime(2025, 11, 12, 9))
    after = sorted(p.relative_to(tmp_path) for p in (tmp_path / "outbox").rglob("*.xlsx"))
    assert after == before
    assert [p.name for p in again] == [
        "MO-CAN-rapport-mensuel-2025-10.xlsx", f"{SIRET_A}-rapport-mensuel-2025-10.xlsx",
        f"{SIRET_B}-rapport-mensuel-2025-10.xlsx", "suivi-depots-2025-10.xlsx"]
    assert len(editions.unchanged) == 4


def test_second_edition_never_overwrites_the_first(tmp_path: Path) -> None:
    editions = write_both(tmp_path)
    first = tmp_path / "outbox/2025-10/maitres-ouvrage/MO-CAN-rapport-mensuel-2025-10.xlsx"
    sent = first.read_bytes()
    # A late relevé of ETTI-SUD for October (M-002, +5 h) arrives on 12/11; the report is re-run.
    late = pd.DataFrame([{"sha256": "e2", "code_structure": "ETTI-SUD", "id_participant": "P-002",
                          "code_marche": "M-002", "mois": "2025-10", "heures": 65.0,
                          "type_contrat": "mission d'intérim", "statut": "acceptée",
                          "en_retard": True, "recu_le": pd.Timestamp("2025-11-12 09:00"),
                          "actif": True}])
    hours = current("2025-10")
    hours = pd.concat([hours[hours["sha256"] != "e1"], late], ignore_index=True)
    files = pd.concat([files_frame(), pd.DataFrame([{
        **files_frame().iloc[-2].to_dict(), "sha256": "e2", "nom_fichier": "octobre-bis.xlsx",
        "recu_le": pd.Timestamp("2025-11-12 09:00")}])], ignore_index=True)
    config = Config(territoire="CA du Niortais", root=tmp_path)
    paths = write_monthly_reports(config, registers(), hours, files, "2025-10",
                                  datetime(2025, 11, 12, 10), editions=editions)
    assert first.read_bytes() == sent
    second = first.with_name("MO-CAN-rapport-mensuel-2025-10-ed2.xlsx")
    assert second in paths and second.is_file()
    notes = [c.value for c in openpyxl.load_workbook(second)["Synthèse"]["A"][:8]
             if isinstance(c.value, str)]
    # October on M-002 was 40 + 50 + 10 = 100 h in the first edition, now 40 + 65 = 105 h.
    (edition,) = [n for n in notes if n.startswith("Édition 2")]
    assert edition.startswith("Édition 2 — remplace l'édition du 11/11/2025 à 07:00 "
                              "(MO-CAN-rapport-mensuel-2025-10.xlsx). Motif : fichiers reçus "
                              "depuis : ")
    assert "ETTI-SUD « octobre-bis.xlsx » le 12/11/2025" in edition
    assert ("Rectificatif — marché M-002 : depuis le rapport du 11/11/2025 "
            "(MO-CAN-rapport-mensuel-2025-10.xlsx) : octobre 2025 +5,00 h.") in notes
    numbers = {(e.destinataire, e.numero) for e in editions.new if e.periode == "2025-10"}
    assert ("MO-CAN", 2) in numbers and (SIRET_A, 2) not in numbers


def test_cumulated_hours_follow_month_after_month(outbox: Path) -> None:
    sept = table(openpyxl.load_workbook(outbox / MO_CAN_SEPTEMBER)[
        "Synthèse"], "Code marché")
    octo = table(openpyxl.load_workbook(outbox / MO_CAN_OCTOBER)[
        "Synthèse"], "Code marché")
    # On 11/10 September was 35 + 20; corrected to 35 + 30 on 20/10 (the Rectificatif's +10 h).
    assert sept[0]["Heures cumulées"] == 100 + 55
    assert octo[0]["Heures cumulées"] == sept[0]["Heures cumulées"] + octo[0]["Heures du mois"] + 10


def test_mo_evolution_sheet_has_months_and_a_chart(outbox: Path) -> None:
    path = outbox / MO_CAN_OCTOBER
    rows = table(openpyxl.load_workbook(path)["Évolution"], "Mois")
    # Coverage begins with the August relevé: no month before it is charted as 0 h.
    assert [r["Mois"] for r in rows] == ["août 2025", "septembre 2025", "octobre 2025"]
    last = rows[-1]
    assert (last["Heures du mois"], last["Heures cumulées"], last["Objectif"]) == (170, 350, 1500)
    assert last["Objectif au prorata du temps"] == pytest.approx(1000 * 304 / 365
                                                                 + 500 * 61 / 365)
    with zipfile.ZipFile(path) as archive:
        assert any(n.startswith("xl/charts/") for n in archive.namelist())


def test_mo_breakdown_by_structure_and_contract(outbox: Path) -> None:
    ws = openpyxl.load_workbook(outbox / MO_CAN_OCTOBER)["Répartition"]
    assert [(r["Structure"], r["Heures du mois"], r["Heures cumulées"])
            for r in table(ws, "Structure")] == [("AI du Niortais", 110, 275),
                                                 ("ETTI Sud", 60, 75)]
    assert [(r["Type de contrat"], r["Heures du mois"], r["Heures cumulées"])
            for r in table(ws, "Type de contrat")] == [
        ("CDDI", 110, 175), ("mission d'intérim", 60, 75), ("non précisé", 0, 100)]


@pytest.mark.parametrize("month", ["2025-09", "2025-10"])
def test_mo_workbook_holds_no_participant_name_or_id(outbox: Path, month: str) -> None:
    for path in (outbox / month / "maitres-ouvrage").iterdir():
        text = " ".join(str(v) for v in cells(path))
        assert not [name for name in NAMES if name in text], path.name


NO_DATES = {"Début de mission": None, "Fin de mission": None}  # these relevés give none


def test_company_participants_sheet(outbox: Path) -> None:
    book = openpyxl.load_workbook(outbox / f"2025-10/entreprises/{SIRET_B}-rapport-mensuel-2025-10.xlsx")
    assert book.sheetnames == ["Synthèse", "Évolution", "Participants"]
    assert [r["Code marché"] for r in table(book["Synthèse"], "Code marché")] == ["M-002"]
    assert table(book["Participants"], "Nom") == [
        {"Nom": "BENALI", "Prénom": "Karim", "Code marché": "M-002", "Structure": "ETTI Sud",
         **NO_DATES, "Heures du mois": 50, "Heures cumulées sur le marché": 65},
        {"Nom": "DUPONT", "Prénom": "Jeanne", "Code marché": "M-002", "Structure": "ETTI Sud",
         **NO_DATES, "Heures du mois": 10, "Heures cumulées sur le marché": 10},
        {"Nom": "MARTIN", "Prénom": "Léa", "Code marché": "M-002",
         "Structure": "AI du Niortais", **NO_DATES, "Heures du mois": 40,
         "Heures cumulées sur le marché": 40}]


def test_company_workbook_has_no_birth_date_criteria_or_address(outbox: Path) -> None:
    for path in (outbox / "2025-10" / "entreprises").iterdir():
        values = cells(path)
        births = {datetime(1980, 2, 3), datetime(1999, 7, 14), datetime(1968, 12, 25)}
        assert not births & set(values)
        text = " ".join(str(v) for v in values)
        for private in ("1980", "1999", "1968", "RSA", "DELD", "JEUNE", "SENIOR", "Chauray",
                        "Aiffres", "France Travail", "QPV", "Critère", "naissance"):
            assert private not in text, (path.name, private)


def test_deposit_followup_per_structure() -> None:
    frame = deposit_followup(registers(), current("2025-10"), files_frame(), "2025-10")
    assert frame[["Code structure", "Dépôt", "Relevés", "Lignes acceptées", "Lignes avec alerte",
                  "Lignes rejetées", "Heures comptées", "Tableaux de suivi",
                  "Pièces justificatives", "Fichiers en quarantaine"]].values.tolist() == [
        ["AI-NIORT", "Dans les délais", 1, 2, 0, 1, 110.0, 1, 0, 1],
        ["ETTI-SUD", "Hors délai", 1, 1, 1, 0, 60.0, 0, 1, 0],
        ["GEIQ-BTP", "Manquant", 0, 0, 0, 0, 0.0, 0, 0, 0]]


def test_deposit_workbook_highlights_late_and_missing(outbox: Path) -> None:
    book = openpyxl.load_workbook(outbox / "2025-10/suivi-depots-2025-10.xlsx")
    ws = book["Suivi des dépôts"]
    rows = table(ws, "Code structure")
    assert [(r["Structure"], r["Dépôt"]) for r in rows] == [
        ("AI du Niortais", "Dans les délais"), ("ETTI Sud", "Hors délai"),
        ("GEIQ BTP", "Manquant")]
    assert rows[0]["Déposé le"] == datetime(2025, 11, 5, 8, 0)
    first = int(ws.freeze_panes[1:])
    assert [ws.cell(first + i, 1).fill.fgColor.rgb for i in (1, 2)] == ["FFFCD5B4", "FFFFC7CE"]
    listed = table(book["Fichiers"], "Code structure")
    assert [r["Fichier"] for r in listed] == ["releve-oct.ods", "releve-oct.xlsx", "suivi.xlsx",
                                              "octobre.xlsx", "contrat.pdf"]


def test_same_ledger_and_month_give_same_figures(tmp_path: Path, outbox: Path) -> None:
    write_both(tmp_path)
    for path in (tmp_path / "outbox" / "2025-10").rglob("*.xlsx"):
        relative = path.relative_to(tmp_path / "outbox")
        assert cells(path) == cells(outbox / relative)


def test_elapsed_share_is_bounded() -> None:
    markets = registers().markets
    assert elapsed_share(markets, "2024-12").tolist() == [0.0, 0.0, 0.0]
    assert elapsed_share(markets, "2027-01").tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        # M-001 runs all 2025 (365 days), M-002 from 01/09/2025 to 31/08/2026 (365 days),
        # M-003 from 01/06/2025 to 30/09/2025 (122 days); both bounds count.
        pytest.param("2025-06", [181 / 365, 0.0, 30 / 122], id="june"),
        pytest.param("2025-09", [273 / 365, 30 / 365, 1.0], id="september"),
        pytest.param("2025-10", [304 / 365, 61 / 365, 1.0], id="october"),
    ],
)
def test_elapsed_shares_count_whole_days_of_each_market(month: str, expected: list[float]) -> None:
    shares = elapsed_shares(registers().markets, ["2025-06", "2025-09", "2025-10"])
    assert shares[month].tolist() == pytest.approx(expected)


def test_evolution_keeps_hours_older_than_the_chart_in_its_first_value() -> None:
    markets = registers().markets.assign(date_debut=_ts("2022-01-01", "2025-09-01", "2025-06-01"))
    old = current("2025-10").iloc[:2].assign(mois=["2022-03", "2023-05"], heures=[12.5, 7.25])
    hours = pd.concat([old, current("2025-10")], ignore_index=True)
    figures = month_figures(dataclasses.replace(registers(), markets=markets), hours, "2025-10")
    evolution = group_figures(figures, "code_mo")["MO-CAN"].evolution
    # 24 months, from November 2023; 12.5 + 7.25 h worked before it open the cumulated line.
    assert len(evolution) == 24 and evolution["Mois"].iat[0] == "novembre 2023"
    assert (evolution["Heures du mois"].iat[0], evolution["Heures cumulées"].iat[0]) == (0, 19.75)
    assert evolution["Heures cumulées"].iat[-1] == 350 + 19.75


def test_month_without_hours_still_reports_running_marches(tmp_path: Path) -> None:
    config = Config(territoire="CA du Niortais", root=tmp_path)
    none = current("2025-10").iloc[:0]
    paths = write_monthly_reports(config, registers(), none, files_frame().iloc[:0], "2025-10",
                                  GENERATED)
    assert [p.name for p in paths] == [
        "MO-CAN-rapport-mensuel-2025-10.xlsx", f"{SIRET_A}-rapport-mensuel-2025-10.xlsx",
        f"{SIRET_B}-rapport-mensuel-2025-10.xlsx", "suivi-depots-2025-10.xlsx"]
    book = openpyxl.load_workbook(paths[0])
    assert [(r["Code marché"], r["Heures cumulées"], r["Participants"])
            for r in table(book["Synthèse"], "Code marché")] == [("M-001", 0, 0), ("M-002", 0, 0)]
    evolution = table(book["Évolution"], "Mois")
    # No relevé at all yet: coverage has not begun, only the month itself is shown.
    assert [r["Mois"] for r in evolution] == ["octobre 2025"]
    assert evolution[-1]["Heures cumulées"] == 0
    assert table(book["Répartition"], "Structure") == [
        {"Structure": None, "Heures du mois": None, "Heures cumulées": None}]


def test_company_without_hours_gets_an_empty_participants_table() -> None:
    figures = month_figures(registers(), current("2025-10").iloc[:0], "2025-10")
    people = participant_tables(figures, registers().participants, registers().structures)
    assert sorted(people) == [SIRET_A, SIRET_B]
    assert people[SIRET_B].empty
    assert list(people[SIRET_B].columns) == ["Nom", "Prénom", "Code marché", "Structure",
                                             "Début de mission", "Fin de mission",
                                             "Heures du mois", "Heures cumulées sur le marché"]


def _large_territory(markets: int, lines: int) -> tuple[Registers, pd.DataFrame]:
    """`markets` marchés over 40 companies and 10 MO, `lines` hour lines over 12 months."""
    sirets = [complete_siret(f"{10000000 + i:08d}00001") for i in range(40)]
    codes = [f"M-{i:04d}" for i in range(markets)]
    base = registers()
    register = dataclasses.replace(
        base,
        buyers=pd.DataFrame({"code_mo": [f"MO-{i}" for i in range(10)],
                             "nom": [f"MO {i}" for i in range(10)], "email": None}),
        companies=pd.DataFrame({"siret": sirets, "nom": [f"Ent {i}" for i in range(40)],
                                "email": None}),
        markets=pd.DataFrame({
            "code_marche": codes, "intitule": codes,
            "code_mo": [f"MO-{i % 10}" for i in range(markets)],
            "siret": [sirets[i % 40] for i in range(markets)],
            "date_debut": pd.Series([pd.Timestamp("2025-01-01")] * markets, dtype="datetime64[us]"),
            "date_fin": pd.Series([pd.Timestamp("2026-12-31")] * markets, dtype="datetime64[us]"),
            "heures_objectif": 5000.0}))
    months = [f"2025-{m:02d}" for m in range(1, 13)]
    hours = pd.DataFrame({
        "sha256": "x", "code_structure": "AI-NIORT",
        "id_participant": [f"P-{i % 600:03d}" for i in range(lines)],
        "code_marche": [codes[i % markets] for i in range(lines)],
        "mois": [months[i % 12] for i in range(lines)], "heures": 35.0,
        "type_contrat": "CDDI", "statut": "acceptée"})
    return register, hours


def test_month_figures_of_a_large_territory_lose_nothing_in_the_slicing() -> None:
    # Speed is measured by bench/reports.py, not here.
    register, hours = _large_territory(markets=400, lines=20_000)
    figures = month_figures(register, hours, "2025-12")
    companies = group_figures(figures, "siret")
    buyers = group_figures(figures, "code_mo")
    people = participant_tables(figures, register.participants, register.structures)
    assert (len(buyers), len(companies), len(people)) == (10, 40, 40)
    # 35 h × 20 000 lines: nothing lost in the slicing.
    assert sum(g.synthesis["Heures cumulées"].sum() for g in companies.values()) == 700_000


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent")
def test_every_report_converts_to_pdf(outbox: Path, tmp_path: Path) -> None:
    workbooks = sorted((outbox / "2025-10").rglob("*.xlsx"))
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    *map(str, workbooks)], check=True, capture_output=True, timeout=300)
    for workbook in workbooks:
        pdf = tmp_path / f"{workbook.stem}.pdf"
        assert pdf.exists() and pdf.stat().st_size > 1000, workbook.name
