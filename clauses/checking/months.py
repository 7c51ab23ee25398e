"""A relevé month by month (SPEC §6, §7): which months a file declares, whether each arrived late,
its counts per month, and what a correction replaces.

A structure may send September and October in one workbook, or a September correction with a
stray line dated in an old month. Everything a guichet judges per month is judged here:

- *lateness*: the lines of month M are late when the file arrives after the `jour_limite` of M+1
  (`clauses.periods.arrived_late`, the one place lateness is computed);
- *declared months*: the months a file replaces for its structure. A file with a period (a
  « Période : … » cell, a month sheet name) declares the months of its period that hold lines;
  otherwise the months of its `Mois` column that hold a line not rejected for its month. A stray
  line dated in an old month (rejected `MISSION_HORS_MOIS`, `HORS_PERIODE_MARCHE`…, or outside the
  file's period) never replaces that month;
- *replacement*: for each declared month, the structure's earlier current lines of it (files,
  lines and hours before → after, participants no longer present), flagged « à examiner » when it
  removes more than `controles.remplacement_alerte` of the month's hours.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from clauses.periods import arrived_late, month_label
from clauses.reading.notations import french_hours
from clauses.vocabulary import LineStatus

# A line rejected for one of these is rejected *for its month*: its month is not one the file
# declares (SPEC §7: a stray line never wipes a month).
MONTH_CODES: frozenset[str] = frozenset({"PERIODE_FUTURE", "HORS_PERIODE_MARCHE",
                                         "MISSION_HORS_MOIS"})
_MONTH_CODE = "(?:^|;)(?:" + "|".join(sorted(MONTH_CODES)) + ")(?:;|$)"

MONTH_COLUMNS = ["mois", "declare", "en_retard", "lignes", "acceptees", "alertes", "rejetees",
                 "heures"]
REPLACEMENT_COLUMNS = ["mois", "remplace", "remplace_recu_le", "lignes_avant", "heures_avant",
                       "lignes", "heures", "participants_retires", "a_examiner"]
REJECTED = LineStatus.REJECTED.value


def counted_mask(checked: pd.DataFrame) -> pd.Series:
    """Lines whose hours count (SPEC §6: accepted, with or without alert)."""
    return checked["statut"] != REJECTED


def declared_months(checked: pd.DataFrame, periods: Collection[str] = ()) -> set[str]:
    """The months `checked` (a CheckedHourLine frame) declares, see the module docstring."""
    months = checked["mois"]
    present = set(months.dropna().unique())
    if periods:
        return present & set(periods)
    rejected_for_month = (checked["statut"] == REJECTED) & checked["motifs"].fillna("").str.contains(
        _MONTH_CODE, regex=True)
    return set(months[~rejected_for_month].dropna().unique())


def month_records(checked: pd.DataFrame, *, arrived: datetime, jour_limite: int,
                  periods: Collection[str] = ()) -> pd.DataFrame:
    """One row per month of `checked` (MONTH_COLUMNS), oldest first: declared or not, late or
    not, lines per status and counted hours."""
    lines = checked[checked["mois"].notna()]
    if lines.empty:
        return pd.DataFrame(columns=MONTH_COLUMNS)
    status = lines["statut"]
    hours = pd.to_numeric(lines["heures"], errors="coerce").fillna(0.0).where(
        status != REJECTED, 0.0)
    grouped = pd.DataFrame({
        "mois": lines["mois"].astype(str),
        "lignes": 1,
        "acceptees": (status == LineStatus.ACCEPTED.value).astype(int),
        "alertes": (status == LineStatus.ALERT.value).astype(int),
        "rejetees": (status == REJECTED).astype(int),
        "heures": hours.astype(float),
    }).groupby("mois", sort=True).sum().reset_index()
    declared = declared_months(checked, periods)
    grouped["declare"] = grouped["mois"].isin(declared)
    grouped["en_retard"] = [arrived_late(m, arrived, jour_limite) for m in grouped["mois"]]
    return grouped[MONTH_COLUMNS]


def replacements(before: pd.DataFrame, files: pd.DataFrame, checked: pd.DataFrame,
                 months: Collection[str], *, threshold: float) -> pd.DataFrame:
    """What a file replaces, per declared month that had current lines (REPLACEMENT_COLUMNS).

    `before`: the structure's current ledger lines of `months` (`Ledger.hours(current_only=True,
    counted_only=False)`); `files`: the `fichiers` rows of their files (`nom_fichier`,
    `recu_le`); `checked`: the new file's lines. `threshold`: a share of the month's hours
    (`controles.remplacement_alerte`) above which a removal is listed « à examiner »."""
    before = before[before["mois"].isin(list(months))]
    if before.empty:
        return pd.DataFrame(columns=REPLACEMENT_COLUMNS)
    names = files.drop_duplicates("sha256").set_index("sha256")
    new = checked[checked["mois"].isin(list(months))]
    new_counted = new[counted_mask(new)]
    rows = []
    for month, old in before.groupby("mois", sort=True):
        old_counted = old[counted_mask(old)]
        shas = list(dict.fromkeys(old["sha256"]))
        hours_before = float(old_counted["heures"].fillna(0.0).sum())
        now = new_counted[new_counted["mois"] == month]
        hours_after = float(pd.to_numeric(now["heures"], errors="coerce").fillna(0.0).sum())
        gone = sorted(set(old_counted["id_participant"].dropna()) - set(now["id_participant"].dropna()))
        removed = hours_before - hours_after
        rows.append({
            "mois": str(month),
            "remplace": " ; ".join(str(names["nom_fichier"].get(s, s)) for s in shas),
            "remplace_recu_le": max(pd.Timestamp(names["recu_le"].get(s, old["recu_le"].max()))
                                    for s in shas),
            "lignes_avant": len(old),
            "heures_avant": round(hours_before, 2),
            "lignes": len(new[new["mois"] == month]),
            "heures": round(hours_after, 2),
            "participants_retires": ";".join(gone),
            "a_examiner": bool(hours_before > 0 and removed / hours_before > threshold + 1e-9),
        })
    return pd.DataFrame(rows, columns=REPLACEMENT_COLUMNS)


def with_replacements(records: pd.DataFrame, replaced: pd.DataFrame) -> pd.DataFrame:
    """Month records (`month_records`) with the replacement columns of `replacements` (NaN /
    False where a month replaced nothing)."""
    extra = [c for c in REPLACEMENT_COLUMNS if c not in ("lignes", "heures")]
    merged = records.merge(replaced[extra], on="mois", how="left")
    merged["a_examiner"] = merged["a_examiner"].astype(object).where(
        merged["a_examiner"].notna(), False).astype(bool)
    return merged


def late_months(records: pd.DataFrame) -> list[str]:
    """The months of `records` whose lines arrived late."""
    return [str(m) for m in records.loc[np.asarray(records["en_retard"], dtype=bool), "mois"]]


def replacement_sentence(row: Mapping[Any, Any] | pd.Series) -> str:
    """« septembre 2026 : remplace « releve.xlsx » reçu le 08/10/2026 — 20 lignes, 2 036,60 h →
    3 lignes, 256,67 h » (SPEC §7: every replacement is shown)."""
    received = pd.Timestamp(row["remplace_recu_le"])
    when = "" if pd.isna(received) else f" reçu le {received:%d/%m/%Y}"
    text = (f"{month_label(str(row['mois']))} : remplace « {row['remplace']} »{when} — "
            f"{_lines(int(row['lignes_avant']))}, {french_hours(float(row['heures_avant']))} "
            f"→ {_lines(int(row['lignes']))}, {french_hours(float(row['heures']))}")
    gone = [p for p in str(row.get("participants_retires") or "").split(";") if p]
    if gone:
        text += f" ; participants qui n'y figurent plus : {', '.join(gone)}"
    return text + "."


def _lines(number: int) -> str:
    return f"{number} ligne" + ("s" if number > 1 else "")
