"""Corrections (SPEC §7, issue 12 point 6): a relevé replaces its structure's lines for exactly
the months it declares, and every replacement is shown — control report, e-mail to the
structure, ingest summary, Prefect review — « à examiner » past `controles.remplacement_alerte`.
"""

from __future__ import annotations

import email
import os
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from test_multi_month import drop_months, table
from workspace_factory import drop_statement, make_workspace, register_frames, write_registers

from clauses.app.jobs import ingest_and_send, summarise_ingest
from clauses.config import Config
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger
from flows.artifacts import decisions_markdown, ingest_table

SEPTEMBER = [("P001", "M-001", "01/09/2026", "", "120", "CDDI"),
             ("P002", "M-001", "01/09/2026", "", "35,5", "CDDI")]


def september_hours(config: Config) -> float:
    with Ledger.from_config(config) as ledger:
        return float(ledger.hours(month="2026-09")["heures"].sum())


def with_september_sent(tmp_path: Path) -> Config:
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-septembre.xlsx", rows=SEPTEMBER,
                   month_cell="Période : septembre 2026", at=datetime(2026, 10, 5, 9))
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", at=datetime(2026, 11, 5, 9))
    ingest_inbox(config, now=datetime(2026, 11, 5, 12))
    return config


def test_a_stray_line_rejected_for_its_month_does_not_wipe_that_month(tmp_path):
    config = with_september_sent(tmp_path)
    # The corrected October relevé has one line typed with September as its month: its mission
    # starts in October, so it is rejected MISSION_HORS_MOIS and September stays as it was.
    drop_months(config, "AI-NIORT", "releve-octobre-corrige.xlsx", [
        ("P001", "M-001", "10/2026", "01/10/2026", "140"),
        ("P002", "M-001", "09/2026", "06/10/2026", "7,5"),
    ], at=datetime(2026, 11, 9, 9))
    ingest_inbox(config, now=datetime(2026, 11, 9, 12))
    assert september_hours(config) == 155.5


def test_a_line_outside_the_files_period_does_not_wipe_its_month(tmp_path):
    config = with_september_sent(tmp_path)
    # « Période : octobre 2026 » above the table, but one line's Mois cell says September.
    frame = pd.DataFrame([("P001", "M-001", "10/2026", "01/10/2026", "140"),
                          ("P002", "M-001", "09/2026", "01/09/2026", "7,5")],
                         columns=["N° participant", "Code marché", "Mois",
                                  "Date de début de mission", "Nb heures"])
    path = config.inbox / "AI-NIORT" / "releve-octobre-v2.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="Relevé", index=False, startrow=2)
        writer.sheets["Relevé"].write(0, 0, "Période : octobre 2026")
    dropped = datetime(2026, 11, 9, 9).timestamp()
    os.utime(path, (dropped, dropped))
    ingest_inbox(config, now=datetime(2026, 11, 9, 12))
    with Ledger.from_config(config) as ledger:
        september = ledger.hours(month="2026-09")
    # The September line is added; the lines sent for September are still there.
    assert set(september["heures"]) == {120.0, 35.5, 7.5}


def test_a_full_correction_of_a_month_still_replaces_it(tmp_path):
    config = with_september_sent(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-septembre-corrige.xlsx",
                   rows=[("P001", "M-001", "01/09/2026", "", "100", "CDDI")],
                   month_cell="Période : septembre 2026", at=datetime(2026, 11, 9, 9))
    ingest_inbox(config, now=datetime(2026, 11, 9, 12))
    assert september_hours(config) == 100.0


# --- a large replacement: 20 lines / 2 036,60 h → 3 lines / 256,67 h ----------------------------

PEOPLE = [f"P{n:03d}" for n in range(1, 21)]
BEFORE = [(p, "M-001", "01/10/2026", "", "101,83", "CDDI") for p in PEOPLE]  # 20 × 101,83
AFTER = [("P001", "M-001", "01/10/2026", "", "151,67", "CDDI"),
         ("P002", "M-001", "01/10/2026", "", "70", "CDDI"),
         ("P003", "M-001", "01/10/2026", "", "35", "CDDI")]  # 256,67 h


def twenty_participants() -> dict[str, pd.DataFrame]:
    frames = register_frames()
    people = frames["Participants"]
    extra = pd.concat([people.iloc[[0]]] * 17, ignore_index=True).assign(
        id_participant=PEOPLE[3:], nom=[f"Nom{n}" for n in range(4, 21)])
    frames["Participants"] = pd.concat([people, extra], ignore_index=True).assign(
        code_structure="AI-NIORT", date_validation=datetime(2026, 1, 20))
    return frames


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("remplacement"))
    write_registers(config.registers_path, twenty_participants())
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", rows=BEFORE,
                   at=datetime(2026, 11, 5, 9))
    ingest_inbox(config, now=datetime(2026, 11, 5, 12))
    drop_statement(config, "AI-NIORT", "releve-octobre-corrige.xlsx", rows=AFTER,
                   at=datetime(2026, 11, 9, 9))
    results, waiting, _sends = ingest_and_send(config, now=datetime(2026, 11, 9, 12))
    [result] = results
    with Ledger.from_config(config) as ledger:
        months = ledger.file_months(sha256s=[result.sha256])
    return SimpleNamespace(config=config, result=result, waiting=waiting, months=months)


