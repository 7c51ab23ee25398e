"""Monthly reports read M's lines and sums of the months before (issue 14.4): the sums the
database gives equal the sums of the lines, and the workbooks are the same cell for cell.

A small ledger over four months, recorded as the ingest records files: a correction of January
received late, rejected lines, two lines of one mission in a month, a two-month relevé, a line
without contract type or mission dates, a line without marché, hours of 0, and an opening
balance (`heures_reprise` up to `reprise_au`) on M-1. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from clauses.config import Config
from clauses.ledger import FileRecord, Ledger
from clauses.registers.load import Registers
from clauses.reports.monthly import history
from clauses.reports.monthly.writer import write_monthly_reports
from tests.postgres_cluster import empty_postgres

SIRET = "12345678901237"
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]
GENERATED = datetime(2026, 5, 11, 7, 0)

# (file, structure, received, late, lines: (participant, marché, month, hours, contract,
#  mission start, status, late line))
FILES = [
    ("a1", "AI-NIORT", "2026-02-05 09:00", False, [
        ("P-1", "M-1", "2026-01", 35.0, "CDDI", "2026-01-05", "acceptée", False),
        ("P-2", "M-1", "2026-01", 20.0, None, None, "acceptée avec alerte", False),
        ("P-3", "M-2", "2026-01", 10.0, "CDDI", "2026-01-05", "rejetée", False)]),
    ("b1", "ETTI-SUD", "2026-03-04 09:00", False, [
        ("P-4", "M-3", "2026-02", 0.0, "mission d'intérim", "2026-02-01", "acceptée", False),
        ("P-5", None, "2026-02", 8.0, None, None, "acceptée avec alerte", False)]),
    ("a2", "AI-NIORT", "2026-03-05 09:00", False, [
        ("P-1", "M-1", "2026-02", 30.0, "CDDI", "2026-02-01", "acceptée", False),
        ("P-1", "M-1", "2026-02", 5.0, "CDDI", "2026-02-20", "acceptée", False),
        ("P-2", "M-2", "2026-02", 12.5, "CDDI", "2026-02-02", "acceptée", False)]),
    # January corrected, received late: it replaces a1's January lines (SPEC §7).
    ("a3", "AI-NIORT", "2026-03-20 09:00", True, [
        ("P-1", "M-1", "2026-01", 40.0, "CDDI", "2026-01-02", "acceptée", True),
        ("P-3", "M-2", "2026-01", 3.33, None, "2026-01-10", "acceptée", True)]),
    ("b2", "ETTI-SUD", "2026-04-06 09:00", False, [
        ("P-4", "M-3", "2026-03", 21.5, "mission d'intérim", "2026-03-01", "acceptée", False),
        ("P-1", "M-3", "2026-03", 10.0, "mission d'intérim", "2026-03-02", "acceptée", False)]),
    # A two-month relevé, March late.
    ("a4", "AI-NIORT", "2026-05-07 09:00", False, [
        ("P-1", "M-1", "2026-03", 33.33, "CDDI", "2026-03-01", "acceptée", True),
        ("P-2", "M-1", "2026-04", 7.25, "contrat de professionnalisation", "2026-04-01",
         "acceptée", False),
        ("P-2", "M-1", "2026-04", 1.0, None, None, "rejetée", False)]),
]


def _ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[us]")


def registers() -> Registers:
    return Registers(
        structures=pd.DataFrame({"code_structure": ["AI-NIORT", "ETTI-SUD"],
                                 "nom": ["AI du Niortais", "ETTI Sud"], "type": ["AI", "ETTI"],
                                 "siret": [None] * 2, "email": [None] * 2}),
        buyers=pd.DataFrame({"code_mo": ["MO-CAN", "MO-VILLE"],
                             "nom": ["CA du Niortais", "Ville de Niort"], "email": [None] * 2}),
        companies=pd.DataFrame({"siret": [SIRET], "nom": ["Bâtir SA"], "email": [None]}),
        markets=pd.DataFrame({
            "code_marche": ["M-1", "M-2", "M-3"],
            "intitule": ["Groupe scolaire", "Voirie nord", "Médiathèque"],
            "code_mo": ["MO-CAN", "MO-CAN", "MO-VILLE"], "siret": [SIRET] * 3,
            "date_debut": _ts("2025-06-01", "2026-01-01", "2026-01-01"),
            "date_fin": _ts("2026-12-31", "2026-12-31", "2026-06-30"),
            "heures_objectif": [1000.0, 500.0, 300.0],
            # M-1's 100 h up to 31/01/2026 hold its January lines: they are not added again.
            "heures_reprise": [100.0, None, None],
            "reprise_au": _ts("2026-01-31", None, None)}),
        participants=pd.DataFrame({
            "id_participant": [f"P-{i}" for i in range(1, 6)],
            "nom": ["DUPONT", "BENALI", "MARTIN", "NGUYEN", "PETIT"],
            "prenom": ["Jeanne", "Karim", "Léa", "Minh", "Paul"],
            "date_naissance": _ts(*["1980-02-03"] * 5), "code_structure": ["AI-NIORT"] * 5}),
        decisions=pd.DataFrame(columns=["id_participant", "code_marche", "mois", "motif",
                                        "decision", "auteur", "date", "commentaire"]),
    )


def _lines(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["id_participant", "code_marche", "mois", "heures",
                                        "type_contrat", "debut", "statut", "en_retard"])
    start = pd.to_datetime(frame["debut"]).astype("datetime64[us]")
    return frame.drop(columns="debut").assign(
        feuille="Relevé", ligne=range(5, 5 + len(frame)), date_debut_mission=start,
        date_fin_mission=start + pd.Timedelta(days=20), entreprise=None, poste="Manœuvre",
        motifs=frame["statut"].map({"rejetée": "TOTAL_INCOHERENT"}).fillna(""),
        explications="", decision=None)


SHAS = [sha * 32 for sha, *_ in FILES]


def fill(ledger: Ledger) -> None:
    for sha, structure, received, late, rows in FILES:
        lines = _lines(rows)
        at = datetime.fromisoformat(received)
        ledger.record_file(FileRecord(
            sha256=sha * 32, code_structure=structure, nom_fichier=f"{sha}.xlsx",
            chemin_archive=f"archive/{sha}.xlsx", taille=100, modifie_le=at, recu_le=at,
            type="relevé d'heures", mois=max(lines["mois"]), statut="traité", motif=None,
            message=None, en_retard=late, lignes=len(lines),
            acceptees=int((lines["statut"] == "acceptée").sum()),
            alertes=int((lines["statut"] == "acceptée avec alerte").sum()),
            rejetees=int((lines["statut"] == "rejetée").sum())), hours=lines)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clauses.sqlite'}"
    else:  # asked for only here: a run of the SQLite tests alone starts no cluster
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    with Ledger(url) as opened:
        fill(opened)
        yield opened
    if request.param == "postgresql":
        empty_postgres(url)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in frame.columns if c != "heures"]
    return frame.sort_values(keys, na_position="first", ignore_index=True)


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("part", ["lines", "by_month", "missions", "latest", "recent", "late"])
def test_sums_from_the_database_equal_sums_of_the_lines(ledger: Ledger, month: str,
                                                        part: str) -> None:
    markets = registers().markets
    summed = history.from_ledger(ledger, month, markets, SHAS)
    from_lines = history.from_lines(ledger.hours(until_month=month), month, markets)
    got, expected = getattr(summed, part), getattr(from_lines, part)
    if part in ("lines", "late"):
        expected = expected[list(got.columns)]
    pd.testing.assert_frame_equal(_sorted(got), _sorted(expected))


def test_sums_hold_the_current_counted_hours_after_the_opening_balance(ledger: Ledger) -> None:
    summed = history.from_ledger(ledger, "2026-04", registers().markets, [])
    by_month = {(m, c): h for m, c, h in summed.by_month.itertuples(index=False)}
    # January of M-1: a3's 40 h replaced a1's 35 + 20 h; M-2: a3's 3.33 h (a1's line rejected).
    assert by_month[("M-1", "2026-01")] == 40.0 and by_month[("M-2", "2026-01")] == 3.33
    # February of M-1: 30 + 5 h; April: 7.25 h, the rejected 1 h left out.
    assert by_month[("M-1", "2026-02")] == 35.0 and by_month[("M-1", "2026-04")] == 7.25
    missions = summed.missions.set_index(["id_participant", "code_marche"])["heures"]
    # P-1 on M-1 before April, January in the balance: 30 + 5 + 33.33 h.
    assert missions[("P-1", "M-1")] == 68.33
    latest = summed.latest.set_index(["id_participant", "code_marche", "code_structure"])
    # P-1 on M-1 before April: March's line is the latest (two in February, one in January).
    assert latest.loc[("P-1", "M-1", "AI-NIORT"), "mois"] == "2026-03"


def _cells(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


@pytest.mark.parametrize("month", MONTHS)
def test_workbooks_from_sums_equal_workbooks_from_every_line(ledger: Ledger, tmp_path: Path,
                                                             month: str) -> None:
    files = ledger.files_by_month()
    written = {}
    for name, hours in (
            ("sums", history.from_ledger(ledger, month, registers().markets,
                                         SHAS)),
            ("lines", ledger.hours(until_month=month))):
        config = Config(territoire="CA du Niortais", root=tmp_path / name)
        written[name] = write_monthly_reports(config, registers(), hours, files, month,
                                              GENERATED, tracking=ledger.tracking())
    assert [p.name for p in written["sums"]] == [p.name for p in written["lines"]]
    for ours, theirs in zip(written["sums"], written["lines"], strict=True):
        assert _cells(ours) == _cells(theirs), ours.name


def test_report_shows_the_balance_then_the_hours_after_it(ledger: Ledger,
                                                          tmp_path: Path) -> None:
    config = Config(territoire="CA du Niortais", root=tmp_path)
    past = history.from_ledger(ledger, "2026-04", registers().markets, SHAS)
    paths = write_monthly_reports(config, registers(), past, ledger.files_by_month(),
                                  "2026-04", GENERATED, tracking=ledger.tracking())
    book = openpyxl.load_workbook(next(p for p in paths if p.name.startswith("MO-CAN")))
    rows = list(book["Synthèse"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "Code marché")
    by_code = {row[0]: dict(zip(rows[header], row, strict=True)) for row in rows[header + 1:]
               if row[0] in ("M-1", "M-2")}
    # M-1: 100 h of balance + February 35 h + March 33.33 h + April 7.25 h = 175.58 h.
    assert by_code["M-1"]["Heures du mois"] == 7.25
    assert by_code["M-1"]["Heures cumulées"] == 175.58
    # M-2: January 3.33 h (corrected) + February 12.5 h.
    assert by_code["M-2"]["Heures cumulées"] == 15.83
