"""Column headers as people write them → the glossary's column names (SPEC §5.3).

One table per kind of sheet, canonical column → the variants met in real files; the first
variant is the label Clauses itself writes and names in its messages. Headers are compared
through `header_key`, so case, accents, punctuation, spaces, `N°`/`No`/`Numéro`, small words
("de", "du", "l'") and a remark in parentheses never matter. The facilitator adds their own
variants in `config.yaml` (`entetes: {"Heures chantier": heures}`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from clauses.reading.notations import fold
from schemas.registers import REGISTER_COLUMNS

SUBMISSION_ALIASES: dict[str, tuple[str, ...]] = {
    "id_participant": (
        "N° participant", "Identifiant", "Identifiant participant", "ID", "ID participant",
        "Code participant", "N° salarié", "N° identifiant", "Référence participant", "Matricule",
        "N° PASS IAE", "Numéro d'identification",
    ),
    "nom": (
        "Nom", "Nom du salarié", "Nom de naissance", "Nom du participant", "Nom de famille",
        "Nom d'usage", "Nom salarié", "Nom participant",
    ),
    "prenom": ("Prénom", "Prénom du salarié", "Prénom du participant", "Prénoms", "Prénom usuel"),
    "date_naissance": ("Date de naissance", "Né(e) le", "Né le", "DDN", "Naissance"),
    "code_marche": (
        "Code marché", "N° de marché", "Marché", "Réf. marché", "Référence marché", "Lot",
        "N° lot", "Code lot", "Code opération", "Référence du marché", "Marché / lot",
    ),
    "mois": ("Mois", "Période", "Mois concerné", "Mois de réalisation", "Période concernée"),
    "date_debut_mission": (
        "Date de début de mission", "Date de début", "Début mission", "Début", "Date d'entrée",
        "Date de début du contrat", "Début de contrat", "Date début contrat", "Entrée",
    ),
    "date_fin_mission": (
        "Date de fin de mission", "Date de fin", "Fin mission", "Fin", "Date de fin du contrat",
        "Fin de contrat", "Date fin contrat",
    ),
    "heures": (
        "Heures", "Nb heures", "Nombre d'heures", "Nombre d'heures réalisées", "Heures réalisées",
        "Total heures", "Heures d'insertion", "Heures effectuées", "Heures travaillées",
        "Heures du mois", "Nombre d'heures travaillées", "Volume horaire", "Nb h",
    ),
    "entreprise": (
        "Entreprise", "Entreprise utilisatrice", "Entreprise attributaire", "Nom de l'entreprise",
        "SIRET entreprise", "Entreprise d'accueil", "Client", "Attributaire",
    ),
    "type_contrat": ("Type de contrat", "Contrat", "Nature du contrat", "Type contrat"),
    "poste": ("Poste", "Poste occupé", "Métier", "Emploi occupé", "Fonction", "Intitulé du poste"),
    "date_sortie": ("Date de sortie", "Sortie le", "Date sortie du dispositif"),
    "situation_sortie": (
        "Situation à la sortie", "Situation de sortie", "Type de sortie", "Motif de sortie",
        "Situation sortie",
    ),
    "freins": ("Freins", "Freins à l'emploi", "Freins périphériques", "Freins identifiés"),
    "accompagnement": ("Accompagnement", "Accompagnement réalisé", "Actions d'accompagnement"),
    "formation": ("Formation", "Formations", "Formation suivie", "Actions de formation"),
}

# Register sheets: the template labels of schemas.registers come first; per sheet, because a
# bare "Nom" is the structure's name in Structures and the person's in Participants.
_REGISTER_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "Structures": {
        "code_structure": ("Code", "Code SIAE", "Identifiant structure"),
        "nom": ("Nom de la structure", "Structure", "Raison sociale"),
        "type": ("Type de structure", "Catégorie"),
        "siret": ("N° SIRET", "SIRET structure"),
        "email": ("E-mail", "Email", "Mail", "Adresse électronique", "Adresse mail"),
    },
    "Maîtres d'ouvrage": {
        "code_mo": ("Code", "Code maître d'ouvrage", "Code acheteur"),
        "nom": ("Maître d'ouvrage", "Nom du maître d'ouvrage", "Acheteur"),
        "email": ("E-mail", "Email", "Mail", "Adresse électronique", "Adresse mail"),
    },
    "Entreprises": {
        "siret": ("N° SIRET", "SIRET entreprise"),
        "nom": ("Entreprise", "Raison sociale", "Nom de l'entreprise"),
        "email": ("E-mail", "Email", "Mail", "Adresse électronique", "Adresse mail"),
    },
    "Marchés": {
        "code_marche": ("Code", "N° de marché", "Marché", "Réf. marché", "Lot"),
        "intitule": ("Intitulé du marché", "Objet", "Objet du marché", "Libellé"),
        "code_mo": ("Maître d'ouvrage", "Code maître d'ouvrage", "Acheteur"),
        "siret": ("SIRET", "SIRET entreprise", "SIRET du titulaire", "SIRET titulaire"),
        "date_debut": ("Début", "Date de début du marché", "Date de notification"),
        "date_fin": ("Fin", "Date de fin du marché"),
        "heures_objectif": (
            "Objectif d'heures", "Objectif heures", "Heures d'insertion", "Nombre d'heures",
            "Objectif", "Heures à réaliser",
        ),
        "heures_reprise": (
            "Heures reprises", "Heures de reprise", "Reprise d'heures", "Heures avant Clauses",
            "Heures déjà réalisées", "Heures réalisées avant reprise", "Solde de reprise",
        ),
        "reprise_au": (
            "Reprise au", "Date de reprise", "Reprise arrêtée au",
            "Date de la reprise",
        ),
    },
    "Participants": {
        "id_participant": SUBMISSION_ALIASES["id_participant"],
        "nom": SUBMISSION_ALIASES["nom"],
        "prenom": SUBMISSION_ALIASES["prenom"],
        "date_naissance": SUBMISSION_ALIASES["date_naissance"],
        "sexe": ("Genre", "Sexe (F/M)", "F/M"),
        "commune": ("Commune de résidence", "Ville", "Lieu de résidence"),
        "qpv": ("Résident QPV", "Quartier prioritaire", "Habite en QPV"),
        "niveau_formation": ("Niveau", "Niveau de qualification", "Niveau d'études"),
        "criteres": ("Critères d'éligibilité", "Critère", "Critères"),
        "prescripteur": ("Organisme prescripteur",),
        "date_prescription": ("Date de la prescription", "Date fiche de prescription"),
        "date_validation": ("Date de validation de l'éligibilité", "Validée le", "Validation"),
        "code_structure": ("Structure", "Structure de suivi"),
    },
    "Décisions": {
        "id_participant": SUBMISSION_ALIASES["id_participant"],
        "code_marche": SUBMISSION_ALIASES["code_marche"],
        "mois": SUBMISSION_ALIASES["mois"],
        "motif": ("Code motif", "Motif de rejet"),
        "decision": ("Décision du maître d'ouvrage",),
        "auteur": ("Décidé par", "Validé par"),
        "date": ("Date de la décision", "Date de décision"),
        "commentaire": ("Commentaires", "Remarque", "Observations"),
    },
}

REGISTER_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    sheet: {
        column: (label, *_REGISTER_VARIANTS[sheet].get(column, ()))
        for column, label in labels.items()
    }
    for sheet, labels in REGISTER_COLUMNS.items()
}

# Register sheet names as facilitators write them (the official name comes first).
REGISTER_SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "Structures": ("Structures", "Structure", "Structures d'insertion", "SIAE"),
    "Maîtres d'ouvrage": ("Maîtres d'ouvrage", "Maître d'ouvrage", "MO", "Acheteurs"),
    "Entreprises": ("Entreprises", "Entreprise", "Attributaires"),
    "Marchés": ("Marchés", "Marché", "Lots"),
    "Participants": ("Participants", "Participant", "Registre d'éligibilité", "Éligibilité"),
    "Décisions": ("Décisions", "Décision"),
}

# Words that carry no meaning in a header ("Date de début" = "Date début").
_SMALL_WORDS = {"de", "du", "des", "d", "la", "le", "les", "l", "en", "a", "au", "aux", "e"}
# Abbreviations written for the same word.
_SAME_WORD = {
    "no": "numero", "num": "numero", "n": "numero", "nro": "numero", "nb": "nombre",
    "nbre": "nombre", "ref": "reference", "h": "heures", "hrs": "heures", "heure": "heures",
    "mail": "email", "courriel": "email", "e mail": "email",
}


@lru_cache(maxsize=8192)
def header_key(label: object) -> str:
    """The comparison key of a header: `"N° de marché"` and `"no marche"` give the same."""
    text = re.sub(r"\(.*?\)", " ", str(label))  # "Heures (h)", "Date de naissance (jj/mm/aaaa)"
    text = re.sub(r"\b[nN]\s*[°º]", " numero ", text)
    words = fold(text).replace("e mail", "email").split()
    return " ".join(_SAME_WORD.get(w, w) for w in words if w not in _SMALL_WORDS)


def alias_index(
    aliases: Mapping[str, Iterable[str]], extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Header key → canonical column, for one kind of sheet.

    `extra` (from `config.entetes`, original label → canonical column) comes on top; entries
    naming a column this kind of sheet does not have are left out.
    """
    index: dict[str, str] = {}
    for column, variants in aliases.items():
        for variant in (column, *variants):
            index.setdefault(header_key(variant), column)
    for label, column in (extra or {}).items():
        if column in aliases:
            index[header_key(label)] = column
    return index


def column_label(column: str, aliases: Mapping[str, Iterable[str]] = SUBMISSION_ALIASES) -> str:
    """The French label of a canonical column, as Clauses writes it (`"code_marche"` →
    `"Code marché"`)."""
    return next(iter(aliases.get(column, ())), column)


def sheet_key(name: object) -> str:
    """Comparison key of a sheet name: singular and plural, accents and case ignored."""
    return " ".join(w.rstrip("s") for w in fold(str(name)).split())
