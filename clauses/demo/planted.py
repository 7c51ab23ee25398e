"""The planted sample: one documented case of every line-level control rule (SPEC §6).

Each case is either a participant of its own (the register makes the rule fire: validated too
late, prescription too old…) with one relevé line, or one line of an ordinary relevé changed as
structures get it wrong (hours unreadable, marché mistyped, line copied twice…). Every planted
line carries its code, a French description and the status the pipeline should give it; the
file-level cases are listed in `FILE_CASES` and laid out by `drops.py`. Cases stay few: the
demo must look healthy (about 95 % of lines accepted).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from clauses.demo.dates import without_accents
from clauses.demo.habits import Habits
from clauses.demo.missions import Line
from clauses.demo.planting import ALERT, CORRECTING, REJECTED, Decision, Planter, Planting
from clauses.demo.territory import Company, Market
from clauses.periods import add_months, month_end, month_label, month_start

# File-level cases (SPEC §6): code → (structure, month index, description).
FILE_CASES: dict[str, tuple[str, int, str]] = {
    "FICHIER_ILLISIBLE": ("ETTI-CRECHE", 0, "Relevé .xlsx tronqué (transfert interrompu) : "
                          "illisible ; la structure le renvoie complet le lendemain."),
    "TYPE_INCONNU": ("GEIQ-BTP79", 1, "Tableau de dotation en équipements de protection envoyé "
                     "par erreur : aucune colonne d'un relevé ni d'un tableau de suivi."),
    "COLONNES_MANQUANTES": ("AI-MARAIS", 2, "Relevé provisoire sans la colonne des heures ; "
                            "le relevé complet suit le lendemain."),
    "PERIODE_INCONNUE": ("EI-ENVIRONNEMENT", 3, "Relevé sans colonne Mois ni cellule « Période » "
                         "ni mois dans le nom de la feuille ; le bon relevé suit."),
    "STRUCTURE_INCONNUE": ("ACI-SEVRE", 4, "Relevé déposé dans le dossier d'un chantier "
                           "d'insertion absent du registre des structures."),
    "FICHIER_DEJA_RECU": ("AI-MARAIS", 5, "Le même relevé renvoyé deux jours plus tard, "
                          "octet pour octet : archivé, rien n'est compté deux fois."),
}
def plant_lines(rng: random.Random, months: list[str], habits: dict[str, Habits],
                lines: list[Line], markets: list[Market], companies: list[Company],
                taken: set[tuple[str, str, date]], numbers: Iterator[int]) -> Planting:
    p = Planter(rng, months, habits, lines, markets, companies, taken, numbers)
    _plant_people(p)
    _plant_mistakes(p)
    _plant_double_declaration(p)
    return p.result


def _plant_double_declaration(p: Planter) -> None:
    """The participant Intérim 79 declares although registered with AI Niort Insertion
    (STRUCTURE_DIFFERENTE) is declared by AI Niort too, for the same marché and month: both
    lines are flagged DOUBLE_DECLARATION. Planted last and without the generator, so that
    every other line of the demo stays as it was."""
    [other] = [x for x in p.lines if x.plant and x.plant[0] == "STRUCTURE_DIFFERENTE"]
    own = p.habits["AI-NIORT"]
    p.lines.append(Line(
        other.person, "AI-NIORT", other.market, other.code_marche, other.month, other.start,
        None, own.contract[0], other.poste, 21.0,
        plant=("DOUBLE_DECLARATION",
               f"Le même participant, sur le même marché ({other.code_marche}) et le même mois, "
               "est aussi déclaré par Intérim 79 : les deux lignes sont signalées.", ALERT)))


def _plant_people(p: Planter) -> None:
    # Two register rows for one person typed twice (Kévin / Kevin, same birth date).
    month = p.month(2)
    start = p.day(month, 2, 9)
    first = p.person("AI-MARAIS", start, start - timedelta(days=30), start - timedelta(days=55))
    twin = p.person("AI-MARAIS", start, start - timedelta(days=200), start - timedelta(days=230),
                    registered="AI-NIORT")
    # The same person registered twice, once without accents or in capitals.
    twin.date_naissance, twin.sexe, twin.criteres = first.date_naissance, first.sexe, first.criteres
    twin.prenom = without_accents(first.prenom)
    twin.nom = first.nom.upper() if twin.prenom == first.prenom else first.nom
    p.line(first, "AI-MARAIS", month, start, ("PARTICIPANT_AMBIGU",
           f"Deux participants du registre ({first.id_participant} et {twin.id_participant}) ont "
           "les mêmes nom, prénom et date de naissance : la ligne ne peut être rattachée.",
           REJECTED))

    for index, structure, decided in ((4, "ETTI-SEVRE", False), (6, "EI-ENVIRONNEMENT", True)):
        month = p.month(index)
        start = p.day(month, 1, 5)
        validation = start + timedelta(days=p.rng.randint(8, 18))
        person = p.person(structure, start, validation, validation - timedelta(days=25))
        text = (f"Mission commencée le {start:%d/%m/%Y}, éligibilité validée par le guichet le "
                f"{validation:%d/%m/%Y} seulement.")
        if decided:
            text += " Une décision « valider » du registre Décisions la fait compter avec alerte."
        line = p.line(person, structure, month, start,
                      ("ELIGIBILITE_NON_VALIDEE", text, ALERT if decided else REJECTED))
        if decided:
            p.result.decisions.append(Decision(
                person, line.code_marche, month, "ELIGIBILITE_NON_VALIDEE", "valider",
                "Claire Dubreuil (guichet unique)", month_end(month) + timedelta(days=12),
                "Démarrage en urgence accepté par le maître d'ouvrage ; l'éligibilité a été "
                f"validée le {validation:%d/%m/%Y}."))

    month = p.month(7, avoid=CORRECTING)
    start = p.day(month, 2, 8)
    validation = start - timedelta(days=p.rng.randint(5, 15))
    prescription = validation - timedelta(days=p.rng.randint(80, 110))
    person = p.person(CORRECTING, start, validation, prescription)
    p.line(person, CORRECTING, month, start, ("PRESCRIPTION_EXPIREE",
           f"Fiche de prescription du {prescription:%d/%m/%Y}, éligibilité validée le "
           f"{validation:%d/%m/%Y} : plus de 2 mois après.", REJECTED))

    month = p.month(9)
    start = p.day(month, 1, 6)
    validation = month_start(add_months(month, -24)) - timedelta(days=p.rng.randint(10, 40))
    person = p.person("GEIQ-BTP79", start, validation, validation - timedelta(days=20))
    p.line(person, "GEIQ-BTP79", month, start, ("ELIGIBILITE_EXPIREE",
           f"Éligibilité validée le {validation:%d/%m/%Y} : les 24 mois sont passés avant "
           f"{month_label(month)}.", REJECTED))

    month = p.month(10)
    start = p.day(month, 2, 9)
    person = p.person("ETT-INTERIM79", start, start - timedelta(days=45),
                      start - timedelta(days=70), registered="AI-NIORT")
    p.line(person, "ETT-INTERIM79", month, start, ("STRUCTURE_DIFFERENTE",
           "Participant inscrit au registre avec AI Niort Insertion, déclaré par Intérim 79.",
           ALERT))

    month = p.month(8)
    start = p.day(month, 1, 8)
    stranger = p.person("EI-RECYCLERIE", start, start, start, register=False)
    stranger.nom, stranger.prenom = "Dos Santos", "Mickaël"
    p.line(stranger, "EI-RECYCLERIE", month, start, ("PARTICIPANT_INCONNU",
           "Dos Santos Mickaël n'est pas dans le registre d'éligibilité "
           "(embauché sans validation du guichet).", REJECTED))


def _mistyped(code: str, known: set[str]) -> str:
    """A code as a hurried person types it: two digits swapped, or one digit off."""
    swapped = code[:-2] + code[-1] + code[-2]
    for candidate in (swapped, code[:-1] + str((int(code[-1]) + 1) % 10), code + "B"):
        if candidate not in known:
            return candidate
    return code + "-X"


def _plant_mistakes(p: Planter) -> None:
    line = p.host("AI-MARAIS", month=p.month(3))
    line.cells["heures"] = "n.c."
    line.plant = ("VALEUR_INVALIDE", "Heures « n.c. » (non communiquées) : valeur illisible "
                  "dans la colonne des heures.", REJECTED)

    line = p.host("ETTI-SEVRE", month=p.month(5))
    line.hours = 238.0
    line.plant = ("HEURES_HORS_LIMITES", "238 h déclarées sur un mois : au-delà du maximum "
                  "de 208 h.", REJECTED)

    line = p.host("EI-RECYCLERIE", month=p.month(1))
    line.hours = 0.0
    line.plant = ("HEURES_HORS_LIMITES", "0 h déclarée (salarié en arrêt tout le mois) : "
                  "les heures doivent être supérieures à 0.", REJECTED)

    known = {m.code_marche for m in p.markets}
    line = p.host("GEIQ-BTP79", month=p.month(6))
    wrong = _mistyped(line.code_marche, known)
    line.plant = ("MARCHE_INCONNU", f"Code marché « {wrong} » au lieu de « {line.code_marche} » "
                  "(chiffres inversés) : absent du registre des marchés.", REJECTED)
    line.code_marche = wrong

    line = p.host("EI-ENVIRONNEMENT", lambda x: any(
        m.date_fin < month_start(x.month) for m in p.markets), month=p.month(7))
    ended = p.rng.choice([m for m in p.markets if m.date_fin < month_start(line.month)])
    line.plant = ("HORS_PERIODE_MARCHE", f"Heures de {month_label(line.month)} déclarées sur le "
                  f"marché {ended.code_marche}, terminé le {ended.date_fin:%d/%m/%Y} "
                  "(ligne recopiée d'un ancien relevé).", REJECTED)
    line.market, line.code_marche = ended, ended.code_marche

    line = p.host("AI-MARAIS", month=p.month(9))
    line.start = month_end(line.month) + timedelta(days=p.rng.randint(2, 6))
    line.end = None
    line.plant = ("MISSION_HORS_MOIS", f"Mission déclarée commencée le {line.start:%d/%m/%Y}, "
                  f"après la fin du mois des heures ({month_label(line.month)}).", REJECTED)

    last, following = p.months[-1], add_months(p.months[-1], 1)
    model = p.host("ETTI-SEVRE", lambda x: x.market.date_fin >= month_end(following),
                   lambda h: h.month_in == "column", month=last)
    future = Line(model.person, model.structure, model.market, model.code_marche, following,
                  model.start, None, model.contract, model.poste, 35.0, file_month=last,
                  at_end=True)
    future.plant = ("PERIODE_FUTURE", f"Heures prévisionnelles de {month_label(following)} "
                    "ajoutées au relevé alors que ce mois n'est pas terminé.", REJECTED)
    p.lines.append(future)

    model = p.host("EI-ENVIRONNEMENT", month=p.month(11))
    copy = Line(model.person, model.structure, model.market, model.code_marche, model.month,
                model.start, model.end, model.contract, model.poste, model.hours,
                at_end=True)
    copy.plant = ("DOUBLON", "La même ligne (participant, marché, mois) recopiée en bas du "
                  "relevé : la seconde est écartée.", REJECTED)
    p.lines.append(copy)

    line = p.host("ETTI-NIORT",
                  structures=lambda h: bool(h.company_as) and not h.total and h.every == 1,
                  month=p.month(4, avoid=CORRECTING))
    other = p.rng.choice([c for c in p.companies if c.sector == line.market.sector
                          and c.siret != line.market.siret])
    habits = p.habits[line.structure]
    line.cells["entreprise"] = other.siret if habits.company_as == "siret" else other.nom
    line.plant = ("ENTREPRISE_DIFFERENTE", f"Entreprise déclarée « {other.nom} » (sous-traitant) "
                  "au lieu de l'attributaire du marché.", ALERT)

    total = p.host("AI-NIORT", structures=lambda h: h.total, month=p.month(3))
    p.result.totals[(total.structure, total.file_month)] = 14.0
    p.blocked.add((total.structure, total.file_month))
