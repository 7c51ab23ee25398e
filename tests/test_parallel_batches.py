"""Ingest batches run in parallel (issue 14.2): each batch holds only its structures' lock, so
batches of other structures proceed together, on SQLite and on PostgreSQL, while a participant's
month is still judged across structures (SPEC §6) and every file is counted once. Real
processes on a real ledger; relevés in, ledger and inbox read back."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import yaml
from workspace_factory import (
    drop_statement,
    make_workspace,
    register_frames,
    with_unattached_participant,
    write_registers,
)

from clauses.app.review import months_received_since
from clauses.config import Config, load_config
from clauses.errors import PassInProgress
from clauses.ingest import ingest_inbox
from clauses.ingest.inbox_pass import (
    IngestRun,
    commit,
    in_batch,
    receive,
    reevaluate_received_lines,
    register_context,
)
from clauses.ingest.one_file import Received, check_spreadsheet
from clauses.ledger import Ledger
from clauses.workspace.inbox import scan_inbox
from tests.postgres_cluster import empty_postgres

REPO = Path(__file__).parent.parent
NOW = datetime(2026, 11, 9, 12, 0)
FILES = 4  # per structure
# P004 is attached to no structure; both structures declare 150 h and 153 h of October for
# him on M-001: 303 h, over the 208 h a month (SPEC §6).
P004 = {"AI-NIORT": "150", "ETTI-SUD": "153"}
OWN = {"AI-NIORT": ("P001", "M-001", "01/10/2026", "", "{h},5", "CDDI"),
       "ETTI-SUD": ("P003", "M-002", "16/10/2026", "", "{h}", "CDD")}


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Config]:
    """The factory's territory plus P004; its ledger on SQLite or PostgreSQL."""
    made = with_unattached_participant(make_workspace(tmp_path / "espace"))
    raw = yaml.safe_load(made.source.read_text(encoding="utf-8")) or {}
    raw.setdefault("depot", {})["delai_stabilite_secondes"] = 0
    postgres = None
    if request.param == "postgresql":
        postgres = request.getfixturevalue("postgres_url")
        empty_postgres(postgres)
        raw["base_de_donnees"] = postgres
    made.source.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    yield load_config(made.source)
    if postgres:
        empty_postgres(postgres)


def _drop_month(config: Config) -> None:
    """Each structure sends October `FILES` times (each a correction of the one before); only
    its last relevé declares P004."""
    dropped = datetime(2026, 11, 5, 9, 0)
    for number in range(FILES):
        for structure, own in OWN.items():
            rows = [tuple(cell.format(h=10 + number) for cell in own)]
            if number == FILES - 1:
                rows.append(("P004", "M-001", "01/10/2026", "", P004[structure], "CDDI"))
            drop_statement(config, structure, f"releve-{number}.xlsx", rows=rows,
                           at=dropped + timedelta(minutes=number))


# A batch run as a worker runs it, in its own process: it takes its structures' lock, says so,
# and waits until the other batch holds its own before going on (so the two provably overlap).
BATCH = """
import sys, time
from pathlib import Path
from datetime import datetime
from clauses.config import load_config
from clauses.ingest.inbox_pass import IngestRun, in_batch, run_pass
from clauses.workspace.inbox import scan_inbox

config_path, structure, mine, other = sys.argv[1:]
config = load_config(config_path)
run = IngestRun.open(config, datetime(2026, 11, 9, 12, 0), [structure])
try:
    Path(mine).touch()
    deadline = time.monotonic() + 120
    while not Path(other).exists():
        if time.monotonic() > deadline:
            sys.exit("l'autre lot n'a jamais tenu son verrou en même temps")
        time.sleep(0.05)
    candidates, _ = scan_inbox(config.inbox, now=run.now, stable_seconds=0)
    results = run_pass(run, in_batch(candidates, [structure]))
finally:
    run.close()
print(";".join(sorted({r.statut for r in results})))
"""


