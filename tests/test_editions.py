"""Report editions through the jobs (SPEC §7, §8; issues 12.7, 16.2): recorded in the ledger,
named by recipient and period, never overwritten, sent once each."""

from datetime import datetime

import pytest
from workspace_factory import drop_statement, make_workspace

from clauses.app.jobs import run_monthly
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger
from clauses.reports.editions import edition_number, latest_editions, recipient_of

ELEVENTH = datetime(2026, 11, 11, 7)
LATE_ROWS = [("P001", "M-001", "01/10/2026", "", "151,67", "CDDI"),
             ("P002", "M-001", "06/10/2026", "31/10/2026", "17h30", "mission d'intérim")]


@pytest.fixture
def workspace(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    ingest_inbox(config, now=datetime(2026, 11, 9, 8))
    return config


def _editions(config):
    with Ledger.from_config(config) as ledger:
        return ledger.editions()


def test_each_report_is_recorded_with_its_recipient_period_and_hash(workspace):
    run_monthly(workspace, "2026-10", now=ELEVENTH)
    recorded = _editions(workspace)
    mo = recorded[recorded["type"] == "rapport-mensuel-mo"].iloc[0]
    assert (mo["periode"], mo["destinataire"], mo["numero"]) == ("2026-10", "CAN", 1)
    assert mo["chemin"] == "2026-10/maitres-ouvrage/CAN-rapport-mensuel-2026-10.xlsx"
    assert mo["arrete_au"] == ELEVENTH and len(mo["sha256"]) == 64
    assert set(recorded["type"]) == {"rapport-mensuel-mo", "rapport-mensuel-entreprise",
                                     "suivi-depots"}


def test_rerun_with_nothing_new_writes_and_sends_nothing(workspace):
    first = run_monthly(workspace, "2026-10", now=ELEVENTH)
    files = sorted(workspace.outbox.rglob("*.xlsx"))
    again = run_monthly(workspace, "2026-10", now=datetime(2026, 11, 12, 9))
    assert sorted(workspace.outbox.rglob("*.xlsx")) == files
    assert len(_editions(workspace)) == len(first.editions.new)
    assert not [s for s in again.sends if s.status == "envoyé"]
    assert "0 nouvelle édition" in again.lines[0]


def test_a_correction_makes_a_second_edition_beside_the_first_and_sends_it(workspace):
    run_monthly(workspace, "2026-10", now=ELEVENTH)
    first = workspace.outbox / "2026-10/maitres-ouvrage/CAN-rapport-mensuel-2026-10.xlsx"
    sent = first.read_bytes()
    drop_statement(workspace, "AI-NIORT", "releve-octobre-corrige.xlsx", rows=LATE_ROWS,
                   at=datetime(2026, 11, 12, 8))
    ingest_inbox(workspace, now=datetime(2026, 11, 12, 9))
    report = run_monthly(workspace, "2026-10", now=datetime(2026, 11, 12, 10))
    second = first.with_name("CAN-rapport-mensuel-2026-10-ed2.xlsx")
    assert first.read_bytes() == sent and second.is_file()
    keys = {s.key for s in report.sends if s.status == "envoyé"}
    assert "rapport-mensuel-mo/2026-10/CAN/ed2" in keys
    recorded = _editions(workspace)
    assert recorded[(recorded["destinataire"] == "CAN")]["numero"].tolist() == [1, 2]


def test_an_unrecorded_file_in_the_way_is_never_overwritten(workspace):
    folder = workspace.outbox / "2026-10" / "maitres-ouvrage"
    folder.mkdir(parents=True)
    stray = folder / "CAN-rapport-mensuel-2026-10.xlsx"
    stray.write_bytes(b"written by a run that crashed before recording it")
    run_monthly(workspace, "2026-10", now=ELEVENTH)
    assert stray.read_bytes().startswith(b"written by a run")
    assert (folder / "CAN-rapport-mensuel-2026-10-ed2.xlsx").is_file()


@pytest.mark.parametrize(("name", "kind", "period", "who", "number"), [
    ("CAN-rapport-mensuel-2026-10.xlsx", "rapport-mensuel-mo", "2026-10", "CAN", 1),
    ("MO-CAN-rapport-mensuel-2026-10-ed3.xlsx", "rapport-mensuel-mo", "2026-10", "MO-CAN", 3),
    ("12345678901237-rapport-mensuel-2026-10.xlsx", "rapport-mensuel-entreprise", "2026-10",
     "12345678901237", 1),
    ("AI-NIORT-salaries-2026-S1-ed2.xlsx", "tableau-semestriel", "2026-S1", "AI-NIORT", 2),
    ("AI-NIORT-salaries-2026-S1-provisoire.xlsx", "tableau-semestriel", "2026-S1", None, 1),
    ("CAN-rapport-mensuel-2026-09.xlsx", "rapport-mensuel-mo", "2026-10", None, 1),
], ids=["mo", "mo-hyphen-ed3", "company", "semester-ed2", "provisional", "other-month"])
def test_file_names_carry_recipient_period_and_edition(tmp_path, name, kind, period, who,
                                                        number):
    path = tmp_path / name
    assert recipient_of(path, kind, period) == who
    assert edition_number(path) == number


def test_only_the_newest_edition_of_each_report_is_due(tmp_path):
    names = ["CAN-rapport-mensuel-2026-10.xlsx", "CAN-rapport-mensuel-2026-10-ed2.xlsx",
             "NIORT-rapport-mensuel-2026-10.xlsx", ".CAN-rapport-mensuel-2026-10.en-cours.xlsx"]
    assert [p.name for p in latest_editions(tmp_path / n for n in names)] == [
        "CAN-rapport-mensuel-2026-10-ed2.xlsx", "NIORT-rapport-mensuel-2026-10.xlsx"]
