"""Ingesting the inbox end to end (SPEC §5–§7): a real workspace, real files, a real SQLite ledger.

Everything goes through `clauses.ingest.ingest_inbox(config, now=...)`. Fixtures that only read
what one pass did are module-scoped (one ingestion, several behaviours checked); the only
monkeypatching simulates a crash.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from workspace_factory import (
    arrived_when_written,
    drop_bytes,
    drop_statement,
    make_workspace,
    register_frames,
    set_file_time,
    snapshot,
    with_settings,
    write_registers,
)

import clauses.ingest.one_file as checking
from clauses.errors import RegisterError
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger
from clauses.workspace.archive import sha256_of

SUBMISSIONS = Path(__file__).parent / "data" / "soumissions"
NOW = datetime(2026, 11, 12, 12, 0)  # after the deadline of 2026-10, so nothing is "future"


# --- helpers -----------------------------------------------------------------------------------


def ingest(config, now: datetime = NOW):
    results, _waiting = ingest_inbox(config, now=now)
    return results


def archived(config) -> dict[str, Path]:
    """sha256 → archived copy."""
    return {p.name.split(".")[0]: p for p in config.archive.rglob("*") if p.is_file()}


def inbox_files(config) -> list[Path]:
    return sorted(p for p in config.inbox.rglob("*") if p.is_file())


def ledger_files(config):
    with Ledger.from_config(config) as ledger:
        return ledger.files()


def ledger_hours(config, **kwargs):
    with Ledger.from_config(config) as ledger:
        return ledger.hours(**kwargs)


def all_hours(config, **kwargs):
    return ledger_hours(config, current_only=False, counted_only=False, **kwargs)


def sheet_rows(path: Path, sheet: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


def table_below_title(path: Path, sheet: str, first_header: str) -> list[dict]:
    """The rows of the table whose header row starts with `first_header`, as dicts."""
    rows = sheet_rows(path, sheet)
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    headers = rows[start]
    return [dict(zip(headers, row, strict=True)) for row in rows[start + 1:] if any(row)]


def summary_pairs(path: Path) -> dict[object, object]:
    return {row[0]: row[1] for row in sheet_rows(path, "Résumé") if row and row[0] is not None}


def copy_submission(config, folder: str, name: str, *, source: str | None = None,
                    at: datetime = datetime(2026, 11, 8, 9, 30)) -> Path:
    return drop_bytes(config, folder, name, (SUBMISSIONS / (source or name)).read_bytes(), at=at)


# --- a good relevé --------------------------------------------------------------------------------

# Row numbers: drop_statement writes two title rows, a blank row, the header on row 4.
GOOD_ROWS = [
    ("P001", "M-001", "01/10/2026", "", "151,67", "CDDI"),  # row 5: accepted
    ("P003", "M-002", "16/10/2026", "", "20", "CDDI"),  # row 6: registered with ETTI-SUD
    ("P999", "M-001", "01/10/2026", "", "7", "CDDI"),  # row 7: not in the register
    ("P002", "M-001", "06/10/2026", "31/10/2026", "300", "mission d'intérim"),  # row 8: > 208 h
]
GOOD_VERDICTS = {
    "accepted": (5, "acceptée", []),
    "other-structure-alert": (6, "acceptée avec alerte", ["STRUCTURE_DIFFERENTE"]),
    "unknown-participant": (7, "rejetée", ["PARTICIPANT_INCONNU"]),
    "hours-over-limit": (8, "rejetée", ["HEURES_HORS_LIMITES"]),
}


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("bon-releve"))
    frames = register_frames()
    # P003's prescription made recent, so that the only thing wrong on row 6 is the structure.
    frames["Participants"].loc[2, "date_prescription"] = datetime(2026, 10, 1)
    write_registers(config.registers_path, frames)
    path = drop_statement(config, "AI-NIORT", "octobre/releve-octobre.xlsx", rows=GOOD_ROWS)
    content = path.read_bytes()
    [result] = ingest(config)
    return SimpleNamespace(config=config, result=result, path=path, content=content,
                           sha=sha256_of(content))


def test_good_statement_is_archived_as_received_under_its_content_hash(good):
    copy = good.config.archive / good.sha[:2] / f"{good.sha}.xlsx"
    assert copy.read_bytes() == good.content


def test_good_statement_archive_copy_is_read_only(good):
    copy = archived(good.config)[good.sha]
    assert not copy.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_good_statement_leaves_the_inbox(good):
    assert not good.path.exists()
    assert inbox_files(good.config) == []


def test_good_statement_is_logged_as_processed_with_its_counts(good):
    [row] = ledger_files(good.config).to_dict("records")
    assert (row["code_structure"], row["nom_fichier"], row["statut"], row["type"], row["mois"]) == (
        "AI-NIORT", "octobre/releve-octobre.xlsx", "traité", "relevé d'heures", "2026-10")
    assert (row["lignes"], row["acceptees"], row["alertes"], row["rejetees"]) == (4, 1, 1, 2)


def test_good_statement_counts_only_its_accepted_lines(good):
    counted = ledger_hours(good.config)
    assert sorted(counted["ligne"]) == [5, 6]
    assert counted["heures"].sum() == pytest.approx(151.67 + 20)
    assert set(counted["sha256"]) == {good.sha}


@pytest.mark.parametrize("line, status, codes", GOOD_VERDICTS.values(), ids=GOOD_VERDICTS.keys())
def test_good_statement_lines_are_recorded_with_status_and_codes(good, line, status, codes):
    lines = all_hours(good.config).set_index("ligne")
    assert lines.loc[line, "statut"] == status
    recorded = [c for c in str(lines.loc[line, "motifs"] or "").split(";") if c]
    assert recorded == codes


def test_good_statement_gets_a_control_report_in_its_structure_folder(good):
    report = good.result.control_report
    assert report.parent == good.config.outbox / "controles" / "AI-NIORT"
    assert "releve-octobre" in report.name and report.suffix == ".xlsx"
    assert {"Lignes", "Résumé"} <= set(openpyxl.load_workbook(report).sheetnames)


@pytest.mark.parametrize("line, status, codes", GOOD_VERDICTS.values(), ids=GOOD_VERDICTS.keys())
def test_control_report_lines_sheet_gives_each_line_its_status_and_reasons(good, line, status, codes):
    lines = {row["Ligne"]: row for row in
             table_below_title(good.result.control_report, "Lignes", "Ligne")}
    assert lines[line]["Statut"] == status
    reasons = lines[line]["Motifs"]
    if not codes:
        assert not reasons
    for code in codes:
        # "CODE — the French sentence": the code first, then an explanation a structure reads.
        assert re.search(rf"^{code} — \w.{{10,}}", reasons, flags=re.MULTILINE), reasons


def test_control_report_lines_sheet_keeps_the_values_as_sent(good):
    lines = {row["Ligne"]: row for row in
             table_below_title(good.result.control_report, "Lignes", "Ligne")}
    assert (lines[5]["N° participant"], lines[5]["Nb heures"]) == ("P001", "151,67")


# --- file-level reasons: quarantine, nothing counted, nothing lost ---------------------------------


@dataclass(frozen=True)
class Refusal:
    folder: str  # folder under inbox/ ("" = dropped at the inbox root)
    source: str  # a real bad file of tests/data/soumissions
    code: str
    words: tuple[str, ...]  # what the French reason must say
    settings: dict = field(default_factory=dict)
    quarantine: str | None = None  # quarantine sub-folder when not `folder`


REFUSALS = {
    "corrupt-bytes": Refusal("AI-NIORT", "corrompu.xlsx", "FICHIER_ILLISIBLE", ("endommagé",)),
    "encrypted-xlsx": Refusal("AI-NIORT", "protege.xlsx", "FICHIER_ILLISIBLE", ("mot de passe",)),
    "encrypted-xls": Refusal("AI-NIORT", "protege.xls", "FICHIER_ILLISIBLE", ("mot de passe",)),
    "pdf-named-xlsx": Refusal("AI-NIORT", "contrat.xlsx", "FICHIER_ILLISIBLE", ("PDF",)),
    "no-known-columns": Refusal("AI-NIORT", "sans_colonnes_connues.xlsx", "TYPE_INCONNU",
                                ("relevé d'heures", "tableau de suivi")),
    "empty-workbook": Refusal("AI-NIORT", "classeur_vide.xlsx", "TYPE_INCONNU", ("aucune",)),
    "missing-columns": Refusal("AI-NIORT", "colonnes_manquantes.xlsx", "COLONNES_MANQUANTES",
                               ("« Code marché »", "« Heures »")),
    "no-period": Refusal("AI-NIORT", "sans_periode.xlsx", "PERIODE_INCONNUE", ("mois",)),
    "folder-not-in-register": Refusal("ACI-SEVRE", "releve_utf8_bom.csv", "STRUCTURE_INCONNUE",
                                      ("« ACI-SEVRE »", "registre")),
    "file-at-inbox-root": Refusal("", "releve_utf8_bom.csv", "STRUCTURE_INCONNUE",
                                  ("racine", "dossier de votre structure"),
                                  quarantine="_sans_structure"),
    "too-many-lines": Refusal("AI-NIORT", "trop_de_lignes.csv", "FICHIER_TROP_VOLUMINEUX",
                              ("60 lignes", "50"), settings={"depot": {"lignes_max": 50}}),
    "too-heavy": Refusal("AI-NIORT", "releve_utf8_bom.csv", "FICHIER_TROP_VOLUMINEUX", ("ko",),
                         settings={"depot": {"taille_max_mo": 0.0001}}),
}


@pytest.fixture(scope="module", params=REFUSALS.values(), ids=REFUSALS.keys())
def refused(request, tmp_path_factory):
    case: Refusal = request.param
    config = make_workspace(tmp_path_factory.mktemp("refus"))
    if case.settings:
        config = with_settings(config, **case.settings)
    path = copy_submission(config, case.folder, case.source)
    [result] = ingest(config)
    folder = case.quarantine or case.folder
    return SimpleNamespace(case=case, config=config, result=result, path=path,
                           sha=sha256_of((SUBMISSIONS / case.source).read_bytes()),
                           quarantined=config.quarantine / folder / case.source, folder=folder)


def test_refused_file_gets_its_reason_code(refused):
    assert (refused.result.statut, refused.result.motif) == ("quarantaine", refused.case.code)


def test_refused_file_is_kept_in_quarantine_of_its_structure(refused):
    assert refused.quarantined.read_bytes() == (SUBMISSIONS / refused.case.source).read_bytes()


def test_refused_file_has_its_reason_in_french_beside_it(refused):
    reason = refused.quarantined.with_name(refused.quarantined.name + ".motif.txt")
    text = reason.read_text(encoding="utf-8")
    assert text.startswith(f"{refused.case.code} — ")
    for words in refused.case.words:
        assert words in text


def test_refused_file_is_logged_in_the_ledger_and_counts_nothing(refused):
    [row] = ledger_files(refused.config).to_dict("records")
    assert (row["statut"], row["motif"], row["code_structure"], row["nom_fichier"]) == (
        "quarantaine", refused.case.code, refused.case.folder, refused.case.source)
    assert all(words in row["message"] for words in refused.case.words)
    assert all_hours(refused.config).empty


def test_refused_file_gets_a_control_report_naming_its_reason(refused):
    report = refused.result.control_report
    assert report.parent == refused.config.outbox / "controles" / refused.folder
    assert Path(refused.case.source).stem in report.name
    assert summary_pairs(report)["Motif"] == refused.case.code


def test_refused_file_leaves_the_inbox_but_stays_in_the_archive(refused):
    assert inbox_files(refused.config) == []
    assert refused.sha in archived(refused.config)
    [row] = ledger_files(refused.config).to_dict("records")
    assert (refused.config.root / row["chemin_archive"]).read_bytes() == (
        SUBMISSIONS / refused.case.source).read_bytes()


def test_size_refusal_writes_sizes_the_french_way(tmp_path):
    config = with_settings(make_workspace(tmp_path), depot={"taille_max_mo": 0.0001})
    copy_submission(config, "AI-NIORT", "releve_utf8_bom.csv")
    [result] = ingest(config)
    assert result.motif == "FICHIER_TROP_VOLUMINEUX"
    assert not re.search(r"\d\.\d", result.message), result.message
    assert "0,0 Mo" not in result.message


def test_file_at_the_inbox_root_is_told_so_in_correct_french(tmp_path):
    config = make_workspace(tmp_path)
    copy_submission(config, "", "releve_utf8_bom.csv")
    [result] = ingest(config)
    assert "Le dossier la racine" not in result.message


# --- same bytes twice ------------------------------------------------------------------------------


@pytest.mark.parametrize("same_pass", [True, False], ids=["same-pass", "next-pass"])
def test_same_bytes_under_another_name_are_logged_as_already_received(tmp_path, same_pass):
    config = make_workspace(tmp_path)
    content = drop_statement(config, "AI-NIORT", "releve.xlsx").read_bytes()
    first = [] if same_pass else ingest(config)
    drop_bytes(config, "AI-NIORT", "releve (copie).xlsx", content, at=datetime(2026, 11, 9, 10))
    results = first + ingest(config)
    assert [(r.name, r.statut, r.motif) for r in results] == [
        ("releve.xlsx", "traité", None),
        ("releve (copie).xlsx", "déjà reçu", "FICHIER_DEJA_RECU"),
    ]
    assert list(ledger_files(config)["statut"]) == ["traité", "déjà reçu"]


@pytest.mark.parametrize("same_pass", [True, False], ids=["same-pass", "next-pass"])
def test_same_bytes_twice_count_nothing_twice_and_are_archived_once(tmp_path, same_pass):
    config = make_workspace(tmp_path)
    content = drop_statement(config, "AI-NIORT", "releve.xlsx").read_bytes()
    if not same_pass:
        ingest(config)
    drop_bytes(config, "AI-NIORT", "renvoi/releve.xlsx", content, at=datetime(2026, 11, 9, 10))
    ingest(config)
    assert len(all_hours(config)) == 2
    assert ledger_hours(config)["heures"].sum() == pytest.approx(151.67 + 7.5)
    assert list(archived(config)) == [sha256_of(content)]
    assert inbox_files(config) == []


def test_file_already_received_gets_a_control_report_saying_nothing_is_needed(tmp_path):
    config = make_workspace(tmp_path)
    content = drop_statement(config, "AI-NIORT", "releve.xlsx").read_bytes()
    ingest(config)
    drop_bytes(config, "AI-NIORT", "releve (copie).xlsx", content, at=datetime(2026, 11, 9, 10))
    [result] = ingest(config)
    assert result.control_report is not None and result.control_report.is_file()
    assert summary_pairs(result.control_report)["Motif"] == "FICHIER_DEJA_RECU"


def test_file_refused_at_the_root_is_counted_when_dropped_again_in_its_structure_folder(tmp_path):
    config = make_workspace(tmp_path)
    content = drop_statement(config, "AI-NIORT", "releve.xlsx").read_bytes()
    (config.inbox / "AI-NIORT" / "releve.xlsx").rename(config.inbox / "releve.xlsx")
    [refused] = ingest(config)
    assert refused.motif == "STRUCTURE_INCONNUE"
    drop_bytes(config, "AI-NIORT", "releve.xlsx", content, at=datetime(2026, 11, 9, 10))
    [again] = ingest(config, now=NOW + timedelta(hours=1))
    assert again.statut == "traité"
    assert len(ledger_hours(config)) == 2


# --- nothing lost ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Every real sample file, a good relevé, a PDF and a file for an unknown structure."""
    config = make_workspace(tmp_path_factory.mktemp("melange"))
    inputs = [copy_submission(config, "AI-NIORT", p.name) for p in sorted(SUBMISSIONS.iterdir())]
    inputs.append(drop_statement(config, "AI-NIORT", "releve-octobre.xlsx"))
    inputs.append(drop_bytes(config, "AI-NIORT", "contrats/contrat.pdf", b"%PDF-1.4\n%%EOF\n"))
    inputs.append(drop_statement(config, "ACI-SEVRE", "releve.xlsx"))
    hashes = {p.relative_to(config.inbox): sha256_of(p.read_bytes()) for p in inputs}
    results = ingest(config)
    return SimpleNamespace(config=config, hashes=hashes, results=results)


