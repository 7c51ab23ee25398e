"""Suivi des dépôts (SPEC §8, issue 4): for the facilitator, for month M, what each structure sent
— relevés on time, late (after `jour_limite` of the next month) or missing; lines accepted, with
alert, rejected; tracking tables and pièces justificatives; files in quarantine.

Files "for M": relevés holding lines of M and pièces whose month is M; files without a month
(tableaux de suivi, quarantined files) deposited during the month after M, when M's files are
due. `files` lists a relevé once per month it holds lines of (`Ledger.files_by_month`), with that
month's lateness and counts: a file with September and October lines is in both months' follow-up,
late for one and on time for the other (SPEC §6). A month a file holds only stray lines of (it
does not declare it, SPEC §7) lists the file but does not stand for the structure's relevé.
Deposit time is the file's `arrive_le` (when it arrived in the inbox, as for lateness, SPEC §6).
Duplicates ("déjà reçu") are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clauses.config import Config
from clauses.hours import round_hours
from clauses.periods import add_months, deadline_of, month_label
from clauses.registers.load import Registers
from clauses.reports.monthly.figures import counted
from clauses.reports.workbook import ReportWorkbook
from clauses.vocabulary import Kind

ON_TIME, LATE, MISSING = "Dans les délais", "Hors délai", "Manquant"
STATUS_STYLES = {LATE: "orange", MISSING: "red"}
FOLLOWUP_KINDS = {"Déposé le": "date", "Heures comptées": "hours"}
FILE_KINDS = {"Déposé le": "date"}
FOLLOWUP_COLUMNS = ["Code structure", "Dépôt", "Déposé le", "Relevés", "Lignes acceptées",
                    "Lignes avec alerte", "Lignes rejetées", "Heures comptées",
                    "Tableaux de suivi", "Pièces justificatives", "Fichiers en quarantaine"]


def month_files(files: pd.DataFrame, month: str) -> pd.DataFrame:
    """The files a structure sent for `month` (see module docstring), oldest first."""
    files = files[files["statut"] != "déjà reçu"]
    due = add_months(month, 1)
    # Arrival months written out for the undated files only: the bilan asks for 12 months of
    # a national ledger's files, and formatting every file's date each time cost 0.3 s.
    undated = files["mois"].isna().to_numpy(copy=True)
    undated[undated] = (files["arrive_le"][undated].dt.strftime("%Y-%m") == due).to_numpy()
    chosen = files[(files["mois"] == month).to_numpy() | undated]
    return chosen.sort_values(["arrive_le", "recu_le"], ignore_index=True)


def _declared(files: pd.DataFrame) -> pd.Series:
    # Frames without the column (built by hand, or `Ledger.files`) declare every month.
    return files["declare"].astype(bool) if "declare" in files else pd.Series(True, files.index)


def _by_structure(values: pd.Series, codes: pd.Index, fill: float | bool) -> pd.Series:
    # `values` indexed by code_structure; one entry per code of the table, in its order.
    return values.reindex(codes, fill_value=fill)


def deposit_followup(registers: Registers, hours: pd.DataFrame, files: pd.DataFrame,
                     month: str) -> pd.DataFrame:
    """One row per structure (the register's, then unknown folders that sent files)."""
    of_month = hours[hours["mois"] == month]
    chosen = month_files(files, month)
    lines = counted(of_month)
    known = list(registers.structures.sort_values("code_structure")["code_structure"])
    unknown = sorted(set(chosen["code_structure"].dropna().unique()) - set(known))
    codes = pd.Index(known + unknown, dtype=object)
    if not len(codes):
        return _with_names(pd.DataFrame(columns=FOLLOWUP_COLUMNS), registers)
    # Whole-month column operations, not a Python call per structure: the bilan asks this for
    # each of 12 months of a national register (370 structures).
    statements = chosen[(chosen["type"] == Kind.RELEVE.value) & (chosen["statut"] == "traité")
                        & _declared(chosen)]
    owner = statements["code_structure"]
    count = _by_structure(statements.groupby(owner, sort=False).size(), codes, 0)
    # `chosen` is oldest first: a structure's last relevé is the current version (SPEC §7).
    latest = statements.drop_duplicates("code_structure", keep="last").set_index("code_structure")
    first = statements.drop_duplicates("code_structure", keep="first").set_index("code_structure")
    # Each row carries this month's lateness (SPEC §6: judged against each month): late when no
    # relevé of the month was on time, or when every line of the month is flagged late.
    any_on_time = (~statements["en_retard"].astype(bool)).groupby(owner, sort=False).any()
    files_late = ~_by_structure(any_on_time, codes, False).astype(bool)
    lines_late = _by_structure(of_month.groupby("code_structure")["en_retard"].all(), codes,
                               False).astype(bool)
    status = np.where(count.to_numpy() == 0, MISSING,
                      np.where((files_late | lines_late).to_numpy(), LATE, ON_TIME))
    deposited = first["arrive_le"].reindex(codes)  # NaT without a relevé
    table = pd.DataFrame({
        "Code structure": codes.to_numpy(), "Dépôt": status,
        # No relevé at all: an empty column as the per-row build gave (None, not NaT).
        "Déposé le": (deposited.to_numpy() if deposited.notna().any()
                      else np.full(len(codes), None, dtype=object)),
        "Relevés": count.to_numpy(dtype="int64"),
        **{column: _by_structure(latest[source], codes, 0).to_numpy(dtype="int64")
           for column, source in (("Lignes acceptées", "acceptees"),
                                  ("Lignes avec alerte", "alertes"),
                                  ("Lignes rejetées", "rejetees"))},
        "Heures comptées": _by_structure(
            round_hours(lines.groupby("code_structure")["heures"].sum()), codes, 0.0
        ).to_numpy(dtype=float),
        **{column: _by_structure(mask.groupby(chosen["code_structure"], sort=False).sum(), codes,
                                 0).to_numpy(dtype="int64")
           for column, mask in (("Tableaux de suivi", chosen["type"] == Kind.SUIVI.value),
                                ("Pièces justificatives", chosen["type"] == Kind.PIECE.value),
                                ("Fichiers en quarantaine", chosen["statut"] == "quarantaine"))},
    }, columns=FOLLOWUP_COLUMNS)
    return _with_names(table, registers)


def _with_names(table: pd.DataFrame, registers: Registers) -> pd.DataFrame:
    names = registers.structures.set_index("code_structure")["nom"]
    table.insert(1, "Structure", table["Code structure"].map(names).fillna("(structure inconnue)"))
    return table


def file_list(files: pd.DataFrame, month: str) -> pd.DataFrame:
    """Every file counted in the follow-up, for the `Fichiers` sheet."""
    chosen = month_files(files, month)
    return pd.DataFrame({
        "Code structure": chosen["code_structure"], "Fichier": chosen["nom_fichier"],
        "Type": chosen["type"].fillna("non reconnu"), "Déposé le": chosen["arrive_le"],
        "Délai": chosen["en_retard"].map({True: LATE, False: ON_TIME}),
        "Statut": chosen["statut"], "Motif": chosen["motif"], "Lignes": chosen["lignes"],
        "Acceptées": chosen["acceptees"], "Avec alerte": chosen["alertes"],
        "Rejetées": chosen["rejetees"]})


def write_deposit_report(path: Path, *, config: Config, registers: Registers,
                         hours: pd.DataFrame, files: pd.DataFrame, month: str,
                         generated_at: datetime, notes: Sequence[str] = ()) -> Path:
    """`outbox/<M>/suivi-depots-<M>.xlsx`: sheets `Suivi des dépôts` and `Fichiers`."""
    followup = deposit_followup(registers, hours, files, month)
    deadline = deadline_of(month, config.depot.jour_limite)
    with ReportWorkbook(path, territory=config.territoire, title="Suivi des dépôts",
                        period=month_label(month), generated_at=generated_at) as book:
        sheet = book.sheet("Suivi des dépôts", notes=notes)
        counts = followup["Dépôt"].value_counts()
        sheet.pairs([("Date limite de dépôt", deadline, "date"),
                     ("Structures", len(followup), "integer")]
                    + [(status, int(counts.get(status, 0)), "integer")
                       for status in (ON_TIME, LATE, MISSING)])
        sheet.table(followup, kinds=FOLLOWUP_KINDS, freeze=True,
                    row_styles=[STATUS_STYLES.get(s) for s in followup["Dépôt"]],
                    totals={"Code structure": "Total", **{c: "sum" for c in followup.columns[4:]}})
        listed = file_list(files, month)
        styles = ["red" if s == "quarantaine" else ("orange" if d == LATE else None)
                  for s, d in zip(listed["Statut"], listed["Délai"], strict=True)]
        book.sheet("Fichiers").table(listed, kinds=FILE_KINDS, row_styles=styles, freeze=True)
    return path
