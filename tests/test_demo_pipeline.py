"""A reduced demo, end to end (SPEC §11): every planted case gets its verdict, every report exists.

`run_demo` builds the territory, drops a year of files day by day, ingests them and runs the
scheduled jobs; it returns only its French summary. The plan (what was planted where) is rebuilt
with the same seed in another folder: the same seed gives the same files, byte for byte, which
the archive of the demo proves.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest

from clauses.config import REASON_CODES, load_config
from clauses.demo import build_demo
from clauses.demo.planted import FILE_CASES
from clauses.demo.run import run_demo
from clauses.ledger import Ledger
from clauses.workspace.archive import sha256_of

PARTICIPANTS, MONTHS = 60, 2
DEMO_MONTHS = ["2026-09", "2026-10"]  # run_demo's default last month is 2026-10
QUARANTINE_CODES = [code for code in FILE_CASES if code != "FICHIER_DEJA_RECU"]
FILE_ALERTS = ["TOTAL_INCOHERENT"]  # a wrong Total is one alert on its file (issue 15)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    summary = run_demo(base / "demo", participants=PARTICIPANTS, months=MONTHS)
    plan = build_demo(base / "plan", participants=PARTICIPANTS, months=MONTHS)
    config = load_config(base / "demo" / "config.yaml")
    with Ledger.from_config(config) as ledger:
        files = ledger.files()
        hours = ledger.hours(current_only=False, counted_only=False)
    names = files.drop_duplicates("sha256")[["sha256", "nom_fichier"]]
    lines = hours.merge(names, on="sha256", how="left", validate="many_to_one")
    return SimpleNamespace(summary=summary, plan=plan, config=config, files=files, lines=lines)


def planted(demo, code: str, *, file_level: bool) -> pd.DataFrame:
    cases = demo.plan.expected[demo.plan.expected["code"] == code]
    cases = cases[cases["ligne"].isna() == file_level]
    assert len(cases), f"la démonstration ne plante aucun cas {code}"
    return cases


def test_demo_covers_the_expected_months(demo):
    assert demo.plan.months == DEMO_MONTHS


def test_same_seed_gives_the_same_files_and_every_one_is_archived(demo):
    kept = {p.name.split(".")[0] for p in demo.config.archive.rglob("*") if p.is_file()}
    dropped = {sha256_of(drop.content) for drop in demo.plan.drops}
    assert dropped <= kept


def test_demo_leaves_nothing_in_the_inbox(demo):
    assert not [p for p in demo.config.inbox.rglob("*") if p.is_file()]


@pytest.mark.parametrize("code", [c for c in REASON_CODES if c not in FILE_ALERTS])
def test_planted_line_gets_its_reason_code_and_status(demo, code):
    for case in planted(demo, code, file_level=False).itertuples():
        found = demo.lines[(demo.lines["code_structure"] == case.structure)
                           & (demo.lines["nom_fichier"] == case.name)
                           & (demo.lines["ligne"] == case.ligne)]
        if pd.notna(case.feuille):
            found = found[found["feuille"] == case.feuille]
        # A verdict given again (a new version of the line, SPEC §7) is the one that stands.
        found = found.drop_duplicates(["sha256", "feuille", "ligne"], keep="last")
        assert len(found) == 1, f"{case.structure}/{case.name} ligne {case.ligne}: {len(found)}"
        [line] = found.to_dict("records")
        assert code in str(line["motifs"]).split(";"), (case.description, line["motifs"])
        assert line["statut"] == case.statut, case.description


@pytest.mark.parametrize("code", [*FILE_CASES, *FILE_ALERTS])
def test_planted_file_gets_its_reason_code(demo, code):
    for case in planted(demo, code, file_level=True).itertuples():
        found = demo.files[(demo.files["code_structure"] == case.structure)
                           & (demo.files["nom_fichier"] == case.name)]
        assert list(zip(found["statut"], found["motif"], strict=True)) == [(case.statut, code)]


@pytest.mark.parametrize("code", QUARANTINE_CODES)
def test_planted_refused_file_is_in_quarantine_with_its_reason(demo, code):
    for case in planted(demo, code, file_level=True).itertuples():
        kept = demo.config.quarantine / case.structure / case.name
        reason = kept.with_name(kept.name + ".motif.txt").read_text(encoding="utf-8")
        assert reason.startswith(f"{code} — ")


def test_corrected_statement_replaces_the_earlier_one(demo):
    # ETTI-NIORT re-sends the middle month's relevé corrected (demo/planting.py CORRECTING).
    month = DEMO_MONTHS[len(DEMO_MONTHS) // 2]
    lines = demo.lines[(demo.lines["code_structure"] == "ETTI-NIORT") & (demo.lines["mois"] == month)]
    corrected = lines["nom_fichier"].str.contains("corrigé")
    assert corrected.any() and (~corrected).any()
    assert lines.loc[corrected, "actif"].all()
    assert not lines.loc[~corrected, "actif"].any()


def sheet_names(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return book.sheetnames
    finally:
        book.close()


MONTHLY_REPORTS = {
    "buyers": ("maitres-ouvrage/*.xlsx", "Synthèse"),
    "companies": ("entreprises/*.xlsx", "Participants"),
    "deposit-follow-up": ("suivi-depots-*.xlsx", "Suivi des dépôts"),
}


@pytest.mark.parametrize("pattern, sheet", MONTHLY_REPORTS.values(), ids=MONTHLY_REPORTS.keys())
@pytest.mark.parametrize("month", DEMO_MONTHS)
def test_monthly_reports_exist_for_each_month(demo, month, pattern, sheet):
    written = sorted((demo.config.outbox / month).glob(pattern))
    assert written
    assert all(sheet in sheet_names(path) for path in written)


def test_every_checked_file_has_a_control_report(demo):
    checked = demo.files[demo.files["statut"].isin(["traité", "quarantaine"])
                         & (demo.files["type"] != "pièce justificative")]
    reports = {(p.parent.name, p.name) for p in (demo.config.outbox / "controles").rglob("*.xlsx")}
    for row in checked.itertuples():
        stem = Path(row.nom_fichier).stem
        assert any(s == row.code_structure and stem in name for s, name in reports), row.nom_fichier


def test_demo_writes_its_e_mails_as_eml_files(demo):
    mails = list((demo.config.outbox / "courriels").rglob("*.eml"))
    assert any("compte-rendu" in p.name for p in mails)
    assert any("rapport-mensuel" in p.name for p in mails)


def test_demo_writes_a_provisional_annual_report(demo):
    year = DEMO_MONTHS[-1][:4]
    assert (demo.config.outbox / year / f"bilan-annuel-{year}-provisoire.xlsx").is_file()


@pytest.mark.parametrize("code", QUARANTINE_CODES)
def test_summary_mentions_each_quarantine_code(demo, code):
    [line] = [x for x in demo.summary if x.startswith("Fichiers en quarantaine")]
    assert f"{code} (1)" in line


def test_summary_counts_the_file_received_twice(demo):
    [line] = [x for x in demo.summary if x.startswith("Reçus :")]
    assert "1 déjà reçu)" in line


@pytest.mark.parametrize("code", REASON_CODES)
def test_summary_mentions_each_line_reason_code(demo, code):
    [line] = [x for x in demo.summary if x.startswith("Motifs de rejet ou d'alerte")]
    assert f"{code} (" in line
