"""Participants of the demo: plausible profiles for the eligibility register (SPEC §4).

Ages, criteria, prescribers and education levels follow the public of insertion clauses
(many long-term job seekers and RSA recipients, young people sent by the Mission Locale,
seniors); names carry the accents, hyphens and apostrophes the matching must cope with.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from clauses.demo.dates import fold
from clauses.demo.habits import Habits
from clauses.vocabulary import BARRIERS, EDUCATION_LEVELS, EXIT_SITUATIONS, Criterion

FIRST_NAMES_F = (
    "Éloïse", "Marie", "Anaïs", "Noémie", "Hélène", "Aïcha", "Fatoumata", "Mélissa", "Zoé",
    "Chloé", "Sandrine", "Nathalie", "Léa", "Inès", "Manon", "Sophie", "Céline", "Émilie",
    "Marie-Claire", "Anne-Sophie", "Laëtitia", "Océane", "Sabrina", "Karima", "Nadia", "Maëlys",
    "Valérie", "Corinne", "Jessica", "Amandine", "Aurélie", "Mariam", "Yasmina", "Gaëlle",
)
FIRST_NAMES_M = (
    "Jean-Baptiste", "Kévin", "Loïc", "Maël", "Jérôme", "Cédric", "Stéphane", "Mamadou", "Karim",
    "Thomas", "Nicolas", "Julien", "Anthony", "Mickaël", "Yannick", "Grégory", "Dylan", "Enzo",
    "Théo", "Hugo", "Lucas", "Mohamed", "Youssef", "Sébastien", "Franck", "Jean-Marc", "Pierre",
    "Frédéric", "Bruno", "Ibrahima", "Moussa", "Rémi", "Jordan", "Alexis", "Noël", "Hervé",
    "Jean-François", "Benoît", "Killian", "Bilal",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Le Goff", "N'Diaye", "Guérin", "Lefèvre", "Rousseau",
    "Moreau", "Benali", "Da Silva", "Nguyen", "Traoré", "Diallo", "Fontaine", "Chevalier",
    "Gauthier", "Perrin", "Robin", "Morin", "Mercier", "Brunet", "Roux", "Blanchard", "Giraud",
    "Joly", "Rivière", "Arnaud", "Barbier", "Guillot", "Caillaud", "Bonnin", "Texier",
    "Chaigneau", "Guitton", "Sabourin", "Rabier", "Ménard", "Tessier", "Bouchet", "Baudouin",
    "Garnier", "Lambert", "Fournier", "Girard", "Bonnet", "Dupont", "Lemoine", "Marchand",
    "Aubert", "Charpentier", "Picard", "Saïdi", "Haddad", "Kaya", "Yilmaz", "Mendes", "Pereira",
    "Ferreira", "Lopes", "Sow", "Camara", "Koné", "Cissé", "Fofana", "Le Bihan", "Le Roux",
    "Saint-Jean", "Ben Amor", "El Idrissi", "Boisseau", "Poupard", "Renaudin", "Gaboriau",
    "Pouvreau", "Brossard", "Métayer", "Bouyer", "Chauvet", "Favreau", "Hérault", "Jamin",
    "Lhomme", "Naudin", "Pineau", "Raffin", "Savary", "Thibault", "Vrignaud", "Audebrand",
)
# Communes of the agglomeration, weighted; the QPV (priority neighbourhoods) are in Niort.
COMMUNES = (("Niort", 55), ("Chauray", 6), ("Aiffres", 5), ("Échiré", 4), ("Bessines", 3),
            ("Magné", 4), ("La Crèche", 6), ("Vouillé", 3), ("Saint-Gelais", 3), ("Coulon", 3),
            ("Prahecq", 2), ("Frontenay-Rohan-Rohan", 3), ("Mauzé-sur-le-Mignon", 3))
PRESCRIBERS = ("France Travail", "Mission Locale", "Cap Emploi", "PLIE",
               "Conseil départemental", "CCAS")
# With their hours where a structure writes them (the bilan's « Accompagnement et formation »).
SUPPORT = ("Suivi socio-professionnel mensuel (2 h)", "Aide au permis de conduire",
           "Accompagnement vers le logement (4 h)", "Atelier CV et entretien (6 h)",
           "Point mensuel avec le chargé d'insertion", "Orientation vers un suivi santé",
           "Appui aux démarches numériques (3 h)")
TRAINING = ("", "", "", "SST sauveteur secouriste du travail (14 h)", "CACES R482 (21 h)",
            "Habilitation électrique B0 (7 h)",
            "Titre professionnel agent de propreté et d'hygiène (280 h)",
            "Formation gestes et postures (7 h)", "CQP ouvrier qualifié (140 h)",
            "Permis B (30 h)")


@dataclass
class Person:
    id_participant: str
    nom: str
    prenom: str
    date_naissance: date
    sexe: str
    commune: str
    qpv: bool
    niveau_formation: str
    criteres: str
    prescripteur: str
    date_prescription: date
    date_validation: date | None
    code_structure: str | None  # as registered (optional in the register)
    structure: str  # the structure whose relevés name this person
    path_start: date
    freins: list[str] = field(default_factory=list)
    sortie: str = "autre"
    accompagnement: str = ""
    formation: str = ""

    @property
    def identity(self) -> tuple[str, str, date]:
        return fold(self.nom), fold(self.prenom), self.date_naissance


def _age(rng: random.Random) -> int:
    band = rng.choices(("jeune", "adulte", "senior"), (25, 55, 20))[0]
    return {"jeune": rng.randint(18, 25), "adulte": rng.randint(26, 49),
            "senior": rng.randint(50, 63)}[band]


def _criteria(rng: random.Random, age: int, qpv: bool, habits: Habits) -> list[str]:
    chosen = {
        Criterion.JEUNE: age < 26 and rng.random() < 0.9,
        Criterion.SENIOR: age >= 50 and rng.random() < 0.8,
        Criterion.QPV: qpv and rng.random() < 0.9,
        Criterion.DELD: rng.random() < 0.45,
        Criterion.RSA: age >= 25 and rng.random() < 0.3,
        Criterion.AAH: rng.random() < 0.04,
        Criterion.RQTH: rng.random() < 0.09,
        Criterion.SIAE: habits.type in ("AI", "ETTI", "EI") and rng.random() < 0.3,
    }
    chosen[Criterion.ASS] = not chosen[Criterion.RSA] and age >= 30 and rng.random() < 0.05
    codes = [c.value for c in Criterion if chosen.get(c)]
    return codes or [Criterion.AUTRE.value]


def _prescriber(rng: random.Random, criteria: list[str]) -> str:
    if "JEUNE" in criteria and rng.random() < 0.7:
        return "Mission Locale"
    if ("RQTH" in criteria or "AAH" in criteria) and rng.random() < 0.6:
        return "Cap Emploi"
    if "RSA" in criteria and rng.random() < 0.5:
        return rng.choice(("Conseil départemental", "PLIE"))
    return rng.choices(PRESCRIBERS, (60, 4, 3, 20, 5, 8))[0]


def make_person(rng: random.Random, number: int, habits: Habits, path_start: date,
                taken: set[tuple[str, str, date]]) -> Person:
    """One participant of `habits`' structure, validated a few weeks before `path_start`."""
    # Cleaning employs more women, building sites far fewer.
    female_share = 0.6 if "proprete" in habits.sectors else (
        0.08 if "gros_oeuvre" in habits.sectors else 0.35)
    sexe = "F" if rng.random() < female_share else "M"
    age = _age(rng)
    while True:
        prenom = rng.choice(FIRST_NAMES_F if sexe == "F" else FIRST_NAMES_M)
        nom = rng.choice(LAST_NAMES)
        born = path_start - timedelta(days=365 * age + rng.randint(0, 364))
        # Chance homonyms (same folded name and birth date) would be PARTICIPANT_AMBIGU: that
        # case is planted on purpose only (planted.py).
        if (fold(nom), fold(prenom), born) not in taken:
            taken.add((fold(nom), fold(prenom), born))
            break
    commune = rng.choices([c for c, _ in COMMUNES], [w for _, w in COMMUNES])[0]
    qpv = commune == "Niort" and rng.random() < 0.4
    criteria = _criteria(rng, age, qpv, habits)
    validation = path_start - timedelta(days=rng.randint(4, 110))
    prescription = validation - timedelta(days=rng.randint(3, 50))  # within the 2 months
    freins = sorted(rng.sample(BARRIERS[:7], rng.choice((0, 1, 1, 2, 2, 3))), key=BARRIERS.index)
    return Person(
        id_participant=f"P-{number:04d}", nom=nom, prenom=prenom, date_naissance=born,
        sexe=sexe, commune=commune, qpv=qpv,
        niveau_formation=rng.choices(EDUCATION_LEVELS, (42, 33, 17, 8))[0],
        criteres=";".join(criteria), prescripteur=_prescriber(rng, criteria),
        date_prescription=prescription, date_validation=validation,
        code_structure=habits.code if rng.random() < 0.85 else None,
        structure=habits.code, path_start=path_start, freins=freins,
        sortie=rng.choices(EXIT_SITUATIONS, (22, 28, 20, 30))[0],
        accompagnement=rng.choice(SUPPORT), formation=rng.choice(TRAINING),
    )


def make_people(rng: random.Random, numbers: list[int], habits: tuple[Habits, ...], first: date,
                last: date, taken: set[tuple[str, str, date]]) -> list[Person]:
    """One participant per register number, spread over the structures by their share; paths
    start from five months before the window (people already on a mission) to its last weeks."""
    people = []
    shares = [h.share for h in habits]
    span = (last - first).days + 150 - 20
    for number in numbers:
        chosen = rng.choices(habits, shares)[0]
        start = first - timedelta(days=150) + timedelta(days=rng.randint(0, max(span, 1)))
        people.append(make_person(rng, number, chosen, start, taken))
    return people


def written_name(text: str, style: str, rng: random.Random) -> str:
    """How a structure types a name: as registered, in capitals, or carelessly (SPEC §5.3)."""
    if style == "upper":
        return text.upper()
    if style == "messy":
        variant = rng.random()
        if variant < 0.25:
            return text.upper()
        if variant < 0.45:
            return fold(text).title() if "'" not in text else text.lower()
        if variant < 0.6:
            return text.replace(" ", "  ").replace("-", " ") + " "
    return text