def replaced_rows(report: Path) -> list[dict]:
    """The « Remplacement » table of a control report's Résumé (its rows stop at the first
    line of text below it)."""
    rows = table(report, "Résumé", "Mois")
    return [row for row in rows[:next((i for i, r in enumerate(rows) if r["Relevé remplacé"]
                                       is None), len(rows))]]


def test_replacement_is_in_the_control_report_with_before_and_after(shrunk):
    [row] = replaced_rows(shrunk.result.control_report)
    assert (row["Relevé remplacé"], row["Lignes avant"], row["Heures avant"],
            row["Lignes après"], row["Heures après"]) == (
        "releve-octobre.xlsx", 20, 2036.6, 3, 256.67)


def test_control_report_names_the_participants_no_longer_present(shrunk):
    [row] = replaced_rows(shrunk.result.control_report)
    assert row["Participants qui n'y figurent plus"] == ", ".join(PEOPLE[3:])


def test_control_report_gives_the_replaced_files_date(shrunk):
    [row] = replaced_rows(shrunk.result.control_report)
    assert row["Reçu le"].date() == datetime(2026, 11, 5).date()


def _mail_to_structure(config: Config) -> str:
    [path] = [p for p in (config.outbox / "courriels").rglob("*.eml")
              if "corrige" in p.read_text(encoding="utf-8", errors="ignore")]
    message = email.message_from_bytes(path.read_bytes())
    return next(part.get_content() for part in message.walk()  # type: ignore[attr-defined]
                if part.get_content_type() == "text/plain")


def test_replacement_is_told_in_the_email_to_the_structure(tmp_path):
    config = make_workspace(tmp_path)
    write_registers(config.registers_path, twenty_participants())
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", rows=BEFORE,
                   at=datetime(2026, 11, 5, 9))
    ingest_and_send(config, now=datetime(2026, 11, 5, 12))
    drop_statement(config, "AI-NIORT", "releve-octobre-corrige.xlsx", rows=AFTER,
                   at=datetime(2026, 11, 9, 9))
    ingest_and_send(config, now=datetime(2026, 11, 9, 12))
    emails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in (config.outbox / "courriels").rglob("*.eml")]
    [mail] = [m for m in emails if "releve-octobre-corrige" in str(m["Subject"])]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "20 lignes, 2\u202f036,60 h → 3 lignes, 256,67 h" in body


def test_replacement_is_in_the_ingest_summary_and_marked_for_review(shrunk):
    lines = summarise_ingest([shrunk.result], shrunk.waiting, shrunk.config)
    [line] = [line for line in lines if "Remplacement" in line and "corrige" in line]
    assert "20 lignes, 2\u202f036,60 h → 3 lignes, 256,67 h" in line and "À EXAMINER" in line


def test_replacement_is_listed_for_review_in_the_prefect_artifact(shrunk):
    markdown = decisions_markdown([shrunk.result], shrunk.waiting)
    section = markdown.split("## Remplacements à examiner")[1]
    assert "releve-octobre-corrige.xlsx" in section and "256,67 h" in section


def test_prefect_file_table_says_which_file_was_replaced(shrunk):
    [row] = ingest_table([shrunk.result])
    assert row["Remplace"] == "releve-octobre.xlsx"


def test_large_replacement_is_flagged_in_the_ledger(shrunk):
    [row] = shrunk.months.to_dict("records")
    assert (row["a_examiner"], row["lignes_avant"], row["heures_avant"]) == (True, 20, 2036.6)


THRESHOLDS = {"default-50-percent": (None, True), "raised-to-90-percent": (0.9, False),
              "written-as-percent": ("90 %", False)}


@pytest.mark.parametrize("threshold, flagged", THRESHOLDS.values(), ids=THRESHOLDS.keys())
def test_review_threshold_is_a_setting(tmp_path, threshold, flagged):
    from workspace_factory import with_settings

    config = make_workspace(tmp_path)
    if threshold is not None:
        config = with_settings(config, controles={"remplacement_alerte": threshold})
    write_registers(config.registers_path, twenty_participants())
    drop_statement(config, "AI-NIORT", "a.xlsx", rows=BEFORE, at=datetime(2026, 11, 5, 9))
    ingest_inbox(config, now=datetime(2026, 11, 5, 12))
    # 2 036,60 h → 256,67 h removes 87 % of the month's hours.
    drop_statement(config, "AI-NIORT", "b.xlsx", rows=AFTER, at=datetime(2026, 11, 9, 9))
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, 9, 12))
    assert [r["a_examiner"] for r in result.remplacements] == [flagged]


def test_a_first_relevé_replaces_nothing_and_says_nothing(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, 5, 12))
    book = openpyxl.load_workbook(result.control_report, read_only=True)
    texts = [c for row in book["Résumé"].iter_rows(values_only=True) for c in row if c]
    book.close()
    assert result.remplacements == [] and not any("remplace" in str(t) for t in texts)
