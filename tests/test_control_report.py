"""Control report per received file (SPEC §6, §8), read back with openpyxl."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from clauses.reports.control import control_report_path, reason_text, write_control_report

RECEIVED = datetime(2025, 11, 12, 9, 30)
RED, ORANGE = "FFFFC7CE", "FFFCD5B4"


def table_rows(ws: Worksheet, first_header: str) -> list[dict[str, object]]:
    """The data rows (not totals) of the Excel table whose first header is `first_header`."""
    for table in ws.tables.values():
        cells = ws[table.ref]
        headers = [c.value for c in cells[0]]
        if headers[0] == first_header:
            body = cells[1:len(cells) - (table.totalsRowCount or 0)]
            return [dict(zip(headers, (c.value for c in row), strict=True)) for row in body]
    raise AssertionError(f"no table starting with {first_header!r} in {ws.title}")


def pairs(ws: Worksheet) -> dict[str, object]:
    return {r[0].value: r[1].value for r in ws.iter_rows(max_col=2)
            if isinstance(r[0].value, str) and r[1].value is not None}


def messy_raw() -> pd.DataFrame:
    """Two monthly sheets, original headers and values as the structure typed them."""
    return pd.DataFrame({
        "Feuille": ["Octobre", "Octobre", "Octobre", "Novembre", "Novembre", "Novembre"],
        "Ligne": [5, 6, 7, 4, 5, 6],
        "NOM": ["DUPONT", "MARTIN", "INCONNU", "DURAND", "DUPONT", "DUPONT"],
        "Prénom": ["Jean", "Léa", "Paul", "Ali", "Jean", "Jean"],
        "Nb heures": ["7,5", "151,67", "12", "abc", "7h30", "7h30"],
        "N° de marché": ["M-001", "M-001", "M-009", "M-002", "M-001", "M-001"],
        "Statut": ["CDDI", "CDDI", "", "", "CDDI", "CDDI"],  # the structure's own column
    })


def messy_checked() -> pd.DataFrame:
    return pd.DataFrame({
        "mois": ["2025-10", "2025-10", "2025-10", "2025-11", "2025-11", "2025-11"],
        "heures": [7.5, 151.67, 12.0, float("nan"), 7.5, 7.5],
        "statut": ["acceptée", "acceptée avec alerte", "rejetée", "rejetée", "acceptée",
                   "rejetée"],
        "motifs": ["", "ENTREPRISE_DIFFERENTE", "PARTICIPANT_INCONNU;MARCHE_INCONNU",
                   "VALEUR_INVALIDE", "", "DOUBLON"],
        "explications": [
            "", "L'entreprise « BTP Sud » n'est pas l'attributaire du marché M-001.",
            "Paul INCONNU n'est pas dans le registre d'éligibilité. ; Le marché M-009 n'existe "
            "pas dans le registre.", "La valeur « abc » de la colonne « Nb heures » est illisible.",
            "", "Deuxième ligne pour Jean DUPONT sur M-001 en novembre 2025."],
    })


@pytest.fixture
def report(tmp_path: Path) -> openpyxl.Workbook:
    path = write_control_report(
        tmp_path / "c.xlsx", structure="AI-NIORT", file_name="2025/releve oct-nov.xlsx",
        kind="relevé d'heures", received=RECEIVED, late=True, raw=messy_raw(),
        checked=messy_checked(), territory="CA du Niortais")
    return openpyxl.load_workbook(path)


def test_each_line_keeps_its_sheet_row_and_gets_status_and_reasons(report) -> None:
    rows = table_rows(report["Lignes"], "Feuille")
    assert [(r["Feuille"], r["Ligne"], r["Statut"]) for r in rows] == [
        ("Octobre", 5, "acceptée"), ("Octobre", 6, "acceptée avec alerte"),
        ("Octobre", 7, "rejetée"), ("Novembre", 4, "rejetée"), ("Novembre", 5, "acceptée"),
        ("Novembre", 6, "rejetée")]
    assert rows[2]["Motifs"] == (
        "PARTICIPANT_INCONNU — Paul INCONNU n'est pas dans le registre d'éligibilité.\n"
        "MARCHE_INCONNU — Le marché M-009 n'existe pas dans le registre.")
    assert rows[0]["Motifs"] is None
    assert rows[3]["Nb heures"] == "abc"  # as sent, not as parsed


def test_structure_columns_named_like_ours_are_kept_apart(report) -> None:
    rows = table_rows(report["Lignes"], "Feuille")
    assert rows[0]["Statut (fichier)"] == "CDDI" and rows[0]["Statut"] == "acceptée"


def test_rejected_lines_are_red_and_alerts_orange(report) -> None:
    ws = report["Lignes"]
    first = ws.freeze_panes  # data starts on the frozen row
    first_row = int(first[1:])
    fills = [ws.cell(first_row + i, 2).fill.fgColor.rgb for i in range(6)]
    assert fills[1] == ORANGE
    assert [fills[i] for i in (2, 3, 5)] == [RED, RED, RED]
    assert ws.cell(first_row, 2).fill.fill_type is None


def test_lines_sheet_is_a_filterable_table_with_frozen_header(report) -> None:
    ws = report["Lignes"]
    (table,) = ws.tables.values()
    assert table.autoFilter is not None
    header_row = int(table.ref.split(":")[0][1:])
    assert ws.freeze_panes == f"A{header_row + 1}"


def test_summary_counts_lines_by_status_and_reason(report) -> None:
    ws = report["Résumé"]
    assert pairs(ws)["Lignes lues"] == 6
    assert pairs(ws)["Heures comptées"] == pytest.approx(7.5 + 151.67 + 7.5)
    statuses = table_rows(ws, "Statut")
    assert [(r["Statut"], r["Lignes"]) for r in statuses] == [
        ("acceptée", 2), ("acceptée avec alerte", 1), ("rejetée", 3)]
    assert statuses[2]["Heures déclarées"] == pytest.approx(12 + 7.5)  # unreadable hours count as none
    reasons = table_rows(ws, "Code")
    assert [(r["Code"], r["Lignes"]) for r in reasons] == [
        ("DOUBLON", 1), ("ENTREPRISE_DIFFERENTE", 1), ("MARCHE_INCONNU", 1),
        ("PARTICIPANT_INCONNU", 1), ("VALEUR_INVALIDE", 1)]
    assert reasons[2]["Motif"] == "Marché inconnu"


def test_summary_names_file_structure_lateness_and_months(report) -> None:
    ws = report["Résumé"]
    found = pairs(ws)
    assert found["Fichier"] == "2025/releve oct-nov.xlsx"
    assert found["Structure"] == "AI-NIORT"
    assert found["Reçu le"] == datetime(2025, 11, 12, 9, 30)
    assert found["Délai de dépôt"] == "Hors délai"
    assert ws["A3"].value == "Période : octobre 2025, novembre 2025"
    assert report.sheetnames == ["Résumé", "Lignes"]


def test_single_sheet_file_has_no_sheet_column(tmp_path: Path) -> None:
    raw, checked = messy_raw().iloc[:3], messy_checked().iloc[:3]
    path = write_control_report(tmp_path / "c.xlsx", structure="AI", file_name="r.csv",
                                kind="relevé d'heures", received=RECEIVED, late=False, raw=raw,
                                checked=checked)
    ws = openpyxl.load_workbook(path)["Lignes"]
    assert list(table_rows(ws, "Ligne")[0])[:3] == ["Ligne", "NOM", "Prénom"]


def test_quarantined_file_report_says_what_to_fix(tmp_path: Path) -> None:
    message = "Colonnes obligatoires absentes : « Code marché », « Heures »."
    path = write_control_report(
        tmp_path / "q.xlsx", structure="AI", file_name="releve.xlsx", kind=None,
        received=RECEIVED, late=False, raw=None, file_reason="COLONNES_MANQUANTES",
        file_message=message)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Résumé"]
    found = pairs(book["Résumé"])
    assert found["Motif"] == "COLONNES_MANQUANTES"
    assert found["Explication"] == message
    texts = [c.value for row in book["Résumé"].iter_rows() for c in row if c.value]
    assert any("Aucune ligne de ce fichier n'a été comptée" in str(t) for t in texts)


def test_tracking_table_report_shows_lines_without_status(tmp_path: Path) -> None:
    raw = messy_raw().drop(columns="Statut").iloc[:2]
    path = write_control_report(tmp_path / "s.xlsx", structure="AI", file_name="suivi.xlsx",
                                kind="tableau de suivi", received=RECEIVED, late=False, raw=raw)
    book = openpyxl.load_workbook(path)
    rows = table_rows(book["Lignes"], "Ligne")
    assert len(rows) == 2 and "Statut" not in rows[0]
    assert pairs(book["Résumé"])["Lignes lues"] == 2


def test_control_report_path_uses_received_date_and_original_stem() -> None:
    path = control_report_path(Path("outbox"), "AI-NIORT", "2025/relevé octobre.xlsx", RECEIVED,
                               "3ec4f8525993ce77")
    assert path == Path("outbox/controles/AI-NIORT/2025-11-12-relevé octobre-3ec4f852-controle.xlsx")


@pytest.mark.parametrize(("codes", "sentences", "expected"), [
    ("", "", ""),
    ("DOUBLON", "Deuxième ligne.", "DOUBLON — Deuxième ligne."),
    ("A;B", "Un. ; Deux.", "A — Un.\nB — Deux."),
    ("A;B", "Une seule phrase.", "A, B — Une seule phrase."),
], ids=["none", "one", "paired", "unpaired"])
def test_reason_text_puts_each_code_before_its_sentence(codes, sentences, expected) -> None:
    assert reason_text(codes, sentences) == expected


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice absent")
def test_control_reports_convert_to_pdf(tmp_path: Path) -> None:
    checked_report = write_control_report(
        tmp_path / "c.xlsx", structure="AI", file_name="r.xlsx", kind="relevé d'heures",
        received=RECEIVED, late=False, raw=messy_raw(), checked=messy_checked())
    quarantined = write_control_report(
        tmp_path / "q.xlsx", structure="AI", file_name="q.xlsx", kind=None, received=RECEIVED,
        late=False, raw=None, file_reason="FICHIER_ILLISIBLE")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(checked_report), str(quarantined)], check=True, capture_output=True,
                   timeout=300)
    assert (tmp_path / "c.pdf").stat().st_size > 1000
    assert (tmp_path / "q.pdf").stat().st_size > 1000
