"""Domain vocabularies as data (SPEC §2, §4, §5.2): French labels users read, codes the data holds."""

from enum import StrEnum


class StructureType(StrEnum):
    AI = "AI"
    ETTI = "ETTI"
    GEIQ = "GEIQ"
    ETT = "ETT"
    EI = "EI"
    ACI = "ACI"
    AUTRE = "AUTRE"


class Criterion(StrEnum):
    """Eligibility criteria of the participants register (`criteres`, separated by `;`)."""

    DELD = "DELD"
    RSA = "RSA"
    ASS = "ASS"
    AAH = "AAH"
    RQTH = "RQTH"
    JEUNE = "JEUNE"
    SENIOR = "SENIOR"
    SIAE = "SIAE"
    QPV = "QPV"
    AUTRE = "AUTRE"


CRITERION_LABELS: dict[str, str] = {
    "DELD": "Demandeur d'emploi de longue durée",
    "RSA": "Bénéficiaire du RSA",
    "ASS": "Bénéficiaire de l'ASS",
    "AAH": "Bénéficiaire de l'AAH",
    "RQTH": "Travailleur handicapé (RQTH)",
    "JEUNE": "Jeune de moins de 26 ans peu qualifié",
    "SENIOR": "Senior de plus de 50 ans",
    "SIAE": "Salarié d'une SIAE",
    "QPV": "Résident d'un quartier prioritaire (QPV)",
    "AUTRE": "Autre critère",
}

EDUCATION_LEVELS: tuple[str, ...] = ("infra 3", "3", "4", "5 et plus")

CONTRACT_TYPES: tuple[str, ...] = (
    "CDDI",
    "mission d'intérim",
    "CDD",
    "CDI",
    "contrat de professionnalisation",
    "apprentissage",
    "autre",
)

EXIT_SITUATIONS: tuple[str, ...] = (
    "emploi durable",
    "emploi de transition",
    "sortie positive",
    "autre",
)

BARRIERS: tuple[str, ...] = (
    "mobilité",
    "logement",
    "santé",
    "garde d'enfants",
    "langue",
    "numérique",
    "justice",
    "autre",
)


class Kind(StrEnum):
    """Kind of a received file, found from its columns (SPEC §5.2)."""

    RELEVE = "relevé d'heures"
    SUIVI = "tableau de suivi"
    PIECE = "pièce justificative"


class LineStatus(StrEnum):
    ACCEPTED = "acceptée"
    ALERT = "acceptée avec alerte"
    REJECTED = "rejetée"


class Severity(StrEnum):
    REJECT = "rejet"
    ALERT = "alerte"


FILE_REASONS: dict[str, str] = {
    "FICHIER_ILLISIBLE": (
        "Le fichier ne peut pas être lu (corrompu, protégé par mot de passe ou format non pris en charge)."
    ),
    "TYPE_INCONNU": "Aucune feuille ne ressemble à un relevé d'heures ni à un tableau de suivi.",
    "COLONNES_MANQUANTES": "Des colonnes obligatoires manquent.",
    "PERIODE_INCONNUE": (
        "Le mois des heures n'est indiqué ni dans une colonne ni dans une cellule « Période : … »."
    ),
    "STRUCTURE_INCONNUE": "Le dossier de dépôt ne correspond à aucune structure du registre.",
    "FICHIER_TROP_VOLUMINEUX": "Le fichier dépasse la taille ou le nombre de lignes autorisés.",
    "FICHIER_DEJA_RECU": "Ce fichier a déjà été reçu à l'identique ; rien n'est compté deux fois.",
}

# Short French label of each line-level reason code (SPEC §6), for summaries and the Prefect UI.
REASON_LABELS: dict[str, str] = {
    "VALEUR_INVALIDE": "Valeur obligatoire manquante ou illisible",
    "HEURES_HORS_LIMITES": "Heures nulles, négatives ou au-delà du maximum mensuel "
                           "(par ligne ou pour le mois du participant)",
    "PARTICIPANT_INCONNU": "Participant absent du registre d'éligibilité",
    "PARTICIPANT_AMBIGU": "Identité correspondant à plusieurs participants",
    "ELIGIBILITE_NON_VALIDEE": "Mission commencée avant la validation de l'éligibilité",
    "PRESCRIPTION_EXPIREE": "Fiche de prescription expirée à la validation",
    "ELIGIBILITE_EXPIREE": "Éligibilité expirée",
    "MARCHE_INCONNU": "Marché inconnu",
    "HORS_PERIODE_MARCHE": "Mois hors des dates du marché",
    "MISSION_HORS_MOIS": "Mission hors du mois déclaré",
    "PERIODE_FUTURE": "Mois non encore terminé",
    "DOUBLON": "Ligne en double (même participant, marché et mois)",
    "ENTREPRISE_DIFFERENTE": "Entreprise différente de l'attributaire du marché",
    "STRUCTURE_DIFFERENTE": "Participant rattaché à une autre structure",
    "TOTAL_INCOHERENT": "Ligne « Total » différente de la somme des lignes",
    "DOUBLE_DECLARATION": "Même participant, marché et mois déclarés par une autre structure",
}
