"""The French e-mails Clauses sends (SPEC §9), one builder per kind of message.

Each builder only says who gets what and in which words; `clauses.mail.sending.send_messages` does the
sending. Keys name a message for the send log: one per file, per report and period, per
recipient group, so a re-run never sends a message twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from clauses.addresses import split_addresses
from clauses.checking.months import replacement_sentence
from clauses.config import Config
from clauses.ledger import FileRecord
from clauses.mail.sending import Message
from clauses.periods import month_label, of_month, period_label
from clauses.reports.editions import edition_number
from clauses.vocabulary import FILE_REASONS, Kind

Row = Mapping[str, Any] | pd.Series  # a register row (Series or dict): code, `nom`, `email`


def addresses(cell: Any) -> tuple[str, ...]:
    """The addresses of a register's `email` cell: empty, one, or several separated by ; , or
    spaces (facilitators often list a second contact in the same cell). The registers refuse
    a bad cell when they load; this is the same split."""
    return split_addresses(cell)


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


def control_report_key(statut: str, code_structure: str, sha256: str) -> str:
    """The send-log key of a file's control report (or quarantine notice)."""
    kind = "quarantaine" if statut == "quarantaine" else "compte-rendu"
    return f"{kind}/{code_structure}/{sha256}"


def control_report_message(config: Config, structure: Row, record: FileRecord,
                           report: Path, replaced: pd.DataFrame | None = None) -> Message:
    """The control report of a processed file, back to the structure that sent it; with what
    it replaced (`fichiers_mois` rows with `remplace` set), SPEC §7."""
    name = record.nom_fichier
    if record.type == Kind.SUIVI:
        summary = (f"Compte rendu de contrôle de votre fichier « {name} » (tableau de suivi) : "
                   f"{count(record.lignes, 'ligne enregistrée', 'lignes enregistrées')}.")
    else:
        summary = (
            f"Compte rendu de contrôle de votre fichier « {name} »"
            f"{_period(record.mois)} : "
            f"{count(record.acceptees + record.alertes, 'ligne comptée', 'lignes comptées')} "
            f"(dont {record.alertes} avec alerte), "
            f"{count(record.rejetees, 'rejetée', 'rejetées')}."
        )
    paragraphs = [summary, (
        "Le détail de chaque ligne, avec le motif de chaque rejet ou alerte, figure dans le "
        "classeur joint (feuille « Lignes »). Les lignes rejetées ne sont pas comptées : pour "
        "les corriger, déposez un relevé complet corrigé pour le même mois, il remplacera "
        "celui-ci."
    )]
    if record.motif == "TOTAL_INCOHERENT" and record.message:
        paragraphs.insert(1, f"Alerte sur le fichier : {record.message}")
    if replaced is not None and len(replaced):
        paragraphs.append("Ce relevé remplace les lignes que votre structure avait déjà "
                          "envoyées pour ces mois :\n" + "\n".join(
                              f"- {replacement_sentence(row)}" for _, row in replaced.iterrows()))
    if record.en_retard:
        paragraphs.append(_late_notice(config))
    return _to(structure, control_report_key("traité", record.code_structure, record.sha256),
               f"Compte rendu de contrôle de votre fichier « {name} »",
               letter(config, *paragraphs), report)


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
    return _to(structure, control_report_key("quarantaine", record.code_structure, record.sha256),
               f"Fichier non pris en compte : « {record.nom_fichier} »",
               letter(config, *paragraphs), report)


def monthly_buyer_message(config: Config, buyer: Row, month: str, report: Path) -> Message:
    """The monthly execution report of a maître d'ouvrage's marchés (no personal data)."""
    body = letter(
        config,
        "Veuillez trouver ci-joint le rapport d'exécution des clauses sociales d'insertion "
        f"de vos marchés pour le mois {of_month(month)} : heures du mois, heures cumulées "
        "et taux de réalisation de chaque marché au regard de son objectif d'heures.",
        "Ce rapport ne contient aucune donnée nominative.",
    )
    return _to(buyer, edition_key(f"rapport-mensuel-mo/{month}/{buyer['code_mo']}", report),
               f"Clauses sociales : rapport d'exécution {of_month(month)}{_nth(report)}",
               _with_edition(body, report), report)


