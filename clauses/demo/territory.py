"""The demo territory: the Niort agglomeration, its public buyers, companies and marchés.

Buyers are the real kinds of a guichet's partners (agglomeration, towns, social landlords,
département); companies are fictional, with Luhn-valid SIRETs (SPEC §4); marché titles follow
the way buyers name their lots.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta

from clauses.demo.dates import slug
from clauses.periods import add_months, month_end, month_start
from clauses.siret import complete_siret


@dataclass(frozen=True)
class Buyer:
    code_mo: str
    nom: str
    kind: str  # "agglo" | "ville" | "bailleur" | "departement"

    @property
    def email(self) -> str:
        return f"commande-publique@{slug(self.nom)}.example.org"


@dataclass(frozen=True)
class Company:
    siret: str
    nom: str
    sector: str

    @property
    def email(self) -> str:
        return f"clauses@{slug(self.nom)}.example.org"


@dataclass
class Market:
    code_marche: str
    intitule: str
    code_mo: str
    siret: str
    sector: str
    date_debut: date
    date_fin: date
    weight: float  # share of the placements it attracts
    pace: float  # realisation rate reached relative to the time elapsed (1 = on track)
    heures_objectif: float = 0.0  # set once the hours are simulated (missions.calibrate_targets)
    heures_reprise: float = 0.0  # hours before the guichet used Clauses (same calibration)


BUYERS: tuple[Buyer, ...] = (
    Buyer("CAN", "Communauté d'Agglomération du Niortais", "agglo"),
    Buyer("NIORT", "Ville de Niort", "ville"),
    Buyer("CHAURAY", "Commune de Chauray", "ville"),
    Buyer("AIFFRES", "Commune d'Aiffres", "ville"),
    Buyer("ECHIRE", "Commune d'Échiré", "ville"),
    Buyer("LACRECHE", "Commune de La Crèche", "ville"),
    Buyer("VOUILLE", "Commune de Vouillé", "ville"),
    Buyer("MAGNE", "Commune de Magné", "ville"),
    Buyer("STGELAIS", "Commune de Saint-Gelais", "ville"),
    Buyer("DSH", "Deux-Sèvres Habitat", "bailleur"),
    Buyer("IAA", "Immobilière Atlantic Aménagement", "bailleur"),
    Buyer("CD79", "Département des Deux-Sèvres", "departement"),
)
_PREFIX = {"CAN": "CAN", "NIORT": "NIO", "CHAURAY": "CHY", "AIFFRES": "AIF", "ECHIRE": "ECH",
           "LACRECHE": "LCR", "VOUILLE": "VOU", "MAGNE": "MAG", "STGELAIS": "SGL", "DSH": "DSH",
           "IAA": "IAA", "CD79": "D79"}

COMPANY_NAMES: dict[str, tuple[str, ...]] = {
    "gros_oeuvre": ("Bâtiment Sèvre Atlantique", "Maçonnerie Gaboriau et Fils",
                    "Société Niortaise de Bâtiment", "Constructions du Marais Poitevin",
                    "Rocher Gros Œuvre", "Guillon Bâtiment", "Aunis Saintonge Construction"),
    "second_oeuvre": ("Plâtrerie Chauraysienne", "Atelier Menuiserie Moreau",
                      "Peintures Texier Décoration", "Élec Services 79",
                      "Sanitaire Chauffage Bonnin", "Couverture Charpente Sabourin",
                      "Isolation Thermique de l'Ouest", "Menuiseries Alu Niortaises",
                      "Sols et Carrelages Rabier", "Plomberie Guitton",
                      "Ravalement Façades Poitou", "Métallerie Aiffrienne"),
    "tp": ("Routes et Réseaux du Niortais", "TP Bocage Terrassement",
           "Canalisations Sèvre Environnement", "Voirie Poitou Travaux",
           "Terrassements Chaigneau", "Signalisation Marquage 79"),
    "espaces_verts": ("Jardins et Paysages du Marais", "Espaces Verts Bessinois",
                      "Paysages Guérin", "Vert Horizon Élagage", "Nature et Entretien Échiré"),
    "proprete": ("Propreté Niortaise Services", "Net'Ouest Nettoyage", "Clair Habitat Propreté",
                 "Hygiène Bâtiments Deux-Sèvres", "Vitrerie Nettoyage Sevrien",
                 "Atlantique Multiservices Propreté"),
    "dechets": ("Collecte Environnement 79", "Valorisation Déchets du Niortais",
                "Sèvre Recyclage", "Transports Collecte Ménard"),
}

# Title templates by sector, each with the kinds of buyer that let such marchés.
TITLES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "gros_oeuvre": (
        ("Construction du groupe scolaire {ecole} – lot 1 gros œuvre", ("ville", "agglo")),
        ("Réhabilitation de {n} logements résidence {residence} – lot 2 démolition gros œuvre",
         ("bailleur",)),
        ("Extension de la salle des sports de {commune} – lot 1 gros œuvre", ("ville",)),
        ("Construction d'une maison de santé à {commune} – lot 2 maçonnerie", ("ville", "agglo")),
        ("Restructuration du collège {college} – lot 3 gros œuvre", ("departement",)),
    ),
    "second_oeuvre": (
        ("Réhabilitation thermique de {n} logements résidence {residence} – lot {lot}",
         ("bailleur",)),
        ("Rénovation de la mairie de {commune} – lot {lot}", ("ville",)),
        ("Construction du groupe scolaire {ecole} – lot {lot}", ("ville",)),
        ("Restructuration du collège {college} – lot {lot}", ("departement",)),
        ("Rénovation du centre aquatique Pré-Leroy – lot {lot}", ("agglo",)),
    ),
    "tp": (
        ("Aménagement de la {rue} – voirie et réseaux", ("agglo", "ville")),
        ("Création d'une piste cyclable entre {commune} et Niort", ("agglo", "departement")),
        ("Renouvellement des réseaux d'eau potable – {commune}", ("agglo",)),
        ("Entretien de la voirie communautaire – secteur {secteur}", ("agglo",)),
        ("Aménagement du parc d'activités {zone} – lot 1 terrassement VRD", ("agglo",)),
        ("Entretien des routes départementales – secteur {secteur}", ("departement",)),
    ),
    "espaces_verts": (
        ("Entretien des espaces verts – secteur {secteur}", ("ville", "agglo")),
        ("Fauchage et débroussaillage des bords de routes – secteur {secteur}",
         ("departement",)),
        ("Entretien des espaces extérieurs des résidences – {residence}", ("bailleur",)),
        ("Élagage et abattage d'arbres – {commune}", ("ville",)),
    ),
    "proprete": (
        ("Nettoyage des locaux administratifs – {site}", ("agglo", "departement", "ville")),
        ("Nettoyage des parties communes – résidence {residence}", ("bailleur",)),
        ("Nettoyage des vitres des bâtiments communaux – {commune}", ("ville",)),
        ("Entretien ménager des groupes scolaires de {commune}", ("ville",)),
    ),
    "dechets": (
        ("Collecte des déchets ménagers – secteur {secteur}", ("agglo",)),
        ("Gestion des déchèteries communautaires – lot {n_lot}", ("agglo",)),
        ("Collecte des encombrants et dépôts sauvages – {commune}", ("agglo",)),
        ("Tri et valorisation des déchets de chantier – {site}", ("agglo",)),
    ),
}
_BUYER_KINDS = {sector: tuple(sorted({k for _, kinds in titles for k in kinds}))
                for sector, titles in TITLES.items()}
# Bigger buyers let more marchés.
_BUYER_WEIGHT = {"CAN": 5, "NIORT": 5, "DSH": 3, "IAA": 2, "CD79": 3}
# « de Aiffres » → « d'Aiffres ».
_ELISION = re.compile(r"\bde (?=[AEIOUYÉÈÊÂÎÔ])")
# A town's marchés are in the town.
_TOWN = {"NIORT": "Niort", "CHAURAY": "Chauray", "AIFFRES": "Aiffres", "ECHIRE": "Échiré",
         "LACRECHE": "La Crèche", "VOUILLE": "Vouillé", "MAGNE": "Magné",
         "STGELAIS": "Saint-Gelais"}
_FILL = {
    "ecole": ("Jules-Ferry", "Jean-Zay", "Louis-Pasteur", "Ernest-Pérochon", "Jacques-Prévert",
              "Émile-Zola", "George-Sand"),
    "college": ("Jean-Rostand", "Pierre-et-Marie-Curie", "Fontanes", "Jean-Zay"),
    "residence": ("Clou Bouchet", "Tour Chabot", "Pontreau", "Champclairot", "Colline Saint-André",
                  "Les Brizeaux", "Sainte-Pezenne", "Gavacherie"),
    "commune": ("Niort", "Chauray", "Aiffres", "Échiré", "Bessines", "Magné", "La Crèche",
                "Vouillé", "Saint-Gelais", "Coulon", "Sciecq", "Prahecq"),
    "secteur": ("nord", "sud", "est", "ouest", "centre", "Marais"),
    "rue": ("rue de la Gare", "avenue de Paris", "rue du Clou Bouchet", "avenue de Limoges",
            "rue de Ribray", "route de Coulonges"),
    "zone": ("Les Portes du Marais", "Terre de Sports", "Mendès-France", "Saint-Liguaire"),
    "site": ("hôtel d'agglomération", "centre administratif", "maison départementale",
             "pôle culturel", "centre technique municipal"),
    "lot": ("3 plâtrerie", "4 menuiseries intérieures", "5 menuiseries extérieures",
            "6 isolation par l'extérieur", "7 électricité", "8 plomberie chauffage",
            "9 peinture", "10 sols souples", "2 couverture"),
    "n": ("12", "24", "36", "48", "60", "72", "96"),
    "n_lot": ("1", "2", "3"),
}


def make_siret(rng: random.Random) -> str:
    """A fictional establishment: a SIREN whose own Luhn key holds, then its SIRET key (the
    product's own validation, clauses/siret.py)."""
    while True:
        body = str(rng.randint(30_000_000, 99_999_999))
        if not body.startswith("35600000"):  # La Poste's SIREN follows another rule
            return complete_siret(body + "0" + f"{rng.randint(1, 9):04d}")


def make_companies(rng: random.Random) -> list[Company]:
    return [Company(make_siret(rng), name, sector)
            for sector, names in COMPANY_NAMES.items() for name in names]


def _title(rng: random.Random, sector: str, buyer: Buyer, used: set[str]) -> str:
    templates = [t for t, kinds in TITLES[sector] if buyer.kind in kinds]
    for _ in range(200):
        fill = {key: rng.choice(values) for key, values in _FILL.items()}
        if buyer.code_mo in _TOWN:
            fill["commune"] = _TOWN[buyer.code_mo]
        title = _ELISION.sub("d'", rng.choice(templates).format(**fill))
        if title not in used:
            used.add(title)
            return title
    return f"{rng.choice(templates).format(**fill)} ({len(used) + 1})"


def _size(buyer: Buyer, sector: str) -> float:
    """How many placements a marché attracts: the agglomeration's waste collection is a big
    one, a small town's plumbing lot a small one."""
    by_buyer = {"CAN": 2.0, "NIORT": 1.6, "CD79": 1.4, "DSH": 1.3, "IAA": 1.0}
    by_sector = {"dechets": 1.4, "proprete": 1.2, "espaces_verts": 1.0, "gros_oeuvre": 1.0,
                 "tp": 0.8, "second_oeuvre": 0.5}
    return by_buyer.get(buyer.code_mo, 0.5) * by_sector[sector]


def _buyer(rng: random.Random, sector: str, served: set[str]) -> Buyer:
    """A buyer that lets marchés of `sector`; each buyer gets one before any gets a second."""
    fitting = [b for b in BUYERS if b.kind in _BUYER_KINDS[sector]]
    waiting = [b for b in fitting if b.code_mo not in served]
    if waiting:
        return waiting[0]
    return rng.choices(fitting, [_BUYER_WEIGHT.get(b.code_mo, 1) for b in fitting])[0]


def make_markets(rng: random.Random, companies: list[Company], months: list[str],
                 count: int = 80) -> list[Market]:
    """`count` marchés (each company won at least one), spread over the years around the demo
    window; the first two ended before it (registers keep old marchés)."""
    first = month_start(months[0])
    winners = companies + [rng.choice(companies) for _ in range(count - len(companies))]
    rng.shuffle(winners)
    used: set[str] = set()
    markets: list[Market] = []
    sequence: dict[str, int] = {}
    served: set[str] = set()
    for index, company in enumerate(winners):
        buyer = _buyer(rng, company.sector, served)
        served.add(buyer.code_mo)
        works = company.sector in ("gros_oeuvre", "second_oeuvre", "tp")
        length = rng.randint(6, 20) if works else rng.choice((12, 24, 24, 36))
        if index < 2:
            start_month = add_months(months[0], -length - rng.randint(1, 4))
        else:
            start_month = add_months(months[0], rng.randint(-14, max(-13, len(months) - 2)))
        start = month_start(start_month) + timedelta(days=rng.randint(0, 20))
        end = month_end(add_months(start_month, length - 1))
        if index >= 2 and end < first:
            end = month_end(add_months(months[0], rng.randint(1, 6)))
        sequence[buyer.code_mo] = sequence.get(buyer.code_mo, 0) + 1
        code = f"{_PREFIX[buyer.code_mo]}{start.year % 100:02d}-{sequence[buyer.code_mo]:03d}"
        # About half the marchés on track or ahead, the rest behind by various margins.
        pace = rng.choice((0.4, 0.55, 0.7, 0.8, 0.9, 1.05, 1.1, 1.15, 1.2, 1.3, 1.45, 1.6))
        markets.append(Market(code, _title(rng, company.sector, buyer, used), buyer.code_mo,
                              company.siret, company.sector, start, end,
                              weight=_size(buyer, company.sector) * rng.lognormvariate(0, 0.4),
                              pace=pace))
    return markets
