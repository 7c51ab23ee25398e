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
