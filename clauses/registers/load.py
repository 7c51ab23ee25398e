"""The facilitator's registers (SPEC §4): read, normalised and validated as a whole.

One read of the workbook; the six sheets are found by name whatever their case, accents or
plural ("MARCHÉS", "Maitres d'ouvrage"), their header rows like a structure's file (SPEC §5.3),
values with the French notations of `clauses/reading/notations.py`. Every problem is collected
(pandera `lazy`), then the run stops with one message naming sheet, row and column: the run never
goes on with half a register.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import xlsxwriter

from clauses.atomic import atomic_path
from clauses.errors import FileRejected, RegisterError
from clauses.reading.cells import Parsed
from clauses.reading.grids import display_cells, find_table, load_grids
from clauses.reading.headers import REGISTER_ALIASES, REGISTER_SHEET_ALIASES, alias_index, sheet_key
from clauses.reading.notations import fold, parse_dates, parse_hours, parse_months, parse_yes_no
from clauses.reading.sizes import REGISTER_ADVICE, REGISTER_LIMITS, check_sizes
from clauses.registers.checks import (
    Problem,
    ReadSheet,
    cross_register_problems,
    explain_failures,
    unsafe_value_problems,
)
from clauses.siret import normalise_siret
from clauses.vocabulary import EDUCATION_LEVELS, StructureType
from schemas.registers import REGISTER_COLUMNS, REGISTER_SHEETS

# How many problems the message lists before "et N autres".
MAX_LISTED_PROBLEMS = 5
_FIELDS = {
    "Structures": "structures",
    "Maîtres d'ouvrage": "buyers",
    "Entreprises": "companies",
    "Marchés": "markets",
    "Participants": "participants",
    "Décisions": "decisions",
}
_OPTIONAL_SHEETS = {"Décisions"}  # no override recorded yet: the sheet may be empty or absent


@dataclass(frozen=True)
class Registers:
    """All six register sheets, validated against `schemas.registers` (canonical columns)."""

    structures: pd.DataFrame
    buyers: pd.DataFrame
    companies: pd.DataFrame
    markets: pd.DataFrame
    participants: pd.DataFrame
    decisions: pd.DataFrame


# The registers change a few times a month while every ingest pass and report reads them: keep
# the last validated versions, keyed by the file's identity so that any edit is read again.
_CACHE: dict[tuple, Registers] = {}
_CACHE_SIZE = 4


def load_registers(path: Path, extra_aliases: dict[str, str] | None = None) -> Registers:
    """Read and validate the six registers; raise `RegisterError` naming sheet, row, column.

    Each caller gets its own frames (a cached version is handed out as copies)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        return _load(path, extra_aliases)
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size,
           tuple(sorted((extra_aliases or {}).items())))
    if key not in _CACHE:
        registers = _load(path, extra_aliases)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = registers
    return _own_copy(_CACHE[key])


def _own_copy(registers: Registers) -> Registers:
    # Copy-on-write (pandas 3): a shallow copy shares the data until either side writes, so a
    # caller adding or changing a column never changes what the next caller of the cache reads.
    frames = {f.name: getattr(registers, f.name).copy(deep=False) for f in fields(registers)}
    return Registers(**frames)


def _load(path: Path, extra_aliases: dict[str, str] | None) -> Registers:
    if not path.is_file():
        raise RegisterError(
            f"Registre introuvable : {path}. Créez-le avec « clauses init » ou indiquez son "
            "chemin dans config.yaml (chemins.registres).")
    try:
        # Before calamine: a far cell makes it allocate every cell up to it and abort the
        # process (no exception to catch).
        check_sizes(path, path.name, REGISTER_LIMITS, advice=REGISTER_ADVICE)
        grids = load_grids(path)
    except FileRejected as error:
        raise RegisterError(f"Registre illisible ({path}) : {error.message}") from error
    names = _match_sheets(path, grids)
    sheets: dict[str, ReadSheet] = {}
    problems: list[Problem] = []
    for official, schema in REGISTER_SHEETS.items():
        grid = grids.get(names.get(official, ""), pd.DataFrame())
        sheet, found = _read_sheet(official, names.get(official, official), grid, extra_aliases)
        problems += found
        try:
            sheet.frame = schema.validate(sheet.frame, lazy=True)
        except pa.errors.SchemaErrors as errors:
            problems += explain_failures(sheet.name, sheet.frame, sheet.rows, sheet.labels,
                                         errors.failure_cases)
        sheets[official] = sheet
    problems += cross_register_problems(sheets)
    problems += unsafe_value_problems(sheets)
    if problems:
        raise RegisterError(_message(path, problems))
    return Registers(**{_FIELDS[o]: s.frame.reset_index(drop=True) for o, s in sheets.items()})


