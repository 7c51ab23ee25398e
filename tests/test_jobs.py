"""Jobs behind the commands: what is sent, what is refused, what is said."""

from datetime import datetime

import pytest
from workspace_factory import drop_statement, make_workspace

from clauses.app.jobs import run_annual, run_monthly, run_reminders, run_send
from clauses.ingest import ingest_inbox
from clauses.periods import PeriodNotOver


@pytest.fixture
def workspace(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    ingest_inbox(config, now=datetime(2026, 11, 9, 8))
    return config


def test_monthly_report_of_a_month_not_over_is_refused(workspace):
    with pytest.raises(PeriodNotOver, match="Le mois 2026-11 n'est pas terminé"):
        run_monthly(workspace, "2026-11", now=datetime(2026, 11, 25, 9))


def test_send_leaves_a_provisional_bilan_with_the_guichet(workspace):
    run_annual(workspace, 2026, provisoire=True, now=datetime(2026, 11, 25, 9))
    report = run_send(workspace, now=datetime(2026, 11, 25, 9))
    assert not [s for s in report.sends if "bilan" in s.key]


def test_send_sends_the_bilan_once_the_year_is_over(workspace):
    run_annual(workspace, 2026, now=datetime(2027, 1, 20, 7), send=False)
    report = run_send(workspace, now=datetime(2027, 1, 20, 9))
    assert {s.recipient for s in report.sends if s.key.startswith("bilan-annuel/2026/")} >= {
        "ai@example.org", "etti@example.org"}


def test_second_reminder_day_says_nobody_gets_the_same_reminder_twice(workspace):
    run_reminders(workspace, now=datetime(2026, 12, 5, 8))
    again = run_reminders(workspace, now=datetime(2026, 12, 6, 8))
    assert again.lines[-1] == "Chacune a déjà reçu ce rappel : aucun nouveau courriel."