def test_batches_of_other_structures_ingest_together_and_judge_across(config: Config,
                                                                      tmp_path: Path) -> None:
    _drop_month(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = str(REPO)
    flags = {s: tmp_path / f"verrou-{s}" for s in OWN}
    a, b = OWN
    batches = [subprocess.Popen([sys.executable, "-c", BATCH, str(config.source), mine,
                                 str(flags[mine]), str(flags[other])], cwd=config.root, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for mine, other in ((a, b), (b, a))]
    outputs = [batch.communicate(timeout=300) for batch in batches]
    for batch, (out, err) in zip(batches, outputs, strict=True):
        assert batch.returncode == 0, out + err
        assert out.strip() == "traité", out + err
    with Ledger.from_config(config) as ledger:
        files = ledger.files()
        october = ledger.hours(month="2026-10", counted_only=False)
    # Every file once, all processed, none left in the inbox.
    assert len(files) == 2 * FILES and set(files["statut"]) == {"traité"}
    assert files["sha256"].is_unique
    assert not list(config.inbox.rglob("*.xlsx"))
    # Whichever batch recorded P004 second saw the other's line inside its transaction:
    # 303 h are never both counted; the second declaration is refused, both are flagged.
    p004 = october[october["id_participant"] == "P004"]
    verdicts = sorted(zip(p004["statut"], p004["motifs"], strict=True))
    assert verdicts[0] == ("acceptée avec alerte", "DOUBLE_DECLARATION")
    assert verdicts[1][0] == "rejetée"
    assert set(verdicts[1][1].split(";")) == {"HEURES_HORS_LIMITES", "DOUBLE_DECLARATION"}
    assert len(verdicts) == 2
    # Each structure's last relevé is its current October (corrections in drop order).
    own = october[october["id_participant"] != "P004"].set_index("code_structure")["heures"]
    assert own.to_dict() == {"AI-NIORT": 13.5, "ETTI-SUD": 13.0}


def test_a_batch_sharing_a_structure_leaves_its_files_for_the_next_pass(config: Config) -> None:
    _drop_month(config)
    before = sorted(p.relative_to(config.inbox) for p in config.inbox.rglob("*.xlsx"))
    with Ledger.from_config(config) as other:
        other.lock_pass(structures=["ETTI-SUD"])
        with pytest.raises(PassInProgress) as busy:
            ingest_inbox(config, now=NOW, structures=["AI-NIORT", "ETTI-SUD"])
    assert str(busy.value).startswith("Une relève de ETTI-SUD est déjà en cours depuis ")
    assert str(busy.value).endswith("celle-ci n'a rien fait : ses fichiers restent dans le "
                                    "dépôt pour la relève suivante.")
    # Nothing touched: every file still in the inbox, nothing archived or recorded.
    assert sorted(p.relative_to(config.inbox) for p in config.inbox.rglob("*.xlsx")) == before
    assert not [p for p in config.archive.rglob("*") if p.is_file()]
    # The next pass takes them.
    results, _ = ingest_inbox(config, now=NOW, structures=["ai-niort", "ETTI-SUD"])
    assert len(results) == 2 * FILES and {r.statut for r in results} == {"traité"}


def test_a_relevé_checked_while_another_batch_records_is_judged_with_its_lines(
        config: Config) -> None:
    drop_statement(config, "AI-NIORT", "releve.xlsx",
                   rows=[("P004", "M-001", "01/10/2026", "", "150", "CDDI")])
    drop_statement(config, "ETTI-SUD", "releve.xlsx",
                   rows=[("P004", "M-001", "01/10/2026", "", "153", "CDDI")])
    etti = IngestRun.open(config, NOW, ["ETTI-SUD"])
    try:
        candidates, _ = scan_inbox(config.inbox, now=etti.now, stable_seconds=0)
        [candidate] = in_batch(candidates, ["ETTI-SUD"])
        received = receive(etti, candidate)
        assert isinstance(received, Received)
        checked = check_spreadsheet(etti.context, received)  # nothing elsewhere yet
        # Meanwhile the other batch records AI-NIORT's 150 h.
        ingest_inbox(config, now=NOW, structures=["AI-NIORT"])
        result = commit(etti, checked)
    finally:
        etti.close()
    with Ledger.from_config(config) as ledger:
        lines = ledger.hours(counted_only=False).set_index("code_structure")
    assert lines.loc["ETTI-SUD", "statut"] == "rejetée"
    assert set(lines.loc["ETTI-SUD", "motifs"].split(";")) == {"HEURES_HORS_LIMITES",
                                                              "DOUBLE_DECLARATION"}
    assert (lines.loc["AI-NIORT", "statut"], lines.loc["AI-NIORT", "motifs"]) == (
        "acceptée avec alerte", "DOUBLE_DECLARATION")
    assert result.rejetees == 1


def test_the_months_a_split_pass_recorded_are_read_back_for_the_review_pages(
        config: Config) -> None:
    _drop_month(config)
    ingest_inbox(config, now=NOW, structures=["AI-NIORT"])
    ingest_inbox(config, now=NOW, structures=["ETTI-SUD"])
    assert months_received_since(config, NOW) == ["2026-10"]
    assert months_received_since(config, NOW + timedelta(seconds=1)) == []


def test_a_reevaluation_of_lines_another_batch_changed_leaves_the_registers_for_next_time(
        config: Config) -> None:
    """Two batches started after a register change both re-evaluate the lines received; the
    one that records second judged lines the first has since given a new version: it changes
    nothing and leaves the registers' fingerprint unrecorded, so the next pass looks again."""
    drop_statement(config, "AI-NIORT", "releve.xlsx",
                   rows=[("P009", "M-001", "01/10/2026", "", "12", "CDDI")])
    ingest_inbox(config, now=NOW, structures=["AI-NIORT"])
    with Ledger.from_config(config) as first, Ledger.from_config(config) as second:
        [line] = first.reevaluation_lines()["id"]  # P009 is unknown: a rejected line
        before = first.register_fingerprint()
        verdicts = pd.DataFrame({
            "id": [int(line)], "id_participant": ["P001"], "code_marche": ["M-001"],
            "statut": ["acceptée"], "motifs": [""], "explications": [""], "decision": [""],
            "cause": ["participant ajouté au registre"]})
        assert first.record_reevaluation(verdicts, fingerprint="empreinte-1", sheets="",
                                         at=NOW) == 1
        assert second.record_reevaluation(verdicts, fingerprint="empreinte-2", sheets="",
                                          at=NOW) == 0
        assert first.register_fingerprint() == "empreinte-1" != before
        current = first.hours(counted_only=False)
    assert current["statut"].tolist() == ["acceptée"]


def test_a_batch_waits_for_another_batch_s_reevaluation_then_tells_it(config: Config) -> None:
    """After a register change, the batch that re-evaluates first holds the turn; the other
    waits, does not re-evaluate again, and its structure's control reports tell the verdicts
    the first one gave (each is told once: gathered too early, they would never be)."""
    drop_statement(config, "ETTI-SUD", "releve.xlsx",
                   rows=[("P009", "M-002", "16/10/2026", "", "20", "CDD")])
    ingest_inbox(config, now=NOW)  # P009 is not in the register yet: the line is rejected
    frames = register_frames()
    people = frames["Participants"]
    frames["Participants"] = pd.concat([people, people.iloc[[2]].assign(
        id_participant="P009", date_prescription=datetime(2026, 10, 1))],
                                       ignore_index=True)
    write_registers(config.registers_path, frames)
    later = NOW + timedelta(hours=1)
    registers, index = register_context(config)
    opened: list[IngestRun] = []
    with Ledger.from_config(config) as ledger:
        first = IngestRun(config, registers, ledger, later, index)  # the other batch, opening
        with ledger.reevaluation_turn(seconds=5):
            waiting = threading.Thread(
                target=lambda: opened.append(IngestRun.open(config, later, ["ETTI-SUD"])))
            waiting.start()
            time.sleep(1.0)
            assert waiting.is_alive() and not opened  # its turn has not come
            assert reevaluate_received_lines(first)["id_participant"].tolist() == ["P009"]
        waiting.join(timeout=60)
    [etti] = opened
    try:
        assert etti.reevaluated.empty  # done once, by the first
        assert etti.untold["ETTI-SUD"][["id_participant", "statut", "statut_avant"]].to_dict(
            "records") == [{"id_participant": "P009", "statut": "acceptée",
                            "statut_avant": "rejetée"}]
    finally:
        etti.close()