def test_every_received_file_is_in_the_archive(mixed):
    assert set(mixed.hashes.values()) <= set(archived(mixed.config))


def test_every_received_file_leaves_the_inbox(mixed):
    assert inbox_files(mixed.config) == []


def test_every_received_file_has_a_ledger_row_and_a_result(mixed):
    files = ledger_files(mixed.config)
    logged = {Path(s) / n for s, n in zip(files["code_structure"], files["nom_fichier"],
                                            strict=True)}
    assert logged == set(mixed.hashes)
    assert len(mixed.results) == len(mixed.hashes)
    assert "erreur" not in {r.statut for r in mixed.results}


def test_every_quarantined_file_has_its_reason_beside_it(mixed):
    quarantined = [r for r in mixed.results if r.statut == "quarantaine"]
    assert len(quarantined) == 9  # 8 bad sample files + the unknown structure's
    for r in quarantined:
        kept = mixed.config.quarantine / (r.structure or "_sans_structure") / r.name
        assert kept.is_file()
        assert kept.with_name(kept.name + ".motif.txt").read_text(encoding="utf-8").startswith(
            r.motif)


# --- corrections (SPEC §7) -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corrected(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("correction"))
    first = drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", at=datetime(2026, 11, 5, 9))
    september = drop_statement(
        config, "AI-NIORT", "releve-septembre.xlsx", month_cell="Période : septembre 2026",
        rows=[("P001", "M-001", "01/09/2026", "", "140", "CDDI")], at=datetime(2026, 10, 5, 9))
    other = drop_statement(config, "ETTI-SUD", "releve.xlsx", at=datetime(2026, 11, 5, 10),
                           rows=[("P002", "M-002", "01/10/2026", "", "35", "CDDI")])
    shas = {"first": sha256_of(first.read_bytes()),
            "september": sha256_of(september.read_bytes()),
            "other": sha256_of(other.read_bytes())}
    ingest(config, now=datetime(2026, 11, 6, 12))
    fix = drop_statement(config, "AI-NIORT", "releve-octobre-corrige.xlsx",
                         rows=[("P001", "M-001", "01/10/2026", "", "140", "CDDI")],
                         at=datetime(2026, 11, 9, 9))
    shas["fix"] = sha256_of(fix.read_bytes())
    ingest(config)
    return SimpleNamespace(config=config, shas=shas)


