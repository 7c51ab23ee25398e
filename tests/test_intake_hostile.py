"""The inbox as a hostile sender or a clumsy operator leaves it (issue 13, SPEC §5.1, §7).

Each test is one thing that went wrong before: a file still being written, a file overwritten
during a pass, names no file system agrees on, a commit that must be on disk before the inbox
copy goes. Real workspaces, real files, a real SQLite ledger; the only patching simulates a
writer acting at a precise moment of the pass.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import hostile_corpus
import pytest
import sqlalchemy as sa
from workspace_factory import drop_bytes, drop_statement, make_workspace, with_settings

import clauses.ingest.inbox_pass as intake
from clauses.app.jobs import ingest_and_send
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger
from clauses.ledger.engine import create_ledger_engine
from clauses.workspace.archive import sha256_of
from clauses.workspace.inbox import display_name

NOW = datetime(2026, 11, 12, 12, 0)
ONE_LINE = [("P001", "M-001", "01/10/2026", "", "10", "CDDI")]
OTHER_LINE = [("P001", "M-001", "01/10/2026", "", "99", "CDDI")]


def counted_hours(config) -> float:
    with Ledger.from_config(config) as ledger:
        return float(ledger.hours()["heures"].sum())


def inbox_files(config) -> list[Path]:
    return sorted(p for p in config.inbox.rglob("*") if p.is_file())


# --- What is wrong 2: the ledger counts exactly the bytes it archived -------------------------


@pytest.fixture
def overwritten(tmp_path, monkeypatch):
    """A relevé of 10 h that the structure overwrites with 99 h right after it was archived."""
    config = make_workspace(tmp_path)
    path = drop_statement(config, "AI-NIORT", "releve.xlsx", rows=ONE_LINE)
    first = path.read_bytes()
    newer = drop_statement(config, "AI-NIORT", "autre.xlsx", rows=OTHER_LINE)
    second = newer.read_bytes()
    newer.unlink()
    archive = intake.archive_file

    def archive_then_overwrite(root, source, suffix, seen):
        found = archive(root, source, suffix, seen)
        if source == path and path.read_bytes() == first:  # saved again, under the same name
            path.write_bytes(second)
            os.utime(path, ((NOW - timedelta(days=1)).timestamp(),) * 2)
        return found

    monkeypatch.setattr(intake, "archive_file", archive_then_overwrite)
    results, waiting = ingest_inbox(config, now=NOW)
    return config, path, results, waiting, first, second


def test_file_overwritten_during_a_pass_counts_the_archived_bytes(overwritten):
    config, _path, [result], _waiting, first, _second = overwritten
    with Ledger.from_config(config) as ledger:
        hours = ledger.hours()
    assert (result.sha256, set(hours["sha256"]), float(hours["heures"].sum())) == (
        sha256_of(first), {sha256_of(first)}, 10.0)


def test_file_overwritten_during_a_pass_stays_in_the_inbox_with_its_new_bytes(overwritten):
    _config, path, *_rest, second = overwritten
    assert path.read_bytes() == second


def test_file_overwritten_during_a_pass_is_counted_at_the_next_pass(overwritten):
    config, *_ = overwritten
    ingest_inbox(config, now=NOW + timedelta(minutes=5))
    assert (counted_hours(config), inbox_files(config)) == (99.0, [])


# --- What is wrong 1: a file still being written is never consumed ---------------------------


def test_file_modified_after_the_pass_clock_waits(tmp_path):
    """A share's clock ahead of ours: the file's mtime is in the pass's future."""
    config = make_workspace(tmp_path)
    path = drop_statement(config, "AI-NIORT", "releve.xlsx", rows=ONE_LINE,
                          at=NOW + timedelta(minutes=3))
    results, waiting = ingest_inbox(config, now=NOW)
    assert (results, waiting, path.exists()) == ([], [path], True)


# --- What is wrong 3: names in any bytes, any length, with line breaks -----------------------

