"""Structure folders match the register's `code_structure` as the rules compare codes: case,
accents and surrounding spaces ignored (issue 12, point 9). Files in, ledger read back."""

from __future__ import annotations

from datetime import datetime

import pytest
from workspace_factory import drop_statement, make_workspace

from clauses.ingest import ingest_inbox
from clauses.ledger import Ledger


@pytest.mark.parametrize("folder", ["ai-niort", "Ai-Niort", "AÏ-NIORT", "ai-niort "],
                         ids=["lower-case", "title-case", "accent", "trailing-space"])
def test_folder_spelt_differently_is_the_structure_of_the_register(tmp_path, folder):
    config = make_workspace(tmp_path)
    drop_statement(config, folder, "releve.xlsx", at=datetime(2026, 11, 5, 9))
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, 5, 10))
    assert (result.statut, result.structure, result.acceptees) == ("traité", "AI-NIORT", 2)
    with Ledger.from_config(config) as ledger:
        files, hours = ledger.files(), ledger.hours()
    assert list(files["code_structure"]) == ["AI-NIORT"]
    assert set(hours["code_structure"]) == {"AI-NIORT"}
    # Its participants are registered with AI-NIORT: no STRUCTURE_DIFFERENTE alert.
    assert set(hours["statut"]) == {"acceptée"}
    assert result.control_report.parent == config.outbox / "controles" / "AI-NIORT"


def test_folder_of_no_structure_is_still_refused(tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "ai-niortais", "releve.xlsx", at=datetime(2026, 11, 5, 9))
    [result], _ = ingest_inbox(config, now=datetime(2026, 11, 5, 10))
    assert (result.statut, result.motif) == ("quarantaine", "STRUCTURE_INCONNUE")
