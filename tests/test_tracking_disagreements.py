"""A tableau de suivi that contradicts the structure's relevés (issue 15, SPEC §5.2): its
control report names each difference and says which source the reports use (the relevé's).
A real workspace: a relevé, then a tableau de suivi, ingested; the control report read back."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from workspace_factory import arrived_when_written, drop_statement, make_workspace, set_file_time

from clauses.ingest import ingest_inbox
from clauses.reports.semester import employees_table
from tests import october_territory as oct_
from tests.test_intake import table_below_title

NOW = datetime(2026, 11, 12, 12, 0)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("ecarts"))
    # The relevé: P002 on M-001 from 06/10 to 31/10/2026, mission d'intérim (STATEMENT_ROWS).
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx", at=datetime(2026, 11, 5, 9))
    with arrived_when_written(datetime(2026, 11, 5, 9)):
        ingest_inbox(config, now=datetime(2026, 11, 5, 10))
    # The tableau de suivi: the same mission as a CDDI ending 30/11/2026; P001 agrees.
    frame = pd.DataFrame({
        "N° participant": ["P002", "P001"], "Code marché": ["M-001", "M-001"],
        "Date de début": ["06/10/2026", "01/10/2026"], "Date de fin": ["30/11/2026", ""],
        "Type de contrat": ["CDDI", "CDDI"], "Accompagnement": ["Atelier CV (6 h)", ""],
        "Formation": ["CACES R482 (21 h)", ""]})
    path = config.inbox / "AI-NIORT" / "suivi.xlsx"
    frame.to_excel(path, index=False, sheet_name="Suivi")
    set_file_time(path, datetime(2026, 11, 6, 9))
    with arrived_when_written(datetime(2026, 11, 6, 9)):
        [result], _ = ingest_inbox(config, now=NOW)
    return result.control_report


def test_tracking_report_names_each_difference_and_the_source_used(report) -> None:
    rows = [r for r in table_below_title(report, "Résumé", "Identifiant") if r["Code marché"]]
    assert sorted((r["Identifiant"], r["Code marché"], r["Donnée"], r["Relevé d'heures (retenu)"],
                   r["Tableau de suivi"]) for r in rows) == [
        ("P002", "M-001", "date de fin de mission", "31/10/2026", "30/11/2026"),
        ("P002", "M-001", "type de contrat", "mission d'intérim", "CDDI")]


def test_semester_table_takes_contract_and_end_from_the_tableau_de_suivi() -> None:
    # RECYC's September relevé gives neither; its tableau de suivi says CDDI until 31/12/2026.
    table = employees_table(oct_.hours(), oct_.registers(), oct_.tracking(), "RECYC", "2026-S2")
    assert table[["Identifiant", "Type de contrat", "Fin de mission"]].to_dict("records") == [
        {"Identifiant": "P3", "Type de contrat": "CDDI",
         "Fin de mission": pd.Timestamp("2026-12-31")}]