def test_correction_replaces_the_structures_lines_of_that_month(corrected):
    current = ledger_hours(corrected.config, month="2026-10")
    current = current[current["code_structure"] == "AI-NIORT"]
    assert set(current["sha256"]) == {corrected.shas["fix"]}
    assert list(current["heures"]) == [140.0]


def test_superseded_lines_stay_in_the_ledger_marked_inactive(corrected):
    history = all_hours(corrected.config, month="2026-10")
    old = history[history["sha256"] == corrected.shas["first"]]
    assert len(old) == 2 and not old["actif"].any()
    assert history.loc[history["sha256"] == corrected.shas["fix"], "actif"].all()


def test_correction_leaves_other_months_and_structures_current(corrected):
    current = ledger_hours(corrected.config, counted_only=False)
    assert {corrected.shas["september"], corrected.shas["other"]} <= set(current["sha256"])


# --- lateness (SPEC §6, jour_limite 10) -----------------------------------------------------------

LATENESS = {
    "before-the-10th": (datetime(2026, 11, 5, 9, 0), False),
    "on-the-10th-evening": (datetime(2026, 11, 10, 23, 30), False),
    "on-the-11th": (datetime(2026, 11, 11, 0, 30), True),
    "next-month": (datetime(2026, 12, 2, 9, 0), True),
}


