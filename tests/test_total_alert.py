"""A wrong `Total` line is a fact about the file (issue 15, SPEC §6): one alert in the control
report's summary, in the ledger's file row and in the e-mail, declared vs read and the gap; the
lines keep their own status and their hours count. A real workspace: relevé dropped, ingested,
control report and e-mail read back."""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from types import SimpleNamespace

import pytest
from workspace_factory import (
    STATEMENT_ROWS,
    arrived_when_written,
    drop_statement,
    make_workspace,
    set_file_time,
)

from clauses.app.jobs import ingest_and_send
from clauses.ledger import Ledger
from tests.test_intake import sheet_rows, table_below_title

NOW = datetime(2026, 11, 8, 10, 0)
# 151,67 h + 7,50 h = 159,17 h read; the Total line says 200 h: 40,83 h apart.
SENTENCE = ("Le total indiqué dans le fichier (200 h) diffère de la somme des lignes (159,17 h) : "
            "écart de 40,83 h. Les lignes gardent leur propre statut : leurs heures sont "
            "comptées.")


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    config = make_workspace(tmp_path_factory.mktemp("total-faux"))
    path = drop_statement(config, "AI-NIORT", "releve-octobre.xlsx",
                          rows=[*STATEMENT_ROWS, ("Total", "", "", "", "200", "")])
    set_file_time(path, datetime(2026, 11, 8, 9, 30))
    with arrived_when_written(datetime(2026, 11, 8, 9, 30)):
        [result], _waiting, _sends = ingest_and_send(config, now=NOW)
    with Ledger.from_config(config) as ledger:
        files, hours = ledger.files(), ledger.hours(counted_only=False)
    [mail] = list((config.outbox / "courriels").rglob("*.eml"))
    body = message_from_bytes(mail.read_bytes(), policy=policy.default).get_body(
        ("plain",)).get_content()
    return SimpleNamespace(result=result, files=files, hours=hours, body=body)


def test_lines_keep_their_own_status_and_count(ingested) -> None:
    assert ingested.hours["statut"].tolist() == ["acceptée", "acceptée"]
    assert ingested.hours["motifs"].fillna("").tolist() == ["", ""]
    assert ingested.result.heures == pytest.approx(159.17)


def test_file_row_carries_the_one_alert(ingested) -> None:
    [row] = ingested.files.to_dict("records")
    assert (row["statut"], row["motif"], row["message"]) == ("traité", "TOTAL_INCOHERENT",
                                                             SENTENCE)
    assert (row["acceptees"], row["alertes"], row["rejetees"]) == (2, 0, 0)


def test_control_report_summary_states_the_alert_once(ingested) -> None:
    report = ingested.result.control_report
    cells = [c for row in sheet_rows(report, "Résumé") for c in row if c is not None]
    assert cells.count(SENTENCE) == 1 and "Alerte sur le fichier" in cells
    lines = table_below_title(report, "Lignes", "Ligne")
    assert [(line["Ligne"], line["Statut"], line["Motifs"]) for line in lines] == [
        (5, "acceptée", None), (6, "acceptée", None)]


def test_email_counts_lines_counted_and_names_the_alert(ingested) -> None:
    assert "2 lignes comptées (dont 0 avec alerte), 0 rejetée." in " ".join(ingested.body.split())
    assert f"Alerte sur le fichier : {SENTENCE}" in " ".join(ingested.body.split())
