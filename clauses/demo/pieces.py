"""Pièces justificatives the structures send with their relevés (SPEC §5.1: archived and logged,
never rejected): contracts of new missions as PDF, end-of-mission evaluation sheets as .docx."""

from __future__ import annotations

from clauses.demo.files import docx_bytes, pdf_bytes
from clauses.demo.habits import Habits
from clauses.demo.missions import Mission
from clauses.demo.territory import Company
from clauses.periods import month_end, month_start

MAX_PER_MONTH = 3  # a few per month: enough to show them in the reports, not to flood the inbox


def pieces_for(habits: Habits, month: str, missions: list[Mission],
               companies: dict[str, Company]) -> list[tuple[str, bytes]]:
    """(file name, bytes) of the pièces `habits`' structure sends for `month`."""
    if habits.pieces == "contrats":
        starting = [m for m in missions if month_start(month) <= m.start <= month_end(month)]
        return [_contract(habits, month, m, companies) for m in starting[:MAX_PER_MONTH]]
    if habits.pieces == "evaluations":
        ending = [m for m in missions if month_start(month) <= m.end <= month_end(month)]
        return [_evaluation(habits, month, m, companies) for m in ending[:MAX_PER_MONTH - 1]]
    return []


def _contract(habits: Habits, month: str, mission: Mission,
              companies: dict[str, Company]) -> tuple[str, bytes]:
    person, market = mission.person, mission.market
    company = companies[market.siret]
    lines = [
        "CONTRAT DE MISE À DISPOSITION",
        habits.nom,
        "",
        f"Salarié : {person.prenom} {person.nom.upper()}",
        f"Entreprise utilisatrice : {company.nom} (SIRET {company.siret})",
        f"Marché : {market.code_marche} – {market.intitule}",
        f"Poste : {mission.poste}",
        f"Début de la mise à disposition : {mission.start:%d/%m/%Y}",
        f"Durée hebdomadaire prévue : {mission.monthly_hours * 12 / 52:.0f} heures",
        "",
        "Fait à Niort, en deux exemplaires.",
        "Signatures : la structure, l'entreprise utilisatrice, le salarié.",
    ]
    name = f"contrats/Contrat MAD {person.nom.upper()} {person.prenom} {month}.pdf"
    return name, pdf_bytes(lines)


def _evaluation(habits: Habits, month: str, mission: Mission,
                companies: dict[str, Company]) -> tuple[str, bytes]:
    person, market = mission.person, mission.market
    paragraphs = [
        "Fiche d'évaluation de fin de mission",
        f"Structure : {habits.nom}",
        f"Salarié : {person.prenom} {person.nom.upper()}",
        f"Entreprise : {companies[market.siret].nom} – marché {market.code_marche}",
        f"Mission du {mission.start:%d/%m/%Y} au {mission.end:%d/%m/%Y}, poste : {mission.poste}",
        "Savoir-être : ponctualité, travail en équipe, respect des consignes de sécurité.",
        "Compétences techniques acquises : satisfaisant.",
        f"Suite envisagée : {person.sortie}.",
    ]
    name = (f"{month[:4]}/evaluations/Fiche évaluation fin de mission - {person.nom.upper()} "
            f"{person.prenom} {month}.docx")
    return name, docx_bytes(paragraphs)
