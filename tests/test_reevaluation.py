"""Register changes reach lines already received (SPEC §4, §6; issue 12 point 10).

The facilitator adds a Décision, or a participant, after the lines came in; the next pass gives
the lines whose verdict can change a new verdict, kept as a new version with its cause, and the
reports, « Rectificatif » notes and the structure's next control report show it. Real workspace,
real registers edited between passes, the ledger and the workbooks read back.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
from test_multi_month import table
from workspace_factory import drop_statement, make_workspace, register_frames, write_registers

from clauses.app.jobs import run_ingest, run_monthly
from clauses.config import Config
from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger

DROPPED = datetime(2026, 11, 5, 9, 0)
RECEIVED = datetime(2026, 11, 5, 12, 0)
NEXT_PASS = datetime(2026, 11, 12, 14, 0)


def decision(participant: str, market: str, code: str, verdict: str,
             day: datetime = datetime(2026, 11, 12)) -> dict[str, object]:
    return {"id_participant": participant, "code_marche": market, "mois": "2026-10",
            "motif": code, "decision": verdict, "auteur": "Communauté d'Agglomération",
            "date": day, "commentaire": "Décision du maître d'ouvrage"}


def recent_prescriptions() -> dict[str, pd.DataFrame]:
    """The registers, every prescription two weeks before P003's validation (15/10/2026): a
    line of P003 from 01/10 then breaks only ELIGIBILITE_NON_VALIDEE."""
    frames = register_frames()
    people = frames["Participants"]
    people.loc[people["id_participant"] == "P003", "date_prescription"] = datetime(2026, 10, 1)
    return frames


def with_decisions(config: Config, *rows: dict[str, object],
                   frames: dict[str, pd.DataFrame] | None = None) -> None:
    frames = frames or recent_prescriptions()
    frames["Décisions"] = pd.DataFrame(list(rows), columns=list(frames["Décisions"].columns))
    write_registers(config.registers_path, frames)


def lines_of(config: Config, participant: str, **kwargs) -> pd.DataFrame:
    with Ledger.from_config(config) as ledger:
        lines = ledger.hours(counted_only=False, **kwargs)
    return lines[lines["id_participant"] == participant]


def october_hours(config: Config, market: str) -> float:
    with Ledger.from_config(config) as ledger:
        lines = ledger.hours(month="2026-10")
    return float(lines.loc[lines["code_marche"] == market, "heures"].sum())


# --- « valider » added after a rejection ------------------------------------------------------


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """ETTI-SUD's line for P003 (eligibility validated on 15/10, after the mission began on
    01/10) is rejected ELIGIBILITE_NON_VALIDEE; the MO decides on 12/11 to count it."""
    config = make_workspace(tmp_path_factory.mktemp("valider"))
    write_registers(config.registers_path, recent_prescriptions())
    drop_statement(config, "ETTI-SUD", "releve-octobre.xlsx", at=DROPPED,
                   rows=[("P003", "M-002", "01/10/2026", "", "20", "CDDI")])
    ingest_inbox(config, now=RECEIVED)
    before = october_hours(config, "M-002")
    run_monthly(config, "2026-10", now=datetime(2026, 11, 11, 7), send=False)
    with_decisions(config, decision("P003", "M-002", "ELIGIBILITE_NON_VALIDEE", "valider"))
    summary = run_ingest(config, now=NEXT_PASS)
    report = run_monthly(config, "2026-10", now=datetime(2026, 11, 13, 7), send=False)
    return SimpleNamespace(config=config, before=before, summary=summary, report=report)


def buyer_report(config: Config, month: str) -> Path:
    """The newest edition of the maître d'ouvrage's monthly report."""
    found = sorted((config.outbox / month / "maitres-ouvrage").glob("CAN*.xlsx"),
                   key=lambda path: path.stat().st_mtime_ns)
    return found[-1]


def test_rejected_line_counts_after_a_valider_decision_at_the_next_pass(validated):
    assert (validated.before, october_hours(validated.config, "M-002")) == (0.0, 20.0)


def test_new_verdict_is_a_new_version_citing_the_decision(validated):
    [line] = lines_of(validated.config, "P003").to_dict("records")
    assert (line["statut"], line["version"], line["cause"]) == (
        "acceptée avec alerte", 2, "décision du 12/11/2026")


def test_old_verdict_is_kept_inactive(validated):
    history = lines_of(validated.config, "P003", current_only=False)
    assert sorted(zip(history["statut"], history["actif"], strict=True)) == [
        ("acceptée avec alerte", True), ("rejetée", False)]


def test_monthly_report_counts_the_validated_hours(validated):
    rows = table(buyer_report(validated.config, "2026-10"), "Synthèse", "Code marché")
    [m002] = [row for row in rows if row["Code marché"] == "M-002"]
    assert m002["Heures du mois"] == 20


def test_ingest_summary_tells_the_reevaluation(validated):
    [line] = [x for x in validated.summary if x.startswith("Référentiel modifié")]
    assert "1 ligne déjà reçue réexaminée — 1 désormais comptée (+20,00 h)" in line


def test_unchanged_registers_reevaluate_nothing_again(validated):
    ingest_inbox(validated.config, now=datetime(2026, 11, 13, 9))
    history = lines_of(validated.config, "P003", current_only=False)
    assert len(history) == 2


def test_structures_next_control_report_shows_the_new_verdict(validated):
    config = validated.config
    drop_statement(config, "ETTI-SUD", "releve-novembre.xlsx", at=datetime(2026, 12, 3, 9),
                   month_cell="Période : novembre 2026",
                   rows=[("P003", "M-002", "01/11/2026", "", "35", "CDDI")])
    [result], _ = ingest_inbox(config, now=datetime(2026, 12, 3, 12))
    rows = table(result.control_report, "Résumé", "Mois")
    [line] = [row for row in rows if row["Participant"] == "P003"]
    assert (line["Mois"], line["Statut avant"], line["Statut"], line["Cause"]) == (
        "octobre 2026", "rejetée", "acceptée avec alerte", "décision du 12/11/2026")


def test_new_edition_has_a_rectificatif_for_the_validated_hours(validated):
    book = openpyxl.load_workbook(buyer_report(validated.config, "2026-10"), read_only=True)
    texts = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row
             if isinstance(c, str) and c.startswith("Rectificatif")]
    book.close()
    assert any("M-002" in t and "11/11/2026" in t and "octobre 2026 +20,00 h" in t
               for t in texts), texts


# --- « invalider » ------------------------------------------------------------------------------


def test_invalider_removes_an_accepted_lines_hours(tmp_path):
    config = make_workspace(tmp_path)
    # P001 belongs to AI-NIORT: sent by ETTI-SUD it is accepted with STRUCTURE_DIFFERENTE.
    drop_statement(config, "ETTI-SUD", "releve.xlsx", at=DROPPED,
                   rows=[("P001", "M-002", "01/10/2026", "", "35", "CDDI")])
    ingest_inbox(config, now=RECEIVED)
    before = october_hours(config, "M-002")
    with_decisions(config, decision("P001", "M-002", "STRUCTURE_DIFFERENTE", "invalider"))
    ingest_inbox(config, now=NEXT_PASS)
    [line] = lines_of(config, "P001").to_dict("records")
    assert (before, october_hours(config, "M-002"), line["statut"], line["cause"]) == (
        35.0, 0.0, "rejetée", "décision du 12/11/2026")


# --- the participants register completed after the hours ---------------------------------------

ADDED = {
    # validated before the mission began: the register was merely late, the hours count
    "validated-before-the-mission": (datetime(2026, 9, 1), "acceptée", ""),
    # validated after it began: convention art. 3, only a Décision can count them
    "validated-after-the-mission": (datetime(2026, 11, 10), "rejetée", "ELIGIBILITE_NON_VALIDEE"),
}


def register_p004(config, prescribed: datetime, validated: datetime, **changes) -> dict:
    """The register gains P004 (a copy of the first participant), prescribed and validated
    then; returns the register's frames."""
    frames = register_frames()
    people = frames["Participants"]
    frames["Participants"] = pd.concat([people, people.iloc[[0]].assign(
        id_participant="P004", date_prescription=prescribed, date_validation=validated,
        **changes)], ignore_index=True)
    write_registers(config.registers_path, frames)
    return frames