@pytest.fixture(scope="module", params=LATENESS.values(), ids=LATENESS.keys())
def dated(request, tmp_path_factory):
    modified, late = request.param
    config = make_workspace(tmp_path_factory.mktemp("delai"))
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=modified)
    with arrived_when_written():  # dropped at `modified`, read by a later pass
        [result] = ingest(config, now=datetime(2026, 12, 5, 12))
    return SimpleNamespace(config=config, result=result, late=late)


def test_file_result_is_late_when_modified_after_the_deadline(dated):
    assert dated.result.en_retard is dated.late


def test_ledger_file_row_is_late_when_modified_after_the_deadline(dated):
    assert list(ledger_files(dated.config)["en_retard"]) == [dated.late]


def test_lines_are_late_when_their_file_is_and_still_counted(dated):
    lines = ledger_hours(dated.config)
    assert len(lines) == 2
    assert list(lines["en_retard"]) == [dated.late] * 2


def test_control_report_says_whether_the_file_is_late(dated):
    expected = "Hors délai" if dated.late else "Dans les délais"
    assert summary_pairs(dated.result.control_report)["Délai de dépôt"] == expected


# --- pièces justificatives (SPEC §5.1) -------------------------------------------------------------

PIECES = {
    "pdf-contract": ("contrats/contrat-dupont.pdf", b"%PDF-1.4\n%%EOF\n",
                     datetime(2026, 11, 3, 10), "2026-10"),
    "word-evaluation": ("bilan fin de mission.docx", b"PK\x03\x04 pas un tableur",
                        datetime(2026, 11, 9, 10), "2026-10"),
    "scan-in-january": ("scan.jpg", b"\xff\xd8\xff\xe0 image", datetime(2026, 1, 4, 10),
                        "2025-12"),
}


