"""Relevés covering several months (SPEC §6, §7, issue 12 point 5): lateness, counts, follow-up
and reminders are per month.

A structure sends, on 7 November, one workbook with its September and October lines. September's
deadline was 10 October, October's is 10 November: the September lines are late, the October
ones on time. Files in through the real inbox, the ledger and the workbooks read back.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from workspace_factory import make_workspace

from clauses.app.jobs import run_monthly, run_reminders, show_status
from clauses.config import Config
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger

DROPPED = datetime(2026, 11, 7, 9, 0)
SEPT_OCT_ROWS = [
    # Identifiant, Code marché, Mois, Début de mission, Heures
    ("P001", "M-001", "09/2026", "01/09/2026", "120"),
    ("P002", "M-001", "09/2026", "01/09/2026", "35,5"),
    ("P001", "M-001", "10/2026", "01/09/2026", "140"),
]


def drop_months(config: Config, structure: str, name: str, rows: list[tuple],
                at: datetime = DROPPED, title: str = "Relevé d'heures") -> Path:
    """A relevé whose month is given line by line in a `Mois` column (no period cell)."""
    frame = pd.DataFrame(rows, columns=["N° participant", "Code marché", "Mois",
                                        "Date de début de mission", "Nb heures"])
    frame["Type de contrat"] = "CDDI"
    path = config.inbox / structure / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="Heures", index=False, startrow=2)
        writer.sheets["Heures"].write(0, 0, f"{title} – {structure}")
    os.utime(path, (at.timestamp(), at.timestamp()))
    return path


def table(path: Path, sheet: str, first_header: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [tuple(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_header)
    return [dict(zip(rows[start], row, strict=True)) for row in rows[start + 1:]
            if any(row) and row[0] != "Total"]


@pytest.fixture(scope="module")
def two_months(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("deux-mois"))
    drop_months(config, "AI-NIORT", "releve-sept-oct.xlsx", SEPT_OCT_ROWS)
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, 7, 12, 0))
    reports = {month: run_monthly(config, month, now=datetime(2026, 11, 11, 7, 0), send=False)
               for month in ("2026-09", "2026-10")}
    reminders = run_reminders(config, now=datetime(2026, 11, 11, 8, 0))
    with Ledger.from_config(config) as ledger:
        months = ledger.file_months()
        lines = ledger.hours(counted_only=False)
    return SimpleNamespace(config=config, result=result, reports=reports, reminders=reminders,
                           months=months, lines=lines)


def followup_book(config: Config, month: str) -> Path:
    """The month's deposit follow-up (its first edition)."""
    return min((config.outbox / month).glob("suivi-depots*.xlsx"))


def followup_row(config: Config, month: str, structure: str) -> dict:
    rows = table(followup_book(config, month), "Suivi des dépôts", "Code structure")
    return next(row for row in rows if row["Code structure"] == structure)


LATE_BY_MONTH = {"september-late": ("2026-09", True), "october-on-time": ("2026-10", False)}


@pytest.mark.parametrize("month, late", LATE_BY_MONTH.values(), ids=LATE_BY_MONTH.keys())
def test_each_month_of_a_file_is_late_against_its_own_deadline_in_the_ledger(
        two_months, month, late):
    row = two_months.months.set_index("mois").loc[month]
    assert bool(row["en_retard"]) is late


@pytest.mark.parametrize("month, late", LATE_BY_MONTH.values(), ids=LATE_BY_MONTH.keys())
def test_lines_carry_their_own_months_lateness(two_months, month, late):
    lines = two_months.lines[two_months.lines["mois"] == month]
    assert list(lines["en_retard"]) == [late] * len(lines)


@pytest.mark.parametrize("month, late", LATE_BY_MONTH.values(), ids=LATE_BY_MONTH.keys())
def test_each_months_follow_up_judges_the_structure_on_that_month(two_months, month, late):
    row = followup_row(two_months.config, month, "AI-NIORT")
    assert row["Dépôt"] == ("Hors délai" if late else "Dans les délais")


LINES_BY_MONTH = {"september": ("2026-09", 2, 155.5), "october": ("2026-10", 1, 140.0)}


@pytest.mark.parametrize("month, lines, hours", LINES_BY_MONTH.values(),
                         ids=LINES_BY_MONTH.keys())
def test_each_months_follow_up_counts_only_that_months_lines(two_months, month, lines, hours):
    row = followup_row(two_months.config, month, "AI-NIORT")
    assert (row["Lignes acceptées"], row["Heures comptées"]) == (lines, hours)


@pytest.mark.parametrize("month", ["2026-09", "2026-10"])
def test_the_file_is_listed_in_each_months_file_list(two_months, month):
    rows = table(followup_book(two_months.config, month), "Fichiers", "Code structure")
    assert [r["Fichier"] for r in rows if r["Code structure"] == "AI-NIORT"] == [
        "releve-sept-oct.xlsx"]


def test_control_report_gives_each_months_deadline_verdict(two_months):
    book = openpyxl.load_workbook(two_months.result.control_report, read_only=True)
    pairs = {r[0]: r[1] for r in book["Résumé"].iter_rows(values_only=True) if r and r[0]}
    book.close()
    assert (pairs["Délai de dépôt — septembre 2026"],
            pairs["Délai de dépôt — octobre 2026"]) == ("Hors délai", "Dans les délais")


def test_no_reminder_for_a_month_the_structure_sent_in_a_two_month_file(two_months):
    reminded = {s.recipient for s in two_months.reminders.sends}
    assert reminded == {"etti@example.org"}


def test_ingest_result_names_only_the_late_month(two_months):
    assert two_months.result.mois_en_retard == ["2026-09"]


@pytest.mark.parametrize("month, shown", [("2026-09", "Hors délai"), ("2026-10", "Dans les délais")],
                         ids=["september-late", "october-on-time"])
def test_status_command_judges_each_month_on_its_own(two_months, capsys, month, shown):
    show_status(two_months.config, month)
    [row] = [line for line in capsys.readouterr().out.splitlines() if "AI-NIORT" in line]
    assert shown in row
