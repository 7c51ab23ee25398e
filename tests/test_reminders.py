"""Reminders (SPEC §9): who has not sent the relevé of the month, which reminder is due, and
each kind sent once per structure and month."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from clauses.config import Config
from clauses.ledger import Ledger
from clauses.mail.reminders import (
    OVERDUE,
    REMINDER,
    reminder_messages,
    structures_to_remind,
)
from clauses.mail.sending import ALREADY_SENT, SENT, send_messages
from clauses.vocabulary import Kind

MONTH = "2026-10"
STRUCTURES = pd.DataFrame({
    "code_structure": ["AI-NIORT", "ETTI-SUD"],
    "nom": ["AI du Niortais", "ETTI Sud Deux-Sèvres"],
    "type": ["AI", "ETTI"],
    "siret": [None, None],
    "email": ["contact@ai-niort.fr", "releves@etti-sud.fr"],
})


def _file(code: str = "AI-NIORT", **changes: Any) -> dict[str, Any]:
    return {"code_structure": code, "type": Kind.RELEVE.value, "mois": MONTH,
            "statut": "traité", "nom_fichier": "releve.xlsx", **changes}


def _remind(today: date, files: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    return structures_to_remind(STRUCTURES, pd.DataFrame(files or []), MONTH, today,
                                jour_rappel=5, jour_limite=10)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 10, 20), None),
        (date(2026, 11, 4), None),
        (date(2026, 11, 5), REMINDER),
        (date(2026, 11, 10), REMINDER),
        (date(2026, 11, 11), OVERDUE),
        (date(2026, 11, 30), OVERDUE),
    ],
    ids=["during-the-month", "before-reminder-day", "reminder-day", "deadline-day",
         "day-after-deadline", "end-of-next-month"],
)
def test_which_reminder_is_due(today: date, expected: str | None) -> None:
    remind = _remind(today)
    if expected is None:
        assert remind.empty
    else:
        assert remind["code_structure"].tolist() == ["AI-NIORT", "ETTI-SUD"]
        assert set(remind["relance"]) == {expected}
        assert set(remind["date_limite"]) == {pd.Timestamp(2026, 11, 10)}


@pytest.mark.parametrize(
    ("sent", "reminded"),
    [
        (_file(), ["ETTI-SUD"]),
        (_file(statut="quarantaine", motif="COLONNES_MANQUANTES"), ["AI-NIORT", "ETTI-SUD"]),
        (_file(mois="2026-09"), ["AI-NIORT", "ETTI-SUD"]),
        (_file(type=Kind.SUIVI.value, mois=None), ["AI-NIORT", "ETTI-SUD"]),
        (_file(type=Kind.PIECE.value), ["AI-NIORT", "ETTI-SUD"]),
    ],
    ids=["releve-received", "quarantined-releve", "other-month", "tracking-table-only",
         "piece-justificative-only"],
)
def test_only_a_processed_releve_of_the_month_counts(sent: dict[str, Any],
                                                     reminded: list[str]) -> None:
    assert _remind(date(2026, 11, 5), [sent])["code_structure"].tolist() == reminded


def test_nobody_to_remind_when_all_sent() -> None:
    files = [_file("AI-NIORT"), _file("ETTI-SUD")]
    assert _remind(date(2026, 11, 11), files).empty


def test_reminder_day_after_deadline_day_only_gives_the_late_notice() -> None:
    remind = structures_to_remind(STRUCTURES, pd.DataFrame(), MONTH, date(2026, 11, 11),
                                  jour_rappel=12, jour_limite=10)
    assert set(remind["relance"]) == {OVERDUE}


@pytest.mark.parametrize(
    ("today", "key", "subject"),
    [
        (date(2026, 11, 5), "relance-rappel/2026-10/AI-NIORT",
         "Rappel : relevé d'heures d'octobre 2026 attendu au plus tard le 10 novembre 2026"),
        (date(2026, 11, 11), "relance-retard/2026-10/AI-NIORT",
         "Relance : relevé d'heures d'octobre 2026 non reçu "
         "(date limite du 10 novembre 2026 dépassée)"),
    ],
    ids=["reminder", "late"],
)
def test_reminder_messages_are_in_french(today: date, key: str, subject: str) -> None:
    (message, _) = reminder_messages(Config(), _remind(today))
    assert (message.key, message.subject) == (key, subject)
    assert message.recipients == ("contact@ai-niort.fr",)
    assert "AI du Niortais" in message.body and "10 novembre 2026" in message.body
    assert message.attachments == ()


def test_each_reminder_kind_goes_once_per_structure_and_month(tmp_path: Path) -> None:
    config = Config().model_copy(update={"root": tmp_path})
    statuses = []
    with Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}") as ledger:
        for day in (5, 6, 10, 11, 12):
            today = date(2026, 11, day)
            messages = reminder_messages(config, _remind(today))
            results = send_messages(messages, config=config, ledger=ledger,
                                    now=datetime(2026, 11, day, 8))
            statuses.append([r.status for r in results])
        sent = ledger.sends()
    assert statuses == [[SENT, SENT], [ALREADY_SENT] * 2, [ALREADY_SENT] * 2, [SENT, SENT],
                        [ALREADY_SENT] * 2]
    assert sorted(sent["key"]) == [
        "relance-rappel/2026-10/AI-NIORT", "relance-rappel/2026-10/ETTI-SUD",
        "relance-retard/2026-10/AI-NIORT", "relance-retard/2026-10/ETTI-SUD",
    ]