@pytest.fixture(scope="module", params=PIECES.values(), ids=PIECES.keys())
def piece(request, tmp_path_factory):
    name, content, modified, month = request.param
    config = make_workspace(tmp_path_factory.mktemp("piece"))
    drop_bytes(config, "AI-NIORT", name, content, at=modified)
    with arrived_when_written():
        [result] = ingest(config)
    return SimpleNamespace(config=config, result=result, name=name, content=content, month=month)


def test_supporting_document_is_archived_and_leaves_the_inbox(piece):
    assert sha256_of(piece.content) in archived(piece.config)
    assert inbox_files(piece.config) == []


def test_supporting_document_is_logged_for_the_month_before_its_date(piece):
    [row] = ledger_files(piece.config).to_dict("records")
    assert (row["nom_fichier"], row["type"], row["mois"], row["statut"]) == (
        piece.name, "pièce justificative", piece.month, "traité")


def test_supporting_document_is_never_quarantined(piece):
    assert piece.result.statut == "traité"
    assert not any(piece.config.quarantine.rglob("*"))


# --- files left for the next pass (SPEC §5.1) ------------------------------------------------------

LEFT_ALONE = {
    "excel-lock": "~$releve.xlsx",
    "libreoffice-lock": ".~lock.releve.ods#",
    "temp-file": "releve.xlsx.tmp",
    "hidden-file": ".releve.xlsx",
    "hidden-folder": ".brouillons/releve.xlsx",
    "partial-download": "releve.xlsx.part",
    "still-being-written": "en-cours.xlsx",
}