NAMES = {
    "latin1-bytes": os.fsdecode(b"relev\xe9 d\xe9cembre.csv"),
    "line-breaks": "relevé\r\nBcc: x@y.fr.csv",
    "very-long": "relevé " + "é" * 115 + ".csv",  # 237 bytes: the longest a share allows
    "invisible-controls": "rel\u202eevé\x07.csv",
}
CSV = ("Période : octobre 2026\n\nN° participant;Code marché;Date de début de mission;Heures;"
       "Type de contrat\nP001;M-001;01/10/2026;10;CDDI\n").encode()


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_odd_file_name_is_processed_under_a_readable_name(tmp_path, name):
    config = make_workspace(tmp_path)
    drop_bytes(config, "AI-NIORT", name, CSV)
    results, _ = ingest_inbox(config, now=NOW)
    [result] = results
    assert (result.statut, result.lignes, counted_hours(config)) == ("traité", 1, 10.0), result.message
    assert result.control_report.is_file() and inbox_files(config) == []
    shown = result.name
    assert shown.isprintable() and len(shown.encode("utf-8")) <= 150 and shown.endswith(".csv")


def test_odd_file_name_in_quarantine_keeps_its_bytes_and_reason(tmp_path):
    config = make_workspace(tmp_path)
    drop_bytes(config, "AI-NIORT", os.fsdecode(b"d\xe9fectueux\n.xlsx"), b"not a workbook")
    [result] = ingest_inbox(config, now=NOW)[0]
    [copy] = [p for p in config.quarantine.rglob("*.xlsx")]
    assert (result.motif, copy.read_bytes()) == ("FICHIER_ILLISIBLE", b"not a workbook")
    assert copy.with_name(copy.name + ".motif.txt").read_text(encoding="utf-8").startswith(
        "FICHIER_ILLISIBLE — ")


