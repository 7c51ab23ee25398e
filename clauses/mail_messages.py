"""The French e-mails Clauses sends (SPEC §9), one builder per kind of message.

Each builder only says who gets what and in which words; `clauses.mail.send_messages` does the
sending. Keys name a message for the send log: one per file, per report and period, per
recipient group, so a re-run never sends a message twice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from clauses.config import Config
from clauses.ledger import FileRecord
from clauses.mail import Message
from clauses.periods import month_label, period_label
from clauses.vocabulary import FILE_REASONS, Kind

Row = Mapping[str, Any]  # a register row (pandas Series or dict): code, `nom`, `email`


def addresses(cell: Any) -> tuple[str, ...]:
    """The addresses of a register's `email` cell: empty, one, or several separated by ; , or
    spaces (facilitators often list a second contact in the same cell)."""
    if cell is None or not isinstance(cell, str):
        return ()
    return tuple(part for part in re.split(r"[;,\s]+", cell.strip()) if part)


def of_month(month: str) -> str:
    """"2026-10" → "d'octobre 2026", "2026-11" → "de novembre 2026" (French elision)."""
    label = month_label(month)
    return f"d'{label}" if label[0] in "aeiouéo" else f"de {label}"


def count(number: int, singular: str, plural: str) -> str:
    """French agreement: 0 and 1 take the singular."""
    return f"{number} {singular if number <= 1 else plural}"


def letter(config: Config, *paragraphs: str) -> str:
    """A polite French e-mail body signed by the guichet."""
    body = "\n\n".join(paragraphs)
    return (
        f"Bonjour,\n\n{body}\n\n"
        "Pour toute question, il vous suffit de répondre à ce courriel.\n\n"
        f"Bien cordialement,\n\n{config.guichet}\n{config.territoire}\n"
    )


def control_report_message(config: Config, structure: Row, record: FileRecord,
                           report: Path) -> Message:
    """The control report of a processed file, back to the structure that sent it."""
    name = record.nom_fichier
    if record.type == Kind.SUIVI:
        summary = (f"Compte rendu de contrôle de votre fichier « {name} » (tableau de suivi) : "
                   f"{count(record.lignes, 'ligne enregistrée', 'lignes enregistrées')}.")
    else:
        summary = (
            f"Compte rendu de contrôle de votre fichier « {name} »"
            f"{_period(record.mois)} : "
            f"{count(record.acceptees, 'ligne acceptée', 'lignes acceptées')}, "
            f"{record.alertes} avec alerte, "
            f"{count(record.rejetees, 'rejetée', 'rejetées')}."
        )
    paragraphs = [summary, (
        "Le détail de chaque ligne, avec le motif de chaque rejet ou alerte, figure dans le "
        "classeur joint (feuille « Lignes »). Les lignes rejetées ne sont pas comptées : pour "
        "les corriger, déposez un relevé complet corrigé pour le même mois, il remplacera "
        "celui-ci."
    )]
    if record.en_retard:
        paragraphs.append(_late_notice(config))
    return Message(
        key=f"compte-rendu/{record.code_structure}/{record.sha256}",
        recipients=addresses(structure.get("email")),
        subject=f"Compte rendu de contrôle de votre fichier « {name} »",
        body=letter(config, *paragraphs),
        attachments=(report,),
    )


def quarantine_message(config: Config, structure: Row, record: FileRecord,
                       report: Path | None = None) -> Message:
    """A file refused as a whole (SPEC §6, file level): nothing of it was counted."""
    reason = record.message or FILE_REASONS.get(record.motif or "", "Motif non précisé.")
    paragraphs = [
        f"Votre fichier « {record.nom_fichier} » n'a pas pu être pris en compte : "
        "aucune de ses lignes n'a été comptée.",
        f"Motif : {reason}",
        "Corrigez le fichier puis déposez-le de nouveau dans votre dossier de dépôt ; "
        "il sera contrôlé dès sa réception.",
    ]
    return Message(
        key=f"quarantaine/{record.code_structure}/{record.sha256}",
        recipients=addresses(structure.get("email")),
        subject=f"Fichier non pris en compte : « {record.nom_fichier} »",
        body=letter(config, *paragraphs),
        attachments=(report,) if report else (),
    )


def monthly_buyer_message(config: Config, buyer: Row, month: str, report: Path) -> Message:
    """The monthly execution report of a maître d'ouvrage's marchés (no personal data)."""
    return Message(
        key=f"rapport-mensuel-mo/{month}/{buyer['code_mo']}",
        recipients=addresses(buyer.get("email")),
        subject=f"Clauses sociales : rapport d'exécution {of_month(month)}",
        body=letter(
            config,
            "Veuillez trouver ci-joint le rapport d'exécution des clauses sociales d'insertion "
            f"de vos marchés pour le mois {of_month(month)} : heures du mois, heures cumulées "
            "et taux de réalisation de chaque marché au regard de son objectif d'heures.",
            "Ce rapport ne contient aucune donnée nominative.",
        ),
        attachments=(report,),
    )


def monthly_company_message(config: Config, company: Row, month: str, report: Path) -> Message:
    """The monthly report of a company's marchés, with the participants put at its disposal."""
    return Message(
        key=f"rapport-mensuel-entreprise/{month}/{company['siret']}",
        recipients=addresses(company.get("email")),
        subject=f"Clauses sociales : heures d'insertion réalisées {_month_phrase(month)}",
        body=letter(
            config,
            "Veuillez trouver ci-joint le suivi des heures d'insertion réalisées sur les "
            f"marchés dont votre entreprise est attributaire, pour le mois {of_month(month)} : "
            "heures du mois et cumulées par marché, et par participant mis à votre disposition.",
            "Ce document contient des données personnelles : merci de le réserver aux "
            "personnes chargées du suivi de ces marchés.",
        ),
        attachments=(report,),
    )