def _match_sheets(path: Path, grids: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Official sheet name → name in the workbook."""
    by_key = {sheet_key(name): name for name in grids}
    found, missing = {}, []
    for official, variants in REGISTER_SHEET_ALIASES.items():
        name = next((by_key[k] for k in map(sheet_key, variants) if k in by_key), None)
        if name is not None:
            found[official] = name
        elif official not in _OPTIONAL_SHEETS:
            missing.append(f"« {official} »")
    if missing:
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " et " + missing[-1]
        raise RegisterError(
            f"Registre invalide ({path}) : {'la feuille' if len(missing) == 1 else 'les feuilles'}"
            f" {listed} {'est introuvable' if len(missing) == 1 else 'sont introuvables'} "
            f"(feuilles du classeur : {', '.join(f'« {n} »' for n in grids)}).")
    return found


def _sex(text: str) -> str:
    first = fold(text)[:1]
    return {"f": "F", "m": "M", "h": "M"}.get(first, text)


def _education(text: str) -> str:
    key = fold(text)
    digit = re.search(r"\d", key)
    if "infra" in key or (digit and int(digit.group()) < 3):
        return EDUCATION_LEVELS[0]
    if digit:
        return {"3": "3", "4": "4"}.get(digit.group(), EDUCATION_LEVELS[-1])
    return text


def _decision(text: str) -> str:
    key = fold(text)
    return "invalider" if key.startswith("invalid") else "valider" if key.startswith(
        "valid") else text


# Per-column clean-up of text values, so that pandera judges what the facilitator meant.
_TEXT_RULES: dict[str, Callable[[str], str]] = {
    "type": lambda t: fold(t).upper(),
    "sexe": _sex,
    "niveau_formation": _education,
    "criteres": lambda t: ";".join(p.strip().upper() for p in re.split(r"[;,]", t) if p.strip()),
    "decision": _decision,
    "motif": lambda t: re.sub(r"[\s-]+", "_", t.strip().upper()),
    "siret": lambda t: normalise_siret(t) or t,  # an invalid SIRET stays, to be named
}
_PARSED: dict[str, tuple[Callable[[pd.Series], Parsed], str]] = {
    "heures_objectif": (parse_hours, "le nombre d'heures « {} » n'est pas lisible"),
    "heures_reprise": (parse_hours, "le nombre d'heures « {} » n'est pas lisible"),
    "qpv": (parse_yes_no, "« {} » : « oui » ou « non » attendu"),
    "mois": (parse_months, "le mois « {} » n'est pas lisible (attendu : AAAA-MM)"),
}
_DATE_MESSAGE = "la date « {} » n'est pas lisible (attendu : JJ/MM/AAAA)"


def _read_sheet(
    official: str, name: str, grid: pd.DataFrame, extra: dict[str, str] | None
) -> tuple[ReadSheet, list[Problem]]:
    aliases = REGISTER_ALIASES[official]
    schema_columns = REGISTER_SHEETS[official].to_schema().columns
    table = find_table(name, grid, alias_index(aliases, extra)) if not grid.empty else None
    labels = {c: REGISTER_COLUMNS[official][c] for c in schema_columns}
    problems = []
    if table is None:
        if not grid.empty or official not in _OPTIONAL_SHEETS:
            problems.append(Problem(name, None, None, "en-têtes de colonnes introuvables (attendus"
                                    f" : {', '.join(f'« {v} »' for v in labels.values())})"))
        cells, rows = {}, np.array([], dtype=int)
    else:
        body = table.body
        mapped = body.columns.get_indexer(pd.Index(list(table.columns))).tolist()
        values = body.to_numpy(dtype=object)[:, mapped]
        keep = ~pd.isna(values).all(axis=1)
        cells = dict(zip(table.columns.values(), values[keep].T, strict=True))
        rows = body.index.to_numpy()[keep] + 1
        labels |= {canonical: table.labels[c] for c, canonical in table.columns.items()}
        for column, field in schema_columns.items():
            if column not in cells and not field.nullable:
                problems.append(Problem(name, None, labels[column], "colonne absente"))
    frame, found = _typed(name, schema_columns, cells, rows, labels)
    return ReadSheet(name, frame, rows, labels), problems + found


def _typed(
    name: str, schema_columns: dict, cells: dict[str, np.ndarray], rows: np.ndarray,
    labels: dict[str, str],
) -> tuple[pd.DataFrame, list[Problem]]:
    """Canonical dtypes: text `str`, dates `datetime64[us]`, hours float, `qpv` bool."""
    count = len(rows)
    frame, problems = {}, []
    for column, field in schema_columns.items():
        values = pd.Series(cells.get(column, np.full(count, None)), dtype=object)
        dtype = str(field.dtype)
        if dtype.startswith("datetime"):
            parsed, message = parse_dates(values), _DATE_MESSAGE
        elif column in _PARSED:
            parser, message = _PARSED[column]
            parsed = parser(values)
        else:
            shown = pd.Series(display_cells(values.to_numpy(dtype=object)), dtype=object)
            rule = _TEXT_RULES.get(column)
            frame[column] = (shown.map(rule, na_action="ignore") if rule else shown).astype("str")
            continue
        for position in np.flatnonzero(parsed.unreadable.to_numpy()):
            shown_value = display_cells(values.to_numpy(dtype=object)[[position]])[0]
            problems.append(Problem(name, int(rows[position]), labels[column],
                                    message.format(shown_value)))
        result = parsed.values
        if column == "mois":  # an unreadable month stays as written: pandera names it too
            result = result.where(~parsed.unreadable, values.astype("str"))
        if column == "qpv":
            for position in np.flatnonzero(values.isna().to_numpy()):
                problems.append(Problem(name, int(rows[position]), labels[column],
                                        "valeur obligatoire manquante (« oui » ou « non »)"))
            result = result.fillna(False).astype(bool)
        frame[column] = result.array
    return pd.DataFrame(frame, index=pd.RangeIndex(count)), problems


def _message(path: Path, problems: list[Problem]) -> str:
    unique = list(dict.fromkeys(problems))
    listed = " ; ".join(p.sentence() for p in unique[:MAX_LISTED_PROBLEMS])
    rest = len(unique) - MAX_LISTED_PROBLEMS
    more = f" ; et {rest} autre{'s' if rest > 1 else ''} problème{'s' if rest > 1 else ''}" if (
        rest > 0) else ""
    return f"Registre invalide ({path}) : {listed}{more}."


# Drop-down lists of the template: column → allowed values.
_TEMPLATE_CHOICES = {
    "type": [t.value for t in StructureType],
    "sexe": ["F", "M"],
    "qpv": ["oui", "non"],
    "niveau_formation": list(EDUCATION_LEVELS),
    "decision": ["valider", "invalider"],
}
_TEMPLATE_ROWS = 5000


def write_register_template(path: Path) -> Path:
    """Write an empty `referentiel.xlsx`: the six sheets with their headers, frozen, with
    drop-down lists for the closed vocabularies (fewer mistakes at the source)."""
    path = Path(path)
    with atomic_path(path) as temporary:
        _write_template(xlsxwriter.Workbook(temporary))
    return path


def _write_template(book: xlsxwriter.Workbook) -> None:
    header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date = book.add_format({"num_format": "dd/mm/yyyy"})
    for sheet_name, columns in REGISTER_COLUMNS.items():
        sheet = book.add_worksheet(sheet_name)
        sheet.freeze_panes(1, 0)
        for position, (column, label) in enumerate(columns.items()):
            is_date = column.startswith("date")
            sheet.set_column(position, position, max(14, len(label) + 4), date if is_date else None)
            sheet.write(0, position, label, header)
            if column in _TEMPLATE_CHOICES:
                sheet.data_validation(1, position, _TEMPLATE_ROWS, position, {
                    "validate": "list", "source": _TEMPLATE_CHOICES[column],
                    "error_message": "Choisissez une valeur de la liste.",
                })
    book.close()