@pytest.fixture(scope="module")
def left_alone(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("en-attente"))
    content = (SUBMISSIONS / "releve_suite_bureautique.xlsm").read_bytes()
    for key, name in LEFT_ALONE.items():
        fresh = key == "still-being-written"
        drop_bytes(config, "AI-NIORT", name, content,
                   at=NOW - timedelta(seconds=5) if fresh else datetime(2026, 11, 8, 9))
    before = snapshot(config.inbox)
    results, waiting = ingest_inbox(config, now=NOW)
    return SimpleNamespace(config=config, before=before, results=results, waiting=waiting)


@pytest.mark.parametrize("name", LEFT_ALONE.values(), ids=LEFT_ALONE.keys())
def test_lock_temp_hidden_and_fresh_files_stay_in_the_inbox_untouched(left_alone, name):
    key = str(Path("AI-NIORT") / name)
    assert snapshot(left_alone.config.inbox)[key] == left_alone.before[key]


def test_files_left_for_the_next_pass_are_neither_archived_nor_logged(left_alone):
    assert left_alone.results == []
    assert archived(left_alone.config) == {}
    assert ledger_files(left_alone.config).empty


def test_file_still_being_written_is_reported_as_waiting(left_alone):
    assert [p.name for p in left_alone.waiting] == ["en-cours.xlsx"]


# --- tableau de suivi ------------------------------------------------------------------------------


def test_tracking_table_is_recorded_as_the_structures_current_picture(tmp_path):
    config = make_workspace(tmp_path)
    copy_submission(config, "AI-NIORT", "suivi.xlsx")
    [result] = ingest(config)
    assert (result.statut, result.kind, result.lignes) == ("traité", "tableau de suivi", 4)
    with Ledger.from_config(config) as ledger:
        tracking = ledger.tracking()
    assert len(tracking) == 4
    assert set(tracking["code_structure"]) == {"AI-NIORT"}
    assert ledger_hours(config, counted_only=False).empty


