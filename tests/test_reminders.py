"""Reminders (SPEC §9): who has not sent the relevé of the month, which reminder is due, and
each kind sent once per structure and month."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from workspace_factory import make_workspace

from clauses.app.jobs import run_reminders
from clauses.config import Config
from clauses.ledger import Ledger
from clauses.mail.reminders import (
    OVERDUE,
    REMINDER,
    reminder_messages,
    structures_for_template,
    structures_to_remind,
    template_messages,
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


def _for_template(today: date, files: list[dict[str, Any]] | None = None,
                  days_before: int = 5) -> pd.DataFrame:
    return structures_for_template(STRUCTURES, pd.DataFrame(files or []), MONTH, today,
                                   days_before=days_before, jour_limite=10)


@pytest.mark.parametrize(
    ("today", "days_before", "expected"),
    [
        (date(2026, 11, 4), 5, []),
        (date(2026, 11, 5), 5, ["AI-NIORT", "ETTI-SUD"]),
        (date(2026, 11, 10), 5, ["AI-NIORT", "ETTI-SUD"]),
        (date(2026, 11, 11), 5, []),
        (date(2026, 11, 7), 2, []),
        (date(2026, 11, 8), 2, ["AI-NIORT", "ETTI-SUD"]),
    ],
    ids=["day-before-window", "five-days-before", "deadline-day", "after-deadline",
         "configured-two-days-too-early", "configured-two-days"],
)
def test_template_goes_a_few_days_before_the_deadline(today: date, days_before: int,
                                                      expected: list[str]) -> None:
    assert _for_template(today, days_before=days_before)["code_structure"].tolist() == expected


def test_template_skips_a_structure_whose_releve_arrived() -> None:
    assert _for_template(date(2026, 11, 6), [_file()])["code_structure"].tolist() == [
        "ETTI-SUD"]


def test_template_message_attaches_the_structure_template_in_french(tmp_path: Path) -> None:
    path = tmp_path / "AI-NIORT-releve-2026-10.xlsx"
    (message, _) = template_messages(Config(), _for_template(date(2026, 11, 5)),
                                     {"AI-NIORT": path, "ETTI-SUD": tmp_path / "E.xlsx"})
    assert message.key == "modele-releve/2026-10/AI-NIORT"
    assert message.subject == ("Modèle pré-rempli : relevé d'heures d'octobre 2026, à déposer "
                               "au plus tard le 10 novembre 2026")
    assert message.recipients == ("contact@ai-niort.fr",)
    assert message.attachments == (path,)
    assert "AI du Niortais" in message.body


def test_each_structure_gets_its_template_once_per_month(tmp_path: Path) -> None:
    config = Config().model_copy(update={"root": tmp_path})
    paths = {code: tmp_path / f"{code}.xlsx" for code in STRUCTURES["code_structure"]}
    for path in paths.values():
        path.write_bytes(b"modele")
    statuses = []
    with Ledger(f"sqlite:///{tmp_path / 'clauses.sqlite'}") as ledger:
        for day in (5, 6, 10):
            messages = template_messages(config, _for_template(date(2026, 11, day)), paths)
            results = send_messages(messages, config=config, ledger=ledger,
                                    now=datetime(2026, 11, day, 8))
            statuses.append([r.status for r in results])
        sent = ledger.sends()
    assert statuses == [[SENT, SENT], [ALREADY_SENT] * 2, [ALREADY_SENT] * 2]
    assert sorted(sent["key"]) == ["modele-releve/2026-10/AI-NIORT",
                                   "modele-releve/2026-10/ETTI-SUD"]


def test_reminders_run_e_mails_each_structure_its_template_once(tmp_path: Path) -> None:
    config = make_workspace(tmp_path)
    run_reminders(config, now=datetime(2026, 11, 5, 8))
    run_reminders(config, now=datetime(2026, 11, 6, 8))
    mails = [message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in sorted((config.outbox / "courriels").rglob("*.eml"))]
    templates = [m for m in mails if str(m["Subject"]).startswith("Modèle pré-rempli")]
    attached = sorted(a.get_filename() for m in templates for a in m.iter_attachments())
    assert attached == ["AI-NIORT-releve-2026-10.xlsx", "ETTI-SUD-releve-2026-10.xlsx"]
