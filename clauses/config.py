"""The workspace configuration (`config.yaml`), loaded once at the edge and passed down (STYLE §5).

Every setting has a French description of the value it expects: a wrong or missing setting
gives one sentence naming the key and that expectation (exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from clauses.addresses import address_problem, sender_problem
from clauses.clock import zone_of
from clauses.errors import ConfigError

REASON_CODES: tuple[str, ...] = (
    "VALEUR_INVALIDE",
    "HEURES_HORS_LIMITES",
    "PARTICIPANT_INCONNU",
    "PARTICIPANT_AMBIGU",
    "ELIGIBILITE_NON_VALIDEE",
    "PRESCRIPTION_EXPIREE",
    "ELIGIBILITE_EXPIREE",
    "MARCHE_INCONNU",
    "HORS_PERIODE_MARCHE",
    "MISSION_HORS_MOIS",
    "PERIODE_FUTURE",
    "DOUBLON",
    "ENTREPRISE_DIFFERENTE",
    "STRUCTURE_DIFFERENTE",
    "TOTAL_INCOHERENT",
    "DOUBLE_DECLARATION",
)


def _field(default: Any, expected: str, **kwargs: Any) -> Any:
    return Field(default, description=expected, **kwargs)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class Paths(_Section):
    registres: Path = _field(Path("registers/referentiel.xlsx"), "un chemin de classeur Excel")
    inbox: Path = _field(Path("inbox"), "un chemin de dossier")
    outbox: Path = _field(Path("outbox"), "un chemin de dossier")
    archive: Path = _field(Path("archive"), "un chemin de dossier")
    quarantaine: Path = _field(Path("quarantaine"), "un chemin de dossier")
    etat: Path = _field(Path("state"), "un chemin de dossier")


class Deposit(_Section):
    jour_limite: int = _field(10, "un jour du mois entre 1 et 28", ge=1, le=28)
    delai_stabilite_secondes: int = _field(
        30, "un nombre de secondes positif ou nul", ge=0
    )
    taille_max_mo: float = _field(20, "une taille en Mo strictement positive", gt=0)
    lignes_max: int = _field(50_000, "un nombre de lignes strictement positif", gt=0)
    memoire_max_mo: int = _field(1024, "une mémoire en Mo d'au moins 256", ge=256)
    lecture_max_secondes: float = _field(
        120, "un nombre de secondes strictement positif", gt=0
    )
    texte_max_caracteres: int = _field(500, "un nombre de caractères d'au moins 50", ge=50)


Severity = Literal["rejet", "alerte"]


class Rules(_Section):
    max_heures_mois: float = _field(
        208, "un nombre d'heures par mois strictement positif", gt=0, le=744
    )
    validite_prescription_mois: int = _field(2, "un nombre de mois positif", ge=0)
    duree_eligibilite_mois: int = _field(24, "un nombre de mois strictement positif", gt=0)
    severites: dict[str, Severity] = _field(
        {}, "une table « CODE_MOTIF: rejet » ou « CODE_MOTIF: alerte »"
    )

    @field_validator("severites")
    @classmethod
    def _known_codes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(REASON_CODES))
        if unknown:
            raise ValueError(f"code(s) de motif inconnu(s) : {', '.join(unknown)}")
        return value


class Controls(_Section):
    # A correction that removes more than this share of a structure's hours for a month is
    # listed « à examiner » (SPEC §7). Written 0.5, 50 or « 50 % ».
    remplacement_alerte: float = _field(
        0.5, "une part des heures du mois : 0,5, 50 ou « 50 % »", ge=0, le=1
    )

    @field_validator("remplacement_alerte", mode="before")
    @classmethod
    def _share(cls, value: Any) -> Any:
        text = str(value).strip().replace(",", ".")
        percent = text.endswith("%")
        try:
            number = float(text.rstrip("%").strip())
        except ValueError:
            return value
        return number / 100 if percent or number > 1 else number


class Reports(_Section):
    seuil_secret_statistique: int = _field(
        3, "un effectif entier positif ou nul (0 pour désactiver)", ge=0
    )
    heures_etp: float = _field(1607, "un nombre d'heures annuelles strictement positif", gt=0)


class Smtp(_Section):
    hote: str = _field("", "un nom d'hôte SMTP (vide : courriels écrits en fichiers .eml)")
    port: int = _field(587, "un port TCP entre 1 et 65535", ge=1, le=65535)
    utilisateur: str = _field("", "un identifiant SMTP (vide : sans authentification)")
    mot_de_passe_env: str = _field(
        "CLAUSES_SMTP_MOT_DE_PASSE", "le nom d'une variable d'environnement"
    )
    securite: Literal["starttls", "ssl", "aucune"] = _field(
        "starttls", "« starttls », « ssl » ou « aucune »"
    )
    delai_secondes: float = _field(30, "un délai en secondes strictement positif", gt=0)


class Mail(_Section):
    expediteur: str = _field(
        "Guichet unique clauses sociales <guichet.clauses@example.org>",
        "une adresse d'expéditeur",
    )
    ddets: list[str] = _field([], "une liste d'adresses électroniques de la DDETS-PP")
    copie_guichet: list[str] = _field([], "une liste d'adresses en copie")
    smtp: Smtp = Field(default_factory=Smtp)
    tentatives: int = _field(3, "un nombre de tentatives entre 1 et 10", ge=1, le=10)
    attente_initiale_secondes: float = _field(2, "un délai en secondes positif", ge=0)

    @field_validator("expediteur")
    @classmethod
    def _valid_sender(cls, value: str) -> str:
        problem = sender_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("ddets", "copie_guichet")
    @classmethod
    def _valid_addresses(cls, value: list[str]) -> list[str]:
        # One address per list item: a line break in one would add a hidden recipient.
        problems = [p for address in value if (p := address_problem(address.strip()))]
        if problems:
            raise ValueError(problems[0])
        return [address.strip() for address in value]


class Reminders(_Section):
    jour_rappel: int = _field(5, "un jour du mois entre 1 et 28", ge=1, le=28)
    # The pre-filled template of the month goes to each structure this many days before the
    # deadline (issue 16.3): early enough to be used, late enough to hold the month's missions.
    modele_jours_avant: int = _field(5, "un nombre de jours entre 0 et 27", ge=0, le=27)


Cron = Annotated[str, Field(pattern=r"^\S+ \S+ \S+ \S+ \S+$")]


class Schedules(_Section):
    fuseau: str = _field("Europe/Paris", "un fuseau horaire IANA")
    ingestion_minutes: int = _field(5, "un intervalle en minutes entre 1 et 1440", ge=1, le=1440)
    mensuel: Cron = _field("0 7 11 * *", "une expression cron à 5 champs")
    semestriel: Cron = _field("0 7 15 1,7 *", "une expression cron à 5 champs")
    annuel: Cron = _field("0 7 20 1 *", "une expression cron à 5 champs")
    relances: Cron = _field("0 8 * * *", "une expression cron à 5 champs")

    @field_validator("fuseau")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        # Every date and time of the product is in this zone (clauses/clock.py).
        try:
            zone_of(value)
        except ValueError:
            raise ValueError("fuseau inconnu ; par exemple Europe/Paris ou America/Cayenne") from None
        return value


class PrefectSettings(_Section):
    port: int = _field(4200, "un port TCP entre 1024 et 65535", ge=1024, le=65535)
    journal_evenements: bool = _field(False, "true ou false")


class Config(_Section):
    territoire: str = _field("Territoire de démonstration", "le nom du territoire", min_length=1)
    guichet: str = _field("Guichet unique clauses sociales", "le nom du guichet", min_length=1)
    chemins: Paths = Field(default_factory=Paths)
    base_de_donnees: str = _field(
        "", "une URL SQLAlchemy (vide : SQLite dans le dossier d'état)"
    )
    depot: Deposit = Field(default_factory=Deposit)
    regles: Rules = Field(default_factory=Rules)
    controles: Controls = Field(default_factory=Controls)
    entetes: dict[str, str] = _field(
        {}, "une table « intitulé de colonne: nom de colonne Clauses »"
    )
    rapports: Reports = Field(default_factory=Reports)
    courriel: Mail = Field(default_factory=Mail)
    relances: Reminders = Field(default_factory=Reminders)
    planification: Schedules = Field(default_factory=Schedules)
    prefect: PrefectSettings = Field(default_factory=PrefectSettings)

    # Not in the YAML: where the file was read, so relative paths resolve against the workspace.
    root: Path = Field(default=Path("."), exclude=True)
    source: Path = Field(default=Path("config.yaml"), exclude=True)

    def path(self, relative: Path) -> Path:
        """Resolve a configured path against the workspace folder."""
        return relative if relative.is_absolute() else self.root / relative

    @property
    def zone(self) -> ZoneInfo:
        """The workspace's time zone: every date and time is read and shown in it."""
        return zone_of(self.planification.fuseau)

    @property
    def registers_path(self) -> Path:
        return self.path(self.chemins.registres)

    @property
    def inbox(self) -> Path:
        return self.path(self.chemins.inbox)

    @property
    def outbox(self) -> Path:
        return self.path(self.chemins.outbox)

    @property
    def archive(self) -> Path:
        return self.path(self.chemins.archive)

    @property
    def quarantine(self) -> Path:
        return self.path(self.chemins.quarantaine)

    @property
    def state(self) -> Path:
        return self.path(self.chemins.etat)

    @property
    def database_url(self) -> str:
        if self.base_de_donnees:
            return self.base_de_donnees
        return f"sqlite:///{(self.state / 'clauses.sqlite').resolve()}"


