"""Reading a structure's spreadsheet into relevé or suivi lines (SPEC §5).

Real files are messy: title lines, a notice sheet, one sheet per month, a `Total` line, header
and value variants. The kind of a file is found from its columns, never from its name:

- a sheet with `Heures` or `Mois` is a relevé d'heures;
- otherwise a sheet with exit, barrier, support or training columns, or a contract type, is a
  tableau de suivi;
- otherwise a sheet naming a participant and a marché is a relevé that lacks its hours
  (→ COLONNES_MANQUANTES, which tells the structure what to add);
- anything else (a notice, a list of contacts) is ignored. The best sheet decides the kind of
  the file; every sheet of that kind is read, each line keeping its sheet and row number.

A workbook with no data at all is TYPE_INCONNU (nothing in it looks like a relevé).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from clauses.errors import FileRejected
from clauses.reading.grids import (
    MIN_HEADER_COLUMNS,
    SPREADSHEET_SUFFIXES,
    Table,
    display_cells,
    find_table,
    load_grids,
)
from clauses.reading.headers import SUBMISSION_ALIASES, alias_index, column_label
from clauses.reading.notations import (
    find_month,
    read_barriers,
    read_contract_types,
    read_dates,
    read_exit_situations,
    read_hours,
    read_months,
)
from clauses.reading.sizes import ReadLimits
from clauses.vocabulary import Kind
from schemas.submissions import HourLine, TrackingLine

__all__ = ["SPREADSHEET_SUFFIXES", "Submission", "load_grids", "read_submission"]

LINE_COLUMNS: dict[Kind, list[str]] = {
    Kind.RELEVE: list(HourLine.to_schema().columns),
    Kind.SUIVI: list(TrackingLine.to_schema().columns),
}
# SPEC §5.2: required columns besides the identity (an identifier, or name + first name + birth).
REQUIRED: dict[Kind, tuple[str, ...]] = {
    Kind.RELEVE: ("code_marche", "date_debut_mission", "heures"),
    Kind.SUIVI: ("code_marche", "date_debut_mission", "type_contrat"),
}
NAMED_IDENTITY = ("nom", "prenom", "date_naissance")
_TRACKING_ONLY = {"date_sortie", "situation_sortie", "freins", "accompagnement", "formation"}
# Column → how its cells are read (`formats.read_*`: values and unreadable, numpy arrays).
_PARSERS: dict[str, Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]] = {
    "date_naissance": read_dates,
    "date_debut_mission": read_dates,
    "date_fin_mission": read_dates,
    "date_sortie": read_dates,
    "mois": read_months,
    "heures": read_hours,
    "type_contrat": read_contract_types,
    "situation_sortie": read_exit_situations,
    "freins": read_barriers,
}
# "Total", "TOTAL :", "Total général", "Sous-total" (not "Totalité", not "Totaliseur").
_TOTAL_LABEL = re.compile(r"(?P<sub>sous[\s-]*)?total(?![^\W\d_])", re.IGNORECASE)
# "Période : octobre 2026", "Mois concerné : 10/2026", or the label alone with the value beside.
# What a case-insensitive "s" or "t" matches (ſ is the long s): a text starting otherwise is
# never a Total label (tests/test_reading.py checks it against the regex).
TOTAL_INITIALS = frozenset("sStTſ")
_PERIOD_LABEL = re.compile(r"^(p[ée]riode|mois)\b[^:]{0,30}?(:\s*(?P<value>.*))?$", re.I)


@dataclass
class Submission:
    kind: Kind  # Kind.RELEVE or Kind.SUIVI
    lines: pd.DataFrame  # HourLine / TrackingLine columns, index 0..n-1
    raw: pd.DataFrame  # same index: "Feuille", "Ligne", then the headers as written, as text
    unreadable: pd.DataFrame  # same index: bool per canonical column
    declared_total: float | None  # hours written on "Total" lines, if any
    sheets: list[str]
    header_map: dict[str, str]  # header as written -> canonical column
    # Months of the sheets' « Période : … » cells or month names: the period the file declares
    # (SPEC §7: only these months are replaced when present; empty when only a column says).
    periods: tuple[str, ...] = ()


@dataclass
class _Part:
    """What one sheet contributes (arrays of its kept lines)."""

    sheet: str
    rows: np.ndarray  # row labels of the kept lines
    cells: dict[str, np.ndarray]  # canonical column → cells as read
    shown: dict[str, np.ndarray]  # canonical column → cells as displayed
    raw: pd.DataFrame  # "Feuille", "Ligne", headers as written
    period: str | None  # month of a "Période : …" cell or of the sheet name
    total: float | None


def read_submission(
    path: Path, *, extra_aliases: dict[str, str] | None = None, max_lines: int = 50_000,
    name: str | None = None, limits: ReadLimits | None = None,
) -> Submission:
    """Read a relevé d'heures or a tableau de suivi (SPEC §5); see the module docstring.

    Raises `FileRejected` with FICHIER_ILLISIBLE, TYPE_INCONNU, COLONNES_MANQUANTES,
    PERIODE_INCONNUE or FICHIER_TROP_VOLUMINEUX and one French sentence. `name` is the name
    the messages quote (the sender's, when `path` is the archived copy).
    """
    grids = load_grids(path, name=name, limits=limits)
    path = Path(name) if name else Path(path)  # from here on, only named in messages
    index = alias_index(SUBMISSION_ALIASES, extra_aliases)
    tables = [t for t in (find_table(s, g, index) for s, g in grids.items()) if t]
    kind, tables = _choose_kind(path, grids, tables)
    _check_columns(path, kind, tables, several=len(grids) > 1)
    from_template = TEMPLATE_SHEETS <= set(grids)
    parts = [_part(table, kind, from_template=from_template) for table in tables]
    count = sum(len(p.rows) for p in parts)
    if count > max_lines:
        raise FileRejected("FICHIER_TROP_VOLUMINEUX", (
            f"Le fichier « {path.name} » compte {count} lignes, au-delà de la limite de "
            f"{max_lines} lignes par fichier : découpez-le en plusieurs fichiers."))
    lines, unreadable = _parse(kind, parts)
    if kind is Kind.RELEVE and lines["mois"].isna().all() and not unreadable["mois"].any():
        raise FileRejected("PERIODE_INCONNUE", (
            f"Le mois des heures du fichier « {path.name} » n'est indiqué ni dans une colonne "
            "« Mois », ni dans une cellule « Période : … » au-dessus des en-têtes, ni dans le "
            "nom de la feuille."))
    totals = [p.total for p in parts if p.total is not None]
    raw = parts[0].raw if len(parts) == 1 else pd.concat([p.raw for p in parts], ignore_index=True)
    return Submission(
        kind=kind,
        lines=lines,
        raw=raw,
        unreadable=unreadable,
        declared_total=float(sum(totals)) if totals else None,
        sheets=[t.sheet for t in tables],
        header_map={t.labels[c]: name for t in tables for c, name in t.columns.items()},
        periods=tuple(sorted({p.period for p in parts if p.period})),
    )


def _table_kind(columns: set[str]) -> Kind | None:
    if columns & {"heures", "mois"}:
        return Kind.RELEVE
    if columns & _TRACKING_ONLY or "type_contrat" in columns:
        return Kind.SUIVI
    if "code_marche" in columns and columns & {"id_participant", *NAMED_IDENTITY}:
        return Kind.RELEVE
    return None


def _choose_kind(
    path: Path, grids: dict[str, pd.DataFrame], tables: list[Table]
) -> tuple[Kind, list[Table]]:
    kinds = [(t, _table_kind(set(t.columns.values()))) for t in tables]
    known = [(t, k) for t, k in kinds if k is not None]
    if not known:
        if all(g.empty for g in grids.values()):
            message = f"Le fichier « {path.name} » ne contient aucune donnée."
        else:
            message = (
                f"Aucune feuille du fichier « {path.name} » ne ressemble à un relevé d'heures "
                "ni à un tableau de suivi : les en-têtes attendus (« N° participant », « Code "
                "marché », « Heures »…) sont introuvables dans les 30 premières lignes.")
        raise FileRejected("TYPE_INCONNU", message)
    _, kind = max(known, key=lambda tk: (len(tk[0].columns), tk[1] is Kind.RELEVE))
    chosen = [t for t, k in known if k is kind]
    # A summary sheet ("Marché | Total heures") names nobody: not lines to read.
    with_people = [t for t in chosen if set(t.columns.values()) & {"id_participant", "nom"}]
    return kind, with_people or chosen


def _check_columns(path: Path, kind: Kind, tables: list[Table], *, several: bool) -> None:
    with_lines = [t for t in tables if not t.body.empty] or tables[:1]
    for table in with_lines:
        present = set(table.columns.values())
        missing = [f"« {column_label(c)} »" for c in REQUIRED[kind] if c not in present]
        if "id_participant" not in present and not present.issuperset(NAMED_IDENTITY):
            missing.insert(0, "« N° participant » (ou « Nom », « Prénom » et « Date de "
                              "naissance »)")
        if not missing:
            continue
        names = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " et " + missing[-1]
        where = f"la feuille « {table.sheet} » du fichier" if several else "le fichier"
        plural = "la colonne" if len(missing) == 1 else "les colonnes"
        raise FileRejected("COLONNES_MANQUANTES", (
            f"Il manque {plural} {names} dans {where} « {path.name} »."))


def _part(table: Table, kind: Kind, *, from_template: bool = False) -> _Part:
    body = table.body
    cells = body.to_numpy(dtype=object)
    shown = display_cells(cells)
    mapped = body.columns.get_indexer(pd.Index(list(table.columns))).tolist()
    names = list(table.columns.values())
    total_rows, skipped = _rows_that_are_not_lines(table, cells, shown, mapped)
    if kind is Kind.RELEVE:
        skipped |= _identity_only(cells, mapped, names,
                                  _PREFILLED if from_template else _IDENTITY_AND_MONTH)
    keep = ~(total_rows | skipped)
    total = None
    if "heures" in names and total_rows.any():
        hours, _ = read_hours(cells[total_rows, mapped[names.index("heures")]])
        hours = hours[~np.isnan(hours)]
        total = float(hours.sum()) if len(hours) else None
    rows = body.index.to_numpy()[keep]
    labels = _unique(["Feuille", "Ligne", *(table.labels[int(c)] for c in body.columns)])[2:]
    raw = pd.DataFrame(shown[keep], columns=labels, dtype="str")
    raw.insert(0, "Ligne", rows + 1)
    raw.insert(0, "Feuille", pd.Series([table.sheet] * len(rows), index=raw.index, dtype="str"))
    return _Part(
        sheet=table.sheet,
        rows=rows,
        cells={n: cells[keep, p] for n, p in zip(names, mapped, strict=True)},
        shown={n: shown[keep, p] for n, p in zip(names, mapped, strict=True)},
        raw=raw,
        period=_sheet_period(table) if kind is Kind.RELEVE else None,
        total=total,
    )


def _rows_that_are_not_lines(
    table: Table, cells: np.ndarray, shown: np.ndarray, mapped: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """(Total lines, other rows to skip: sub-totals, repeated headers, rows empty in every
    known column)."""
    # SPEC §5.3: "Total" lines are not lines; a "Sous-total" is neither a line nor the total.
    texts = np.where(pd.isna(shown), "", shown)
    codes, distinct = pd.factorize(texts.ravel())
    # Distinct texts: a few hundred; only those starting like "total"/"sous-total" can match.
    found = [_TOTAL_LABEL.match(text) if text[:1] in TOTAL_INITIALS else None
             for text in distinct]
    is_total = np.array([m is not None and not m["sub"] for m in found], dtype=bool)[codes]
    is_subtotal = np.array([m is not None and bool(m["sub"]) for m in found], dtype=bool)[codes]
    total_rows = is_total.reshape(texts.shape).any(axis=1)
    subtotal_rows = is_subtotal.reshape(texts.shape).any(axis=1)
    header = np.array([table.labels[c] for c in table.columns], dtype=object)
    # A header repeated down the sheet (printed pages): most of its known columns say so.
    same_as_header = (shown[:, mapped] == header).sum(axis=1)
    repeated_header = (same_as_header >= MIN_HEADER_COLUMNS) & (same_as_header * 4 >= len(
        mapped) * 3)
    empty = pd.isna(cells[:, mapped]).all(axis=1)
    total_rows |= _unlabelled_total(cells[:, mapped], list(table.columns.values()))
    return total_rows, subtotal_rows | repeated_header | empty


# A row with only who and when declares no work: it is not a line. A pre-filled template
# (`clauses templates`, recognised by its notice and lists sheets) also carries the marché,
# mission start and contract type of each participant's last line: a row left as pre-filled
# declares no work either. Anywhere else such a row is a line with its hours missing, which
# the rules refuse with VALEUR_INVALIDE rather than drop silently.
TEMPLATE_NOTICE_SHEET, TEMPLATE_LISTS_SHEET = "Mode d'emploi", "Listes"
TEMPLATE_SHEETS = frozenset({TEMPLATE_NOTICE_SHEET, TEMPLATE_LISTS_SHEET})
_IDENTITY_AND_MONTH = frozenset({"id_participant", "nom", "prenom", "date_naissance", "mois"})
_PREFILLED = _IDENTITY_AND_MONTH | {"code_marche", "date_debut_mission", "type_contrat"}


def _identity_only(
    cells: np.ndarray, mapped: list[int], names: list[str], not_work: frozenset[str]
) -> np.ndarray:
    work = [p for p, n in zip(mapped, names, strict=True) if n not in not_work]
    if not work:
        return np.zeros(len(cells), dtype=bool)
    return np.asarray(pd.isna(cells[:, work]).all(axis=1))


def _unlabelled_total(cells: np.ndarray, names: list[str]) -> np.ndarray:
    """The last line with hours and nothing else: a sum without its "Total" label."""
    is_total = np.zeros(len(cells), dtype=bool)
    if "heures" in names and len(cells) > 1:
        filled = ~pd.isna(cells[-1])
        is_total[-1] = filled.sum() == 1 and filled[names.index("heures")]
    return is_total


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


def _sheet_period(table: Table) -> str | None:
    """The month of a "Période : …" cell above the header, else of the sheet name, else of any
    title cell ("Relevé d'heures – octobre 2026")."""
    title_rows = table.title
    for cells in title_rows:
        for position, cell in enumerate(cells):
            label = _PERIOD_LABEL.match(cell)
            if label:
                value = label["value"] or " ".join(cells[position + 1:position + 2])
                if month := find_month(value):
                    return month
    candidates = [table.sheet.replace("_", " ")] + [c for cells in title_rows for c in cells]
    return next((m for m in map(find_month, candidates) if m), None)


def _column(parts: list[_Part], field: str, column: str) -> np.ndarray:
    """One canonical column over every sheet (None where a sheet lacks it)."""
    return np.concatenate([
        getattr(p, field).get(column, np.full(len(p.rows), None, dtype=object)) for p in parts
    ]) if parts else np.array([], dtype=object)


# What a column none of the sheets has holds: nothing, in the column's type.
_ABSENT = {"date_naissance": "datetime64[us]", "date_debut_mission": "datetime64[us]",
           "date_fin_mission": "datetime64[us]", "date_sortie": "datetime64[us]",
           "heures": "float64"}


def _parse(kind: Kind, parts: list[_Part]) -> tuple[pd.DataFrame, pd.DataFrame]:
    columns = [c for c in LINE_COLUMNS[kind] if c not in ("feuille", "ligne")]
    count = sum(len(p.rows) for p in parts)
    # Column → values (pandas arrays for text, numpy arrays for dates, hours and numbers).
    lines: dict[str, Any] = {
        "feuille": pd.Series(np.concatenate([[p.sheet] * len(p.rows) for p in parts]),
                             dtype="str").array,
        "ligne": np.concatenate([p.rows + 1 for p in parts]).astype("int64"),
    }
    unreadable: dict[str, np.ndarray] = {}
    for column in columns:
        parser = _PARSERS.get(column)
        if not any(column in p.cells for p in parts):
            values = pd.Series(np.full(count, None), dtype=_ABSENT.get(column, "str")).array
            lines[column], unreadable[column] = values, np.zeros(count, dtype=bool)
        elif parser is None:
            lines[column] = pd.Series(_column(parts, "shown", column), dtype="str").array
            unreadable[column] = np.zeros(count, dtype=bool)
        else:
            values, unreadable[column] = parser(_column(parts, "cells", column))
            # Texts come as object arrays (None when empty); dates and hours as numpy types.
            lines[column] = (pd.Series(values, dtype="str").array if values.dtype == object
                             else values)
    if kind is Kind.RELEVE:
        # SPEC §5.2: a line without a month of its own takes its sheet's period.
        periods = np.concatenate([[p.period] * len(p.rows) for p in parts])
        blank = pd.isna(lines["mois"]) & ~unreadable["mois"]
        lines["mois"] = pd.Series(np.where(blank, periods, lines["mois"]), dtype="str").array
    return pd.DataFrame(lines), pd.DataFrame(unreadable, columns=columns)