@pytest.mark.parametrize("validation, status, codes", ADDED.values(), ids=ADDED.keys())
def test_participant_added_to_the_register_is_matched_at_the_next_pass(
        tmp_path, validation, status, codes):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=DROPPED,
                   rows=[("P004", "M-001", "01/10/2026", "", "50", "CDDI")])
    ingest_inbox(config, now=RECEIVED)
    register_p004(config, validation - timedelta(days=10), validation, nom="Nouveau")
    ingest_inbox(config, now=NEXT_PASS)
    [line] = lines_of(config, "P004").to_dict("records")
    assert (line["statut"], line["motifs"], line["cause"]) == (status, codes, "registre modifié")


def test_validated_after_the_mission_counts_only_once_a_decision_says_so(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve.xlsx", at=DROPPED,
                   rows=[("P004", "M-001", "01/10/2026", "", "50", "CDDI")])
    ingest_inbox(config, now=RECEIVED)
    frames = register_p004(config, datetime(2026, 11, 1), datetime(2026, 11, 10))
    ingest_inbox(config, now=NEXT_PASS)
    counted_before_decision = october_hours(config, "M-001")
    with_decisions(config, decision("P004", "M-001", "ELIGIBILITE_NON_VALIDEE", "valider",
                                    datetime(2026, 11, 20)), frames=frames)
    ingest_inbox(config, now=datetime(2026, 11, 20, 9))
    with Ledger.from_config(config) as ledger:  # the file's one line, every version of it
        history = ledger.hours(counted_only=False, current_only=False)
    history = history.sort_values("version", na_position="first")
    causes = [c if isinstance(c, str) else None for c in history["cause"]]
    assert (counted_before_decision, october_hours(config, "M-001"), causes) == (
        0.0, 50.0, [None, "registre modifié", "décision du 20/11/2026"])


def test_deposit_follow_up_counts_the_new_verdict(validated):
    found = sorted((validated.config.outbox / "2026-10").glob("suivi-depots*.xlsx"),
                   key=lambda path: path.stat().st_mtime_ns)
    rows = table(found[-1], "Suivi des dépôts", "Code structure")
    [etti] = [row for row in rows if row["Code structure"] == "ETTI-SUD"]
    assert (etti["Lignes avec alerte"], etti["Lignes rejetées"], etti["Heures comptées"]) == (
        1, 0, 20)
