"""One clock (SPEC §6, issue 12): every date and time is the workspace's (Europe/Paris), whatever
the server's zone — this machine runs on UTC. Files in, ledger and workbooks read back."""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl
import pytest
from typer.testing import CliRunner
from workspace_factory import drop_statement, make_workspace, with_settings

from clauses.app.jobs import run_monthly
from clauses.cli import app
from clauses.clock import parse_moment
from clauses.config import load_config
from clauses.errors import ConfigError
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger

# October's relevé, as the factory writes it (two lines, 151,67 h and 7h30 for M-001).
SEPTEMBER_DONE = datetime(2026, 10, 6, 12, 0)


def ingest_cli(config, date_text: str):
    return CliRunner().invoke(app, ["--config", str(config.source), "ingest", "--date", date_text])


def lines_of(config):
    with Ledger.from_config(config) as ledger:
        return ledger.hours(counted_only=False), ledger.files()


@pytest.mark.parametrize(
    ("date_text", "late"),
    [("2026-11-09T08:00:00+01:00", False),  # 08:00 in Paris on the 9th
     ("2026-11-10T23:30:00+00:00", True),  # 00:30 on the 11th in Paris: after the deadline
     ("2026-11-10T23:30:00", False)],  # no offset: Paris wall-clock time, still the 10th
    ids=["aware-paris", "aware-utc-past-midnight-in-paris", "naive-is-paris"],
)
def test_ingest_date_with_or_without_offset_is_judged_in_paris(tmp_path, date_text, late):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    reply = ingest_cli(config, date_text)
    assert reply.exit_code == 0, reply.output
    hours, files = lines_of(config)
    assert list(files["en_retard"]) == [late]
    assert list(hours["en_retard"]) == [late, late]


def test_october_lines_dropped_at_half_past_midnight_on_1_november_in_paris_are_not_future(
        tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 10, 31, 23, 0))
    # 23:30 UTC on 31 October is 00:30 on 1 November in Paris: October is over.
    ingest_inbox(config, now=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    hours, _ = lines_of(config)
    assert list(hours["statut"]) == ["acceptée", "acceptée"]
    assert not hours["motifs"].str.contains("PERIODE_FUTURE").any()


def test_received_time_in_the_ledger_is_paris_wall_clock_time(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    ingest_inbox(config, now=datetime(2026, 11, 9, 7, 0, tzinfo=UTC))
    hours, files = lines_of(config)
    assert list(files["recu_le"]) == [datetime(2026, 11, 9, 8, 0)]
    assert set(hours["recu_le"]) == {datetime(2026, 11, 9, 8, 0)}


def edited_line(path) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return book.worksheets[0]["A4"].value
    finally:
        book.close()


def test_monthly_report_says_edited_at_paris_time(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    ingest_inbox(config, now=datetime(2026, 11, 5, 10))
    # 10:52 UTC is 11:52 in Paris (winter time).
    report = run_monthly(config, "2026-10", now=datetime(2026, 11, 11, 10, 52, tzinfo=UTC),
                         send=False)
    assert {edited_line(path) for path in report.written} == {"Édité le 11/11/2026 à 11:52"}


def test_parse_moment_reads_a_naive_time_in_the_zone_and_converts_an_aware_one():
    assert parse_moment("2026-11-09T08:00:00+01:00", "Europe/Paris") == datetime(
        2026, 11, 9, 7, 0, tzinfo=UTC)
    assert parse_moment("2026-07-01T08:00", "Europe/Paris").utcoffset().total_seconds() == 7200


@pytest.mark.parametrize("zone", ["Europe/Pariss", "Paris", "UTC+1", " Europe/Paris"],
                         ids=["typo", "city-only", "offset", "leading-space"])
def test_unknown_time_zone_is_refused_in_french(tmp_path, zone):
    config = make_workspace(tmp_path)
    with pytest.raises(ConfigError) as caught:
        with_settings(config, planification={"fuseau": zone})
    assert "« planification.fuseau » doit être un fuseau horaire IANA" in str(caught.value)


def test_another_real_zone_moves_the_deadline(tmp_path):
    # Cayenne is 4 hours behind Paris: 01:00 on the 11th in Paris is still the 10th there.
    config = with_settings(make_workspace(tmp_path), planification={"fuseau": "America/Cayenne"})
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    ingest_inbox(load_config(config.source), now=datetime(2026, 11, 11, 0, 0, tzinfo=UTC))
    _, files = lines_of(config)
    assert list(files["en_retard"]) == [False]
