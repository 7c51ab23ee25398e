"""Register problems in the facilitator's words (SPEC §4): pandera failures and the links
between sheets, each named by sheet, Excel row and column as written in the workbook."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from clauses.addresses import cell_problems, shown
from clauses.config import REASON_CODES
from clauses.vocabulary import EDUCATION_LEVELS, Criterion, StructureType


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None  # Excel row number
    column: str | None  # header as written
    message: str

    def sentence(self) -> str:
        where = [f"feuille « {self.sheet} »"]
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        return f"{', '.join(where)} : {self.message}"


@dataclass
class ReadSheet:
    """One register sheet as read: canonical frame plus where each value came from."""

    name: str  # as written in the workbook
    frame: pd.DataFrame
    rows: np.ndarray  # Excel row number of each line
    labels: dict[str, str]  # canonical column → header as written


_ALLOWED = {
    "type": [t.value for t in StructureType],
    "sexe": ["F", "M"],
    "niveau_formation": list(EDUCATION_LEVELS),
    "motif": list(REASON_CODES),
    "decision": ["valider", "invalider"],
}
# Dataframe-level checks of schemas/registers.py: the column to blame and what to say.
_ROW_CHECKS = {
    "date_fin postérieure ou égale à date_debut": (
        "date_fin", "la date de fin précède la date de début"),
    "date_validation postérieure ou égale à date_prescription": (
        "date_validation", "la date de validation précède la date de prescription"),
    "reprise_au renseignée avec heures_reprise": (
        "reprise_au", "date manquante : des heures reprises disent jusqu'à quel jour elles vont"),
    "heures_reprise renseignées avec reprise_au": (
        "heures_reprise", "nombre d'heures reprises manquant pour cette date de reprise"),
    "reprise_au entre date_debut (la veille au plus tôt) et date_fin": (
        "reprise_au", "la date de reprise doit tomber entre la veille du début du marché et sa "
        "fin"),
}
# Row checks whose very problem is a missing value (the others skip a blank, named already).
_BLANK_IS_THE_PROBLEM = {"reprise_au renseignée avec heures_reprise",
                         "heures_reprise renseignées avec reprise_au"}


def _shown(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _explain(check: str, column: str, value: object) -> str:
    shown = _shown(value)
    if check in ("not_nullable",) or check.startswith("str_length"):
        return "valeur obligatoire manquante"
    if check == "field_uniqueness":
        return f"« {shown} » figure sur plusieurs lignes"
    if check.startswith("isin"):
        return f"« {shown} » n'est pas une valeur admise ({', '.join(_ALLOWED.get(column, []))})"
    if check.startswith("greater_than_or_equal"):
        return f"« {shown} » doit être un nombre positif ou nul"
    if check.startswith("greater_than"):
        return f"« {shown} » doit être un nombre strictement positif"
    if check.startswith("str_matches"):
        return f"le mois « {shown} » n'est pas lisible (attendu : AAAA-MM)"
    if check.startswith("SIRET"):
        return f"le SIRET « {shown} » n'est pas valide (14 chiffres, clé de Luhn)"
    if check.startswith("critères"):
        codes = ", ".join(c.value for c in Criterion)
        return f"« {shown} » contient un critère inconnu (codes admis : {codes})"
    return f"« {shown} » ne respecte pas la règle « {check} »"


def explain_failures(
    sheet: str, frame: pd.DataFrame, rows: np.ndarray, labels: dict[str, str],
    failures: pd.DataFrame,
) -> list[Problem]:
    """pandera's failure cases → problems, in row order."""
    problems = []
    for failure in failures.to_dict("records"):  # one per failing cell: few
        check, column, index = str(failure["check"]), failure["column"], failure["index"]
        if check in _ROW_CHECKS:
            column, message = _ROW_CHECKS[check]
            if check in _BLANK_IS_THE_PROBLEM:  # pandera lists no blank cell: any one column
                if failure["column"] != frame.columns[0]:
                    continue
            # pandas-stubs: `.at` gives a scalar union wider than what `pd.isna` lists.
            elif failure["column"] != column or pd.isna(frame.at[index, column]):  # type: ignore[arg-type]
                continue  # one problem per row, and a missing date is already named
        elif check == "field_uniqueness":
            if not frame[column].duplicated(keep="first").iat[index]:
                continue  # the first occurrence is fine, the repeats are the problem
            message = _explain(check, column, failure["failure_case"])
        elif index is None or pd.isna(index):
            problems.append(Problem(sheet, None, labels.get(column, column), "colonne absente"))
            continue
        else:
            message = _explain(check, column, failure["failure_case"])
        problems.append(Problem(sheet, int(rows[int(index)]), labels.get(column, column), message))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