def test_newer_tracking_table_replaces_the_previous_one(tmp_path):
    config = make_workspace(tmp_path)
    copy_submission(config, "AI-NIORT", "suivi.xlsx", at=datetime(2026, 10, 5, 9))
    ingest(config, now=datetime(2026, 10, 6, 9))
    book = openpyxl.load_workbook(SUBMISSIONS / "suivi.xlsx")
    book.active.delete_rows(book.active.max_row)  # one mission fewer
    newer = config.inbox / "AI-NIORT" / "suivi-novembre.xlsx"
    book.save(newer)
    set_file_time(newer, datetime(2026, 11, 5, 9))
    ingest(config)
    with Ledger.from_config(config) as ledger:
        current, history = ledger.tracking(), ledger.tracking(current_only=False)
    assert len(current) == 3 and len(history) == 7
    assert current["recu_le"].min() == NOW


# --- a crash mid-file (SPEC §7: all or nothing, re-running is safe) --------------------------------


class Crash(RuntimeError):
    pass


def crash_on_hour_lines(connection, table, rows, file_id):
    """Stands for Ledger._insert: the fichiers row and the superseding are done, then it dies."""
    raise Crash("panne simulée pendant l'écriture des lignes")


def crash(*args, **kwargs):
    raise Crash("panne simulée")