def monthly_company_message(config: Config, company: Row, month: str, report: Path) -> Message:
    """The monthly report of a company's marchés, with the participants put at its disposal."""
    body = letter(
        config,
        "Veuillez trouver ci-joint le suivi des heures d'insertion réalisées sur les "
        f"marchés dont votre entreprise est attributaire, pour le mois {of_month(month)} : "
        "heures du mois et cumulées par marché, et par participant mis à votre disposition.",
        "Ce document contient des données personnelles : merci de le réserver aux "
        "personnes chargées du suivi de ces marchés.",
    )
    return _to(company, edition_key(f"rapport-mensuel-entreprise/{month}/{company['siret']}",
                                    report),
               f"Clauses sociales : heures d'insertion réalisées en {month_label(month)}"
               f"{_nth(report)}", _with_edition(body, report), report)


def semester_message(config: Config, structure: Row, period: str, report: Path) -> Message:
    """The half-yearly table of employees in clause paths, for one structure."""
    label = period_label(period)
    body = letter(
        config,
        "Veuillez trouver ci-joint le tableau des salariés en parcours clauses de votre "
        f"structure pour le {label} : marchés, entreprises, dates de mission, heures par "
        "mois et situation de chaque salarié.",
        "Merci de nous signaler toute différence avec votre propre suivi.",
    )
    return _to(structure, edition_key(f"tableau-semestriel/{period}/"
                                      f"{structure['code_structure']}", report),
               f"Tableau des salariés en parcours clauses : {label}{_nth(report)}",
               _with_edition(body, report), report)


def annual_messages(config: Config, structures: pd.DataFrame, year: str,
                    report: Path) -> list[Message]:
    """The annual report (bilan annuel) to the DDETS-PP and to each structure."""
    subject = (f"Bilan annuel {year} des clauses sociales d'insertion — {config.territoire}"
               f"{_nth(report)}")
    text = (
        f"Veuillez trouver ci-joint le bilan annuel {year} des clauses sociales d'insertion "
        f"du territoire ({config.territoire}) : heures réalisées, équivalents temps plein, "
        "marchés, maîtres d'ouvrage, entreprises, structures, profil des participants, "
        "sorties et freins à l'emploi."
    )
    body = _with_edition(letter(config, text), report)
    messages = [Message(edition_key(f"bilan-annuel/{year}/ddets", report),
                        tuple(config.courriel.ddets), subject, body, (report,))]
    for _, structure in structures.iterrows():
        messages.append(_to(structure, edition_key(
            f"bilan-annuel/{year}/{structure['code_structure']}", report), subject, body, report))
    return messages


def edition_key(key: str, report: Path) -> str:
    """The send-log key of a report's edition: a second edition is a new message (it is sent),
    the same edition never twice. The first edition keeps the plain key."""
    number = edition_number(report)
    return key if number == 1 else f"{key}/ed{number}"


def _nth(report: Path) -> str:
    number = edition_number(report)
    return "" if number == 1 else f" (édition {number})"


def _with_edition(body: str, report: Path) -> str:
    """A second edition says so in the letter; the workbook's own note says what changed."""
    if edition_number(report) == 1:
        return body
    notice = ("Cette nouvelle édition remplace la précédente : la note en tête du classeur "
              "indique ce qui a changé et pourquoi.")
    return body.replace("\n\nPour toute question", f"\n\n{notice}\n\nPour toute question", 1)


def _to(row: Row, key: str, subject: str, body: str, report: Path | None) -> Message:
    """A message to the addresses of a register row, with its report attached if there is one."""
    return Message(key=key, recipients=addresses(row.get("email")), subject=subject, body=body,
                   attachments=(report,) if report else ())


def _period(month: str | None) -> str:
    return f" (période : {month_label(month)})" if month else ""


def _late_notice(config: Config) -> str:
    return (
        f"Ce fichier est arrivé après le {config.depot.jour_limite} du mois suivant la "
        "période : ses heures sont comptées et signalées hors délai dans les rapports."
    )
