"""A participant's month is judged across files and structures (SPEC §6, issue 12 point 8):
HEURES_HORS_LIMITES on the monthly total, DOUBLE_DECLARATION on both lines when two structures
declare the same participant, marché and month. Relevés in, ledger and control reports back."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pandas as pd
import pytest
from workspace_factory import drop_statement, make_workspace, with_unattached_participant

from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger

DROPPED = datetime(2026, 11, 5, 9, 0)


def workspace(tmp_path):
    """The factory's territory plus P004, a participant attached to no structure."""
    return with_unattached_participant(make_workspace(tmp_path))


def send(config, structure: str, rows: list[tuple], name: str, day: int):
    drop_statement(config, structure, name, rows=[
        (who, market, "01/10/2026", "", hours, "CDDI") for who, market, hours in rows],
        at=datetime(2026, 11, day, 9, 0))
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, day, 9, 10))
    return result


def lines(config) -> pd.DataFrame:
    with Ledger.from_config(config) as ledger:
        return ledger.hours(counted_only=False).set_index("code_structure")


def verdict(frame: pd.DataFrame, structure: str) -> tuple[str, list[str]]:
    [row] = frame.loc[[structure]].to_dict("records")
    return row["statut"], str(row["motifs"]).split(";")


def report_reasons(path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [r for r in book["Lignes"].iter_rows(values_only=True)]
    finally:
        book.close()
    header = rows[next(i for i, r in enumerate(rows) if r and "Motifs" in r)]
    at = header.index("Motifs")
    return [r[at] for r in rows[rows.index(header) + 1:] if r and r[at]]


def test_same_month_declared_by_two_structures_over_the_limit_is_not_summed(tmp_path):
    config = workspace(tmp_path)
    send(config, "AI-NIORT", [("P004", "M-001", "150")], "releve.xlsx", 5)
    second = send(config, "ETTI-SUD", [("P004", "M-001", "153")], "releve.xlsx", 6)
    found = lines(config)
    # 150 + 153 = 303 h in October, over 208 h: the second declaration is refused.
    assert verdict(found, "ETTI-SUD") == ("rejetée", ["HEURES_HORS_LIMITES",
                                                     "DOUBLE_DECLARATION"])
    assert verdict(found, "AI-NIORT") == ("acceptée avec alerte", ["DOUBLE_DECLARATION"])
    counted = found[found["statut"] != "rejetée"]
    assert counted["heures"].sum() == 150.0
    [reasons] = report_reasons(second.control_report)
    assert "303 h" in reasons and "208 h" in reasons and "AI-NIORT" in reasons


def test_same_month_declared_by_two_structures_is_flagged_on_both_lines(tmp_path):
    config = workspace(tmp_path)
    first = send(config, "AI-NIORT", [("P004", "M-001", "100")], "releve.xlsx", 5)
    second = send(config, "ETTI-SUD", [("P004", "M-001", "50")], "releve.xlsx", 6)
    found = lines(config)
    assert verdict(found, "ETTI-SUD") == ("acceptée avec alerte", ["DOUBLE_DECLARATION"])
    assert verdict(found, "AI-NIORT") == ("acceptée avec alerte", ["DOUBLE_DECLARATION"])
    assert found.loc["AI-NIORT", "explications"].count("ETTI-SUD") == 1
    assert (first.alertes, second.alertes, second.motifs) == (0, 1, {"DOUBLE_DECLARATION": 1})


def test_monthly_total_over_the_limit_on_two_marches_of_two_structures_is_refused(tmp_path):
    config = workspace(tmp_path)
    send(config, "AI-NIORT", [("P004", "M-001", "120")], "releve.xlsx", 5)
    send(config, "ETTI-SUD", [("P004", "M-002", "100")], "releve.xlsx", 6)
    found = lines(config)
    assert verdict(found, "ETTI-SUD") == ("rejetée", ["HEURES_HORS_LIMITES"])
    assert verdict(found, "AI-NIORT") == ("acceptée", [""])


def test_monthly_total_over_the_limit_within_one_relevé_is_refused(tmp_path):
    config = workspace(tmp_path)
    send(config, "AI-NIORT", [("P004", "M-001", "120"), ("P004", "M-002", "100")],
         "releve.xlsx", 5)
    found = lines(config)
    assert list(found["statut"]) == ["rejetée", "rejetée"]
    assert set(found["motifs"]) == {"HEURES_HORS_LIMITES"}


@pytest.mark.parametrize("folder", ["AI-NIORT", "ai-niort"], ids=["same-folder", "folder-case"])
def test_a_correction_is_not_added_to_the_lines_it_replaces(tmp_path, folder):
    config = workspace(tmp_path)
    send(config, "AI-NIORT", [("P004", "M-001", "150")], "releve.xlsx", 5)
    send(config, folder, [("P004", "M-001", "160")], "correction.xlsx", 6)
    with Ledger.from_config(config) as ledger:
        current = ledger.hours(counted_only=False)
    assert (list(current["heures"]), list(current["statut"])) == ([160.0], ["acceptée"])


def test_the_earlier_file_counts_its_line_flagged_by_a_later_declaration(tmp_path):
    """The earlier relevé's line becomes « acceptée avec alerte »: its file's counts (what
    `clauses status` and the deposit follow-up show), per file and per month, say so too."""
    config = workspace(tmp_path)
    send(config, "AI-NIORT", [("P001", "M-001", "20"), ("P004", "M-001", "100")],
         "releve.xlsx", 5)
    send(config, "ETTI-SUD", [("P004", "M-001", "50")], "releve.xlsx", 6)
    with Ledger.from_config(config) as ledger:
        files = ledger.files().set_index("code_structure")
        months = ledger.file_months().set_index("code_structure")
    counts = ["lignes", "acceptees", "alertes", "rejetees"]
    assert list(files.loc["AI-NIORT", counts]) == [2, 1, 1, 0]
    assert list(months.loc["AI-NIORT", counts]) == [2, 1, 1, 0]
    assert months.loc["AI-NIORT", "heures"] == 120.0  # an alert still counts its hours