def _describe(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """The French expectation of the field at `loc` (its `description`)."""
    current: Any = model
    description = "une valeur valide"
    for part in loc:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        info = fields[part]
        description = info.description or description
        current = info.annotation
    return description


def _sentence(source: Path, error: ErrorDetails) -> str:
    loc = tuple(error["loc"])
    key = ".".join(str(p) for p in loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"Réglage inconnu « {key} » dans {source} : vérifiez son orthographe ou retirez-le."
    expected = _describe(Config, loc)
    if kind == "missing":
        return f"Réglage manquant dans {source} : « {key} » doit être {expected}."
    value = error.get("input")
    detail = ""
    if kind == "value_error":
        detail = f" ({str(error.get('ctx', {}).get('error', '')).strip()})"
    return (
        f"Réglage invalide dans {source} : « {key} » doit être {expected}, "
        f"et non « {value} »{detail}."
    )


def load_config(path: Path | str) -> Config:
    """Read and validate `config.yaml`; raise `ConfigError` with one French sentence if wrong."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(
            f"Fichier de configuration introuvable : {path}. Créez un espace de travail avec "
            "« clauses init DOSSIER » ou indiquez-le avec --config."
        )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (ligne {mark.line + 1})" if mark is not None else ""
        raise ConfigError(f"Le fichier {path} n'est pas un YAML lisible{where}.") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"Le fichier {path} doit contenir une table de réglages « clé: valeur ».")
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_sentence(path, exc.errors()[0])) from exc
    return config.model_copy(update={"root": path.parent.resolve(), "source": path.absolute()})
