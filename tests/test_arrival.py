"""Arrival time is Clauses' own record (SPEC §6 « arrives », issue 12): the earlier of the inbox
file's inode change time and the clock of the pass that sees it — never the file's mtime, which
a copy keeps. Files in, ledger and control report read back."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from typer.testing import CliRunner
from workspace_factory import arrived_when_written, drop_statement, make_workspace

from clauses.cli import app
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger


def summary_pairs(path) -> dict[object, object]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = book["Résumé"].iter_rows(values_only=True)
        return {row[0]: row[1] for row in rows if row and row[0] is not None}
    finally:
        book.close()


def late_flags(config) -> tuple[list[bool], list[bool]]:
    with Ledger.from_config(config) as ledger:
        return list(ledger.files()["en_retard"]), list(ledger.hours()["en_retard"])


def test_file_saved_on_the_9th_and_dropped_on_the_20th_is_late(tmp_path):
    config = make_workspace(tmp_path)
    # The structure's copy keeps the date it was saved on (Explorer, cp -p, rsync)...
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 9, 16, 0))
    # ...but it reaches the inbox on the 20th: the pass that sees it runs then. No seam here:
    # the inode change time read is the real one, later than the pass.
    [result] = ingest_inbox(config, now=datetime(2026, 11, 20, 10, 5))[0]
    assert result.en_retard is True
    assert late_flags(config) == ([True], [True, True])
    pairs = summary_pairs(result.control_report)
    assert pairs["Délai de dépôt"] == "Hors délai"
    assert pairs["Arrivé dans le dépôt le"] == "20/11/2026 à 10:05"


def test_file_dropped_on_the_9th_and_read_on_the_12th_after_a_breakdown_is_on_time(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 9, 8, 0))
    # The server was down from the 9th to the 12th: the file system says when it came.
    with arrived_when_written(datetime(2026, 11, 9, 8, 10)):
        [result] = ingest_inbox(config, now=datetime(2026, 11, 12, 9, 0))[0]
    assert result.en_retard is False
    assert late_flags(config) == ([False], [False, False])
    pairs = summary_pairs(result.control_report)
    assert pairs["Délai de dépôt"] == "Dans les délais"
    assert pairs["Arrivé dans le dépôt le"] == "09/11/2026 à 08:10"


@pytest.mark.parametrize(
    ("replayed", "late"),
    [("2026-11-10T17:00", False), ("2026-11-11T09:00", True)],
    ids=["replayed-on-the-10th", "replayed-on-the-11th"],
)
def test_ingest_date_replays_a_pass_of_an_earlier_day(tmp_path, replayed, late):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 2, 9, 0))
    reply = CliRunner().invoke(app, ["--config", str(config.source), "ingest",
                                     "--date", replayed])
    assert reply.exit_code == 0, reply.output
    assert late_flags(config) == ([late], [late, late])


def test_arrival_order_decides_which_relevé_is_current(tmp_path):
    config = make_workspace(tmp_path)
    # The correction was saved first but dropped second: the later arrival replaces.
    drop_statement(config, "AI-NIORT", "correction.xlsx", at=datetime(2026, 11, 2, 9, 0),
                   rows=[("P001", "M-001", "01/10/2026", "", "100", "CDDI")])
    drop_statement(config, "AI-NIORT", "premier.xlsx", at=datetime(2026, 11, 3, 9, 0),
                   rows=[("P001", "M-001", "01/10/2026", "", "90", "CDDI")])
    times = {"premier.xlsx": datetime(2026, 11, 4, 9), "correction.xlsx": datetime(2026, 11, 6, 9)}
    with arrived_when_written(per_file=times):
        ingest_inbox(config, now=datetime(2026, 11, 7, 9, 0))
    with Ledger.from_config(config) as ledger:
        assert list(ledger.hours()["heures"]) == [100.0]