def semester_message(config: Config, structure: Row, period: str, report: Path) -> Message:
    """The half-yearly table of employees in clause paths, for one structure."""
    label = period_label(period)
    return Message(
        key=f"tableau-semestriel/{period}/{structure['code_structure']}",
        recipients=addresses(structure.get("email")),
        subject=f"Tableau des salariés en parcours clauses : {label}",
        body=letter(
            config,
            "Veuillez trouver ci-joint le tableau des salariés en parcours clauses de votre "
            f"structure pour le {label} : marchés, entreprises, dates de mission, heures par "
            "mois et situation de chaque salarié.",
            "Merci de nous signaler toute différence avec votre propre suivi.",
        ),
        attachments=(report,),
    )


def annual_messages(config: Config, structures: pd.DataFrame, year: str,
                    report: Path) -> list[Message]:
    """The annual report (bilan annuel) to the DDETS-PP and to each structure."""
    subject = f"Bilan annuel {year} des clauses sociales d'insertion — {config.territoire}"
    text = (
        f"Veuillez trouver ci-joint le bilan annuel {year} des clauses sociales d'insertion "
        f"du territoire ({config.territoire}) : heures réalisées, équivalents temps plein, "
        "marchés, maîtres d'ouvrage, entreprises, structures, profil des participants, "
        "sorties et freins à l'emploi."
    )
    messages = [Message(f"bilan-annuel/{year}/ddets", tuple(config.courriel.ddets), subject,
                        letter(config, text), (report,))]
    for _, structure in structures.iterrows():
        messages.append(Message(
            f"bilan-annuel/{year}/{structure['code_structure']}",
            addresses(structure.get("email")), subject, letter(config, text), (report,),
        ))
    return messages


def _period(month: str | None) -> str:
    return f" (période : {month_label(month)})" if month else ""


def _month_phrase(month: str) -> str:
    return f"en {month_label(month)}"


def _late_notice(config: Config) -> str:
    return (
        f"Ce fichier est arrivé après le {config.depot.jour_limite} du mois suivant la "
        "période : ses heures sont comptées et signalées hors délai dans les rapports."
    )