def test_crash_while_recording_lines_leaves_nothing_in_the_ledger(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx")
    monkeypatch.setattr(Ledger, "_insert", staticmethod(crash_on_hour_lines))
    [result] = ingest(config)
    assert result.statut == "erreur"
    assert ledger_files(config).empty
    assert all_hours(config).empty


def test_crash_while_recording_lines_leaves_the_file_in_the_inbox(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    path = drop_statement(config, "AI-NIORT", "releve.xlsx")
    before = snapshot(config.inbox)
    monkeypatch.setattr(Ledger, "_insert", staticmethod(crash_on_hour_lines))
    ingest(config)
    assert snapshot(config.inbox) == before
    assert path.is_file()


def test_rerun_after_a_ledger_crash_ingests_the_file_once(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx")
    with monkeypatch.context() as fault:
        fault.setattr(Ledger, "_insert", staticmethod(crash_on_hour_lines))
        ingest(config)
    [result] = ingest(config, now=NOW + timedelta(minutes=5))
    assert (result.statut, result.acceptees) == ("traité", 2)
    assert list(ledger_files(config)["statut"]) == ["traité"]
    assert len(all_hours(config)) == 2
    assert inbox_files(config) == []
    assert result.control_report.is_file()


def test_crash_while_recording_a_correction_keeps_the_earlier_version_current(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    first = drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    first_sha = sha256_of(first.read_bytes())
    ingest(config, now=datetime(2026, 11, 6, 9))
    drop_statement(config, "AI-NIORT", "releve-corrige.xlsx", at=datetime(2026, 11, 8, 9),
                   rows=[("P001", "M-001", "01/10/2026", "", "140", "CDDI")])
    monkeypatch.setattr(Ledger, "_insert", staticmethod(crash_on_hour_lines))
    ingest(config)
    current = ledger_hours(config, month="2026-10")
    assert set(current["sha256"]) == {first_sha} and len(current) == 2


def test_crash_while_writing_the_control_report_records_nothing_of_the_file(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    path = drop_statement(config, "AI-NIORT", "releve.xlsx")
    monkeypatch.setattr(checking, "write_control_report", crash)
    [result] = ingest(config)
    assert result.statut == "erreur"
    assert all_hours(config).empty  # the report comes before the ledger: none of it
    assert path.is_file()  # and the file waits for the next pass


def test_rerun_after_a_control_report_crash_counts_nothing_twice(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx")
    with monkeypatch.context() as fault:
        fault.setattr(checking, "write_control_report", crash)
        ingest(config)
    ingest(config, now=NOW + timedelta(minutes=5))
    assert len(all_hours(config)) == 2
    assert ledger_hours(config)["heures"].sum() == pytest.approx(151.67 + 7.5)
    assert inbox_files(config) == []


def test_rerun_after_a_control_report_crash_writes_the_control_report(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx")
    with monkeypatch.context() as fault:
        fault.setattr(checking, "write_control_report", crash)
        ingest(config)
    [result] = ingest(config, now=NOW + timedelta(minutes=5))
    assert list((config.outbox / "controles" / "AI-NIORT").glob("*releve*.xlsx"))
    assert result.statut == "traité"


def test_rerun_after_a_crash_while_quarantining_keeps_one_copy_in_quarantine(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    copy_submission(config, "AI-NIORT", "corrompu.xlsx")
    with monkeypatch.context() as fault:
        fault.setattr(Ledger, "record_file", crash)
        ingest(config)
    [result] = ingest(config, now=NOW + timedelta(minutes=5))
    assert result.statut == "quarantaine"
    kept = [p.name for p in (config.quarantine / "AI-NIORT").iterdir()
            if not p.name.endswith(".motif.txt")]
    assert kept == ["corrompu.xlsx"]


# --- control report names ------------------------------------------------------------------------


def test_two_files_with_the_same_stem_get_their_own_control_report(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "septembre/releve.xlsx",
                   month_cell="Période : septembre 2026",
                   rows=[("P001", "M-001", "01/09/2026", "", "140", "CDDI")])
    drop_statement(config, "AI-NIORT", "octobre/releve.xlsx", at=datetime(2026, 11, 8, 10))
    results = ingest(config)
    assert len({r.control_report for r in results}) == 2


# --- an invalid register stops the run before anything is touched (SPEC §4) ------------------------


def _negative_target(frames):
    frames["Marchés"].loc[1, "heures_objectif"] = -5.0


def _unreadable_end_date(frames):
    frames["Marchés"]["date_fin"] = frames["Marchés"]["date_fin"].astype(object)
    frames["Marchés"].loc[1, "date_fin"] = "fin 2026"


def _wrong_siret(frames):
    frames["Entreprises"].loc[0, "siret"] = "12345678901234"


INVALID_REGISTERS = {
    "negative-hours-target": (_negative_target, "Marchés", 3, "Heures objectif"),
    "unreadable-end-date": (_unreadable_end_date, "Marchés", 3, "Date de fin"),
    "siret-failing-luhn": (_wrong_siret, "Entreprises", 2, "SIRET"),
}


@pytest.fixture(params=INVALID_REGISTERS.values(), ids=INVALID_REGISTERS.keys())
def broken_register(request, tmp_path):
    spoil, sheet, row, column = request.param
    config = make_workspace(tmp_path)
    frames = register_frames()
    spoil(frames)
    write_registers(config.registers_path, frames)
    drop_statement(config, "AI-NIORT", "releve.xlsx")
    copy_submission(config, "AI-NIORT", "corrompu.xlsx")
    return SimpleNamespace(config=config, sheet=sheet, row=row, column=column)


def test_invalid_register_stops_the_run_naming_sheet_row_and_column(broken_register):
    with pytest.raises(RegisterError) as raised:
        ingest(broken_register.config)
    message = str(raised.value)
    assert f"feuille « {broken_register.sheet} », ligne {broken_register.row}, colonne « " \
           f"{broken_register.column} »" in message


def test_invalid_register_leaves_the_inbox_untouched(broken_register):
    config = broken_register.config
    before = snapshot(config.inbox)
    with pytest.raises(RegisterError):
        ingest(config)
    assert snapshot(config.inbox) == before
    assert archived(config) == {}
    assert not any(config.quarantine.rglob("*"))
    assert not (config.state / "clauses.sqlite").exists()


# --- many files in one pass: checked in worker processes, recorded in drop order ---------------------


def test_a_large_pass_is_checked_in_parallel_and_recorded_in_drop_order(tmp_path):
    config = make_workspace(tmp_path)
    count = 12
    for i in range(count):
        drop_statement(config, "AI-NIORT", f"releve-{i:02d}.xlsx", at=datetime(2026, 11, 8, 9, i),
                       rows=[("P001", "M-001", "01/10/2026", "", f"{10 + i}", "CDDI")])
    content = (config.inbox / "AI-NIORT" / "releve-00.xlsx").read_bytes()
    drop_bytes(config, "AI-NIORT", "copie.xlsx", content, at=datetime(2026, 11, 8, 10))
    results = ingest(config)
    assert [r.name for r in results] == [f"releve-{i:02d}.xlsx" for i in range(count)] + [
        "copie.xlsx"]
    assert [r.statut for r in results] == ["traité"] * count + ["déjà reçu"]
    # Each relevé replaced the one before it: the last one dropped is the current version.
    assert ledger_hours(config, month="2026-10")["heures"].tolist() == [10.0 + count - 1]
    assert all(r.control_report.is_file() for r in results)
    assert inbox_files(config) == []
