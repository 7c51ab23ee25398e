"""Reminders to structures whose relevé d'heures has not arrived (SPEC §9).

The convention asks each structure for its relevé of month M by the `jour_limite` (10) of M+1.
From `jour_rappel` (5) until that day a structure without one gets a « rappel »; from the day
after, a « retard » notice. The reminders flow runs every day: the send log makes each kind go
once per structure and month, whatever the number of runs.

The pre-filled template of M (`clauses templates`) goes to each structure whose relevé has not
arrived from `modele_jours_avant` (5) days before the deadline until the deadline, once per
structure and month (send-log key `modele-releve/<M>/<code_structure>`).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.mail.messages import addresses, letter
from clauses.mail.sending import Message
from clauses.periods import deadline_of, french_date, of_month
from clauses.vocabulary import Kind

REMINDER = "rappel"
OVERDUE = "retard"
TEMPLATE = "modele-releve"
REMINDER_COLUMNS = ["code_structure", "nom", "email", "mois", "relance", "date_limite"]


def _without_statement(structures: pd.DataFrame, files: pd.DataFrame, month: str, kind: str,
                    due: date) -> pd.DataFrame:
    """The structures with no processed relevé for `month`, as REMINDER_COLUMNS rows."""
    missing = structures[~structures["code_structure"].isin(_senders(files, month))]
    return pd.DataFrame({
        "code_structure": missing["code_structure"], "nom": missing["nom"],
        "email": missing["email"], "mois": month, "relance": kind,
        "date_limite": pd.Timestamp(due),
    }, columns=REMINDER_COLUMNS).reset_index(drop=True)


def structures_to_remind(structures: pd.DataFrame, files: pd.DataFrame, month: str,
                         today: date, jour_rappel: int, jour_limite: int) -> pd.DataFrame:
    """Structures with no processed relevé d'heures for `month`, and which reminder is due
    `today` ("rappel" from `jour_rappel` to the deadline, "retard" after it); empty before."""
    due = deadline_of(month, jour_limite)
    first_reminder = due.replace(day=jour_rappel)
    if today > due:
        kind = OVERDUE
    elif today >= first_reminder:
        kind = REMINDER
    else:
        return pd.DataFrame(columns=REMINDER_COLUMNS)
    return _without_statement(structures, files, month, kind, due)


def structures_for_template(structures: pd.DataFrame, files: pd.DataFrame, month: str,
                            today: date, days_before: int, jour_limite: int) -> pd.DataFrame:
    """Structures with no processed relevé for `month` that get its template `today`: from
    `days_before` days before the deadline to the deadline itself; empty otherwise.
    Columns: REMINDER_COLUMNS, `relance` being TEMPLATE."""
    due = deadline_of(month, jour_limite)
    if not due - timedelta(days=days_before) <= today <= due:
        return pd.DataFrame(columns=REMINDER_COLUMNS)
    return _without_statement(structures, files, month, TEMPLATE, due)


def template_messages(config: Config, to_send: pd.DataFrame,
                      templates: dict[str, Path]) -> list[Message]:
    """One French e-mail per structure with its pre-filled template attached (`templates`:
    path by code_structure; a structure without one gets nothing)."""
    return [_template(config, row, templates[str(row["code_structure"])])
            for _, row in to_send.iterrows() if str(row["code_structure"]) in templates]


def _template(config: Config, row: pd.Series, path: Path) -> Message:
    month, due = str(row["mois"]), pd.Timestamp(row["date_limite"]).date()
    what = f"relevé d'heures {of_month(month)}"
    text = (
        f"Vous trouverez ci-joint le {what} de votre structure ({row['nom']}), pré-rempli avec "
        "les participants dont la mission est en cours ce mois-ci, leur marché, leur date de "
        "début de mission et leur type de contrat. Vérifiez ces lignes, saisissez les heures "
        "du mois, ajoutez les participants manquants et supprimez ceux qui n'ont pas travaillé "
        "(la feuille « Mode d'emploi » explique chaque colonne)."
    )
    deposit = (f"Merci de le déposer au plus tard le {french_date(due)} dans votre dossier de "
               "dépôt partagé.")
    return Message(
        key=f"{TEMPLATE}/{month}/{row['code_structure']}",
        recipients=addresses(row["email"]),
        subject=f"Modèle pré-rempli : {what}, à déposer au plus tard le {french_date(due)}",
        body=letter(config, text, deposit),
        attachments=(path,),
    )


def _senders(files: pd.DataFrame, month: str) -> set[str]:
    """Structures that sent a readable relevé for the month; a quarantined file, a tracking
    table or a pièce justificative does not stand for one. `files` lists a relevé once per
    month it holds lines of (`Ledger.files_by_month`): a relevé with September and October
    lines stands for both; one with only a stray line of a month (which it does not declare,
    SPEC §7) does not."""
    needed = {"code_structure", "type", "statut", "mois"}
    if files.empty or not needed <= set(files.columns):
        return set()
    received = files[
        (files["type"] == Kind.RELEVE.value)
        & (files["statut"] == "traité")
        & (files["mois"] == month)
    ]
    if "declare" in received:
        received = received[received["declare"].astype(bool)]
    return set(received["code_structure"])


def reminder_messages(config: Config, to_remind: pd.DataFrame) -> list[Message]:
    """One French e-mail per structure to remind, keyed per kind, structure and month."""
    return [_reminder(config, row) for _, row in to_remind.iterrows()]


def _reminder(config: Config, row: pd.Series) -> Message:
    month, due = str(row["mois"]), pd.Timestamp(row["date_limite"]).date()
    what = f"relevé d'heures {of_month(month)}"
    deposit = (
        "Merci de le déposer dans votre dossier de dépôt partagé, avec les contrats de travail "
        "et le tableau de suivi du mois."
    )
    if row["relance"] == OVERDUE:
        subject = f"Relance : {what} non reçu (date limite du {french_date(due)} dépassée)"
        text = (
            f"Sauf erreur de notre part, nous n'avons pas reçu le {what} de votre structure "
            f"({row['nom']}), attendu au plus tard le {french_date(due)}. Il sera compté dès "
            "sa réception, mais signalé hors délai aux maîtres d'ouvrage."
        )
    else:
        subject = f"Rappel : {what} attendu au plus tard le {french_date(due)}"
        text = (
            f"Le {what} de votre structure ({row['nom']}) est attendu au plus tard le "
            f"{french_date(due)}. Nous ne l'avons pas encore reçu."
        )
    return Message(
        key=f"relance-{row['relance']}/{month}/{row['code_structure']}",
        recipients=addresses(row["email"]),
        subject=subject,
        body=letter(config, text, deposit),
    )