def test_error_log_survives_a_name_in_any_bytes(tmp_path, monkeypatch):
    config = make_workspace(tmp_path)
    path = drop_bytes(config, "AI-NIORT", os.fsdecode(b"r\xe9sum\xe9.csv"), CSV)

    def fail(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(intake, "check_spreadsheet", fail)
    [result] = ingest_inbox(config, now=NOW)[0]
    assert (result.statut, path.exists()) == ("erreur", True)
    assert "panne simulée" in (config.state / "erreurs.log").read_text(encoding="utf-8")


# --- What is wrong 8: the inbox copy goes only once its commit is on disk --------------------


def test_sqlite_ledger_commits_are_durable_before_the_inbox_copy_goes(tmp_path):
    config = make_workspace(tmp_path)
    Ledger.from_config(config).close()
    engine = create_ledger_engine(config.database_url)
    with engine.connect() as connection:
        # 2 = FULL: a commit is on disk when it returns (NORMAL, 1, may lose it on power loss).
        assert connection.execute(sa.text("PRAGMA synchronous")).scalar() == 2
    engine.dispose()


# --- What is wrong 3 and 4: a corpus of bad input, one pass ----------------------------------

# The pass runs in its own process, as `clauses ingest` does: a native abort there would fail
# this test instead of killing pytest, and its peak memory is its own.
ONE_PASS = """
import json, resource, sys
from datetime import datetime
from clauses.config import load_config
from clauses.ingest import ingest_inbox
results, waiting = ingest_inbox(load_config(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]))
print(json.dumps({
    "results": [[r.structure, r.name, r.statut, r.motif, r.message, r.sha256] for r in results],
    "waiting": len(waiting),
    "peak_pass": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    "peak_worker": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
}))
"""
KINDS = hostile_corpus.kinds()
GIB = 1024 ** 3


def run_pass(config, now: datetime = NOW) -> dict:
    done = subprocess.run([sys.executable, "-c", ONE_PASS, str(config.source), now.isoformat()],
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    config = with_settings(make_workspace(tmp_path_factory.mktemp("corpus")),
                           **hostile_corpus.SETTINGS)
    paths = hostile_corpus.write_corpus(config.inbox, KINDS)
    stamp = (NOW - timedelta(days=1)).timestamp()
    for path in paths.values():
        os.utime(path, (stamp, stamp))
    outcome = run_pass(config)
    by_name = {(s, n): (statut, motif, message, sha)
               for s, n, statut, motif, message, sha in outcome["results"]}
    return SimpleNamespace(config=config, paths=paths, outcome=outcome, by_name=by_name)


def shown(kind: hostile_corpus.Kind) -> tuple[str, str]:
    """The structure and name a person reads for a kind's file."""
    if not kind.folder:
        return "", display_name(kind.name)
    return display_name(kind.folder), "/".join(display_name(p) for p in kind.name.split("/"))


def test_corpus_has_at_least_forty_kinds():
    assert len(KINDS) >= 40


@pytest.mark.parametrize("key", KINDS, ids=KINDS)
def test_bad_input_gets_its_verdict_and_french_reason(corpus, key):
    kind = KINDS[key]
    if kind.statut == "ignoré":
        assert shown(kind) not in corpus.by_name
        return
    statut, motif, message, _sha = corpus.by_name[shown(kind)]
    assert statut == kind.statut, message
    if kind.statut != "traité":  # a counted file may carry a file-level alert (TOTAL_INCOHERENT)
        assert motif == kind.code, message
    for words in kind.words:
        assert words in message


@pytest.mark.parametrize("key", KINDS, ids=KINDS)
def test_bad_input_loses_nothing(corpus, key):
    """The bytes are in the archive, or in quarantine, or still in the inbox."""
    kind = KINDS[key]
    sha = sha256_of(kind.content)
    archived = [p for p in corpus.config.archive.rglob(f"{sha}*") if p.is_file()]
    still_there = corpus.paths[key].is_file() and corpus.paths[key].read_bytes() == kind.content
    assert archived or still_there
    if archived:
        assert archived[0].read_bytes() == kind.content
    if kind.statut == "ignoré":
        assert still_there


def test_bad_input_pass_stays_within_its_memory_bound(corpus):
    """depot.memoire_max_mo (1 GiB), whatever the files (a 300 MB string, 17 billion declared
    cells): the pass's process plus each of its workers at the largest one's peak (measured
    here: 286 + 2 × 162 Mo)."""
    workers = min(os.cpu_count() or 1, 4)
    peak = corpus.outcome["peak_pass"] + workers * corpus.outcome["peak_worker"]
    assert peak < GIB, f"{peak / 2**20:.0f} Mo"


def test_long_text_is_cut_before_the_ledger(corpus):
    with Ledger.from_config(corpus.config) as ledger:
        lines = ledger.hours(current_only=False, counted_only=False)
    longest = lines["id_participant"].dropna().str.len().max()
    assert longest <= 501  # 500 characters and "…"


# --- What is wrong 1: a file appended every 10 ms is never consumed half-written --------------

APPENDED_LINES = 218


def append_slowly(path: Path, done: threading.Event) -> None:
    """A structure's export writing its relevé line by line, one every 10 ms."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("Période : octobre 2026\n\n" + ";".join(hostile_corpus.HEADER) + "\n")
        handle.flush()
        for number in range(APPENDED_LINES):
            handle.write(f"P001;M-001;{1 + number % 28:02d}/10/2026;0,5;CDDI\n")
            handle.flush()
            time.sleep(0.01)
    done.set()


def test_file_written_during_passes_is_consumed_only_once_complete(tmp_path):
    config = with_settings(make_workspace(tmp_path), depot={"delai_stabilite_secondes": 2})
    path = config.inbox / "AI-NIORT" / "export.csv"
    path.parent.mkdir(parents=True)
    done = threading.Event()
    writer = threading.Thread(target=append_slowly, args=(path, done))
    writer.start()
    passes = 0
    while not done.is_set():
        # This machine's clock 30 s behind the share's, then on time: the file waits either way.
        for skew in (timedelta(seconds=-30), timedelta(0)):
            results, waiting = ingest_inbox(config, now=datetime.now(UTC) + skew)
            passes += 1
            assert (results, waiting) == ([], [path])
    writer.join()
    time.sleep(2.1)
    [result], _ = ingest_inbox(config, now=datetime.now(UTC))
    assert passes >= 2
    assert (result.statut, result.lignes, inbox_files(config)) == ("traité", APPENDED_LINES, [])


# --- SPEC §7 under SIGKILL: a demo-like inbox, the pass killed at random points --------------

KILLS = 10


def demo_like_inbox(config) -> None:
    """Three structures' months of relevés, with corrections, a tracking table and bad files."""
    for month in range(1, 7):
        for number, structure in enumerate(("AI-NIORT", "ETTI-SUD")):
            rows = [(participant, "M-001", f"01/{month:02d}/2026", "", f"{month * 7 + number}",
                     "CDDI") for participant in ("P001", "P002", "P003")]
            at = datetime(2026, month + 1, 3 + number, 9)
            drop_statement(config, structure, f"{month:02d}/releve.xlsx", rows=rows,
                           month_cell=f"Période : {month:02d}/2026", at=at)
            if month % 3 == 0:  # a correction a few days later
                rows = [(*row[:4], f"{float(row[4]) + 0.5}", row[5]) for row in rows]
                drop_statement(config, structure, f"{month:02d}/releve-corrige.xlsx", rows=rows,
                               month_cell=f"Période : {month:02d}/2026",
                               at=at + timedelta(days=2))
    drop_bytes(config, "AI-NIORT", "cellule-lointaine.xlsx",
               hostile_corpus.kinds()["far-away-cell"].content, at=datetime(2026, 5, 5))
    drop_bytes(config, "AI-NIORT", "corrompu.xlsx", b"PK\x03\x04 pas un classeur",
               at=datetime(2026, 6, 6))


def ledger_picture(config) -> tuple:
    """What reports read: the current counted hours line by line, each counted file once, the
    quarantined ones. (A pass killed between a commit and the unlink logs the file again as
    « déjà reçu » on the next pass, counting nothing: not compared.)"""
    with Ledger.from_config(config) as ledger:
        hours = ledger.hours()
        files = ledger.files()
    lines = sorted(hours[["code_structure", "id_participant", "mois", "heures"]]
                   .astype(str).itertuples(index=False))
    # By name: the two workspaces' xlsx files differ in their creation stamps, not their cells.
    named = files["code_structure"] + "/" + files["nom_fichier"]
    counted = sorted(named[files["statut"] == "traité"])
    quarantined = set(named[files["statut"] == "quarantaine"])
    return lines, counted, quarantined


@pytest.mark.slow
def test_pass_killed_at_random_points_loses_and_doubles_nothing(tmp_path):
    clean = make_workspace(tmp_path / "propre")
    demo_like_inbox(clean)
    started = time.monotonic()
    run_pass(clean)
    clean_seconds = time.monotonic() - started
    expected = ledger_picture(clean)
    assert inbox_files(clean) == []

    config = make_workspace(tmp_path / "tue")
    demo_like_inbox(config)
    chance = random.Random(13)
    for _ in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-c", ONE_PASS, str(config.source), NOW.isoformat()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.3, 1.0) * clean_seconds)
        process.send_signal(signal.SIGKILL)
        process.wait()
    for _ in range(3):
        if not inbox_files(config):
            break
        run_pass(config)
    assert inbox_files(config) == []
    lines, counted, quarantined = ledger_picture(config)
    assert lines == expected[0]  # no hours lost or doubled
    assert Counter(counted) - Counter(expected[1]) == Counter()  # no file counted twice
    assert (counted, quarantined) == expected[1:]


def test_file_name_with_line_breaks_gives_a_one_line_e_mail_subject(tmp_path):
    """No SMTP server: each control report e-mail is an .eml file, read back here."""
    config = make_workspace(tmp_path)
    drop_bytes(config, "AI-NIORT", "relevé\r\nBcc: x@exemple.fr.csv", CSV)
    _results, _waiting, sends = ingest_and_send(config, now=NOW)
    [sent] = sends
    message = email.message_from_bytes(sent.eml.read_bytes(), policy=email.policy.default)
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    assert message["Bcc"] is None
    assert "relevé  Bcc: x@exemple.fr.csv" in message["Subject"]