# Links between sheets: (sheet, column, referenced sheet, referenced column, what it is).
_LINKS = (
    ("Marchés", "code_mo", "Maîtres d'ouvrage", "code_mo", "maître d'ouvrage"),
    ("Marchés", "siret", "Entreprises", "siret", "entreprise"),
    ("Participants", "code_structure", "Structures", "code_structure", "structure"),
    ("Décisions", "id_participant", "Participants", "id_participant", "participant"),
    ("Décisions", "code_marche", "Marchés", "code_marche", "marché"),
)


_ABSENT = {"entreprise": "absente"}  # French agreement of the one feminine noun above


def cross_register_problems(sheets: dict[str, ReadSheet]) -> list[Problem]:
    """A marché's MO and company, a participant's structure, a decision's participant and
    marché must exist in their own sheet."""
    problems = []
    for sheet, column, target, key, what in _LINKS:
        source, reference = sheets[sheet], sheets[target]
        if column not in source.frame or key not in reference.frame:
            continue
        values = source.frame[column]
        unknown = values.notna() & ~values.isin(reference.frame[key].dropna())
        for position in np.flatnonzero(unknown.to_numpy()):
            problems.append(Problem(
                source.name, int(source.rows[position]), source.labels[column],
                f"{what} « {values.iat[int(position)]} » {_ABSENT.get(what, 'absent')} de la feuille "
                f"« {reference.name} »"))
    return problems


# Path separators, control characters and the characters Windows refuses in a file name.
_UNSAFE_IN_CODE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')


def code_problem(code: str) -> str | None:
    """Why a register code cannot name a folder or a file, in French; None when it can."""
    found = _UNSAFE_IN_CODE.search(code)
    if found:
        return (f"le code « {shown(code)} » contient « {shown(found.group())} » : un code sert à "
                "nommer des dossiers et des fichiers, il ne peut contenir ni / ni \\ ni "
                ": * ? \" < > | ni caractère de contrôle")
    if code.startswith(".") or code.endswith((".", " ")):
        return (f"le code « {code} » commence par un point ou finit par un point ou une espace : "
                "il ne peut pas nommer un dossier")
    return None


# Codes that end up in folder and file names (inbox/<code_structure>/, outbox/…/<code_mo>…,
# <siret>…), and the columns holding e-mail addresses (SPEC §9).
_CODE_COLUMNS = {
    "Structures": ("code_structure",),
    "Maîtres d'ouvrage": ("code_mo",),
    "Entreprises": ("siret",),
    "Marchés": ("code_marche", "code_mo", "siret"),
    "Participants": ("id_participant", "code_structure"),
}
_EMAIL_SHEETS = ("Structures", "Maîtres d'ouvrage", "Entreprises")


def unsafe_value_problems(sheets: dict[str, ReadSheet]) -> list[Problem]:
    """Codes that could name a file outside its folder, and e-mail cells that are not a list
    of valid addresses (a line break in one could add a hidden recipient)."""
    problems = []
    for official, columns in _CODE_COLUMNS.items():
        sheet = sheets[official]
        for column in columns:
            if column not in sheet.frame:
                continue
            for position, value in enumerate(sheet.frame[column].tolist()):
                found = code_problem(value) if isinstance(value, str) else None
                if found:
                    problems.append(Problem(sheet.name, int(sheet.rows[position]),
                                            sheet.labels[column], found))
    for official in _EMAIL_SHEETS:
        sheet = sheets[official]
        if "email" not in sheet.frame:
            continue
        for position, value in enumerate(sheet.frame["email"].tolist()):
            problems += [Problem(sheet.name, int(sheet.rows[position]), sheet.labels["email"],
                                 found) for found in cell_problems(value)]
    return problems
