"""The month's review page for the Prefect UI (issue 16.4): cumulated from the ledger."""

from datetime import datetime

import pandas as pd
import pytest

from clauses.app.review import month_review

AT = datetime(2026, 11, 12, 9)


def _files(*rows):
    columns = ["code_structure", "nom_fichier", "recu_le", "type", "mois", "statut", "motif",
               "message", "en_retard"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["recu_le"] = pd.to_datetime(frame["recu_le"])
    return frame


REFUSED = ("AI-NIORT", "casse.xlsx", "2026-11-05 10:00", None, None, "quarantaine",
           "FICHIER_ILLISIBLE", "Fichier illisible.", False)
FIXED = ("AI-NIORT", "releve.xlsx", "2026-11-06 10:00", "relevé d'heures", "2026-10", "traité",
         None, None, False)
OTHER = ("ETTI-SUD", "oct.xlsx", "2026-11-06 11:00", "relevé d'heures", "2026-10", "traité",
         None, None, True)
NO_LINES = pd.DataFrame(columns=["code_structure", "statut", "motifs", "decision"])


@pytest.mark.parametrize(("files", "state"), [
    ((REFUSED, OTHER), "**à régler**"),
    ((REFUSED, FIXED, OTHER), "**réglé** : « releve.xlsx » reçu le 06/11/2026 à 10:00"),
], ids=["still-open", "settled-by-a-later-releve"])
def test_a_file_refused_whole_stays_listed_with_its_state(files, state):
    page = month_review(_files(*files), NO_LINES, "2026-10", AT)
    (line,) = [x for x in page.splitlines() if "casse.xlsx" in x]
    assert line.endswith(state)


def test_rejected_lines_are_counted_by_structure_and_reason():
    lines = pd.DataFrame({"code_structure": ["AI-NIORT"] * 3,
                          "statut": ["rejetée", "rejetée", "acceptée avec alerte"],
                          "motifs": ["PARTICIPANT_INCONNU", "PARTICIPANT_INCONNU;DOUBLON",
                                     "ELIGIBILITE_NON_VALIDEE"],
                          "decision": [None, None, "valider"]})
    page = month_review(_files(FIXED), lines, "2026-10", AT)
    assert "AI-NIORT : 2 ligne(s) rejetée(s)" in page
    assert "`PARTICIPANT_INCONNU`" in page and "(2)" in page
    assert "AI-NIORT : 1 ligne(s) comptée(s) sur décision — **réglé**" in page


def test_late_relevés_are_listed():
    page = month_review(_files(FIXED, OTHER), NO_LINES, "2026-10", AT)
    assert "ETTI-SUD / `oct.xlsx` reçu le 06/11/2026 à 11:00" in page
