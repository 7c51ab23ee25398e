"""Relevés missing at edition time and late ones received since the previous edition, per marché
(SPEC §8, issue 15): what the reminder promises structures (« signalé hors délai aux maîtres
d'ouvrage ») and what a buyer needs to read a month's hours as provisional. Pure functions of the
ledger's frames; no layout.

Definitions (shown to the reader, `EXPECTED_DEFINITION`):

- *Expected*: a structure is expected on a marché for month M when it declared counted hours on
  it in one of the `LOOKBACK` months before M, or when its current tableau de suivi holds a
  mission on it running during M (started by the end of M, not ended nor exited before M).
- *Received*: a relevé of the structure processed by Clauses (not quarantined) in the ledger the
  report is edited from, for M (its month) or holding lines of M.
- *Late arrival*: counted lines flagged late (SPEC §6) whose file arrived after the previous
  edition (the day after the previous month's deadline) and before this one, for M or earlier.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd

from clauses.clock import as_shown
from clauses.periods import add_months, month_end, month_label, month_start, of_label, of_month
from clauses.reading.notations import french_number
from clauses.vocabulary import Kind

LOOKBACK = 3
EXPECTED_DEFINITION = (
    "Relevés attendus : une structure est attendue sur un marché pour le mois quand elle y a "
    f"déclaré des heures dans l'un des {LOOKBACK} mois précédents, ou quand son dernier tableau "
    "de suivi y porte une mission en cours pendant le mois. Tant que son relevé n'est pas reçu, "
    "les heures du mois de ce marché sont provisoires ; un relevé reçu hors délai est compté dès "
    "sa réception et signalé ici.")
MISSING_COLUMNS = ["code_marche", "code_structure"]
LATE_COLUMNS = ["code_marche", "code_structure", "mois", "heures", "arrive_le"]


def running_missions(tracking: pd.DataFrame | None, month: str) -> pd.DataFrame:
    """Current tracking lines whose mission runs during `month` (see module docstring)."""
    if tracking is None or tracking.empty:
        return pd.DataFrame(columns=["code_structure", "id_participant", "code_marche"])
    if "actif" in tracking:
        tracking = tracking[tracking["actif"].astype(bool)]
    first, last = pd.Timestamp(month_start(month)), pd.Timestamp(month_end(month))
    started = pd.to_datetime(tracking["date_debut_mission"]) <= last
    ended = pd.to_datetime(tracking["date_fin_mission"]) < first
    left = pd.to_datetime(tracking["date_sortie"]) < first if "date_sortie" in tracking else False
    return tracking[started & ~ended & ~left]


def expected_structures(hours: pd.DataFrame, tracking: pd.DataFrame | None,
                        month: str) -> pd.DataFrame:
    """(code_marche, code_structure) pairs expected to send a relevé for `month`."""
    window = hours["mois"].between(add_months(month, -LOOKBACK), add_months(month, -1))
    recent = hours[window & (hours["heures"] > 0)]
    if "statut" in recent:
        recent = recent[recent["statut"] != "rejetée"]
    missions = running_missions(tracking, month)
    pairs = pd.concat([recent[MISSING_COLUMNS], missions[MISSING_COLUMNS]])
    return pairs.dropna().drop_duplicates().sort_values(MISSING_COLUMNS, ignore_index=True)


def received_structures(files: pd.DataFrame | None, hours: pd.DataFrame, month: str) -> set[str]:
    """Structures whose relevé for `month` is in the ledger the report is edited from."""
    if files is None or files.empty:
        return set(hours.loc[hours["mois"] == month, "code_structure"])
    with_lines = set(hours.loc[hours["mois"] == month, "sha256"]) if "sha256" in hours else set()
    statements = files[(files["type"] == Kind.RELEVE.value) & (files["statut"] == "traité")]
    chosen = statements[(statements["mois"] == month) | statements["sha256"].isin(with_lines)]
    return set(chosen["code_structure"])


def missing_statements(hours: pd.DataFrame, tracking: pd.DataFrame | None,
                       files: pd.DataFrame | None, month: str) -> pd.DataFrame:
    """Expected (marché, structure) pairs whose relevé for `month` has not arrived."""
    expected = expected_structures(hours, tracking, month)
    received = received_structures(files, hours, month)
    return expected[~expected["code_structure"].isin(received)].reset_index(drop=True)


def late_arrivals(hours: pd.DataFrame, files: pd.DataFrame | None, month: str,
                  since: datetime, at: datetime) -> pd.DataFrame:
    """Counted late lines of `month` or before whose file arrived in (`since`, `at`], summed by
    marché, structure and month."""
    if files is None or files.empty or "en_retard" not in hours:
        return pd.DataFrame(columns=LATE_COLUMNS)
    arrived = files.drop_duplicates("sha256").set_index("sha256")["arrive_le"]
    lines = hours[(hours["mois"] <= month) & hours["en_retard"].astype(bool)]
    if "statut" in lines:
        lines = lines[lines["statut"] != "rejetée"]
    lines = lines.assign(arrive_le=pd.to_datetime(lines["sha256"].map(arrived)))
    # The ledger gives times as the workspace's wall-clock time (clauses/clock.py).
    lines = lines[(lines["arrive_le"] > pd.Timestamp(as_shown(since)))
                  & (lines["arrive_le"] <= pd.Timestamp(as_shown(at)))]
    grouped = lines.groupby(["code_marche", "code_structure", "mois"], as_index=False).agg(
        heures=("heures", "sum"), arrive_le=("arrive_le", "max"))
    return grouped[LATE_COLUMNS].sort_values(LATE_COLUMNS[:3], ignore_index=True)


def received_since(files: pd.DataFrame | None, since: datetime) -> set[str]:
    """The files (sha256) that arrived after `since`: the only ones whose late lines
    `late_arrivals` may name."""
    if files is None or files.empty:
        return set()
    arrived = pd.to_datetime(files["arrive_le"]) > pd.Timestamp(as_shown(since))
    return set(files.loc[arrived, "sha256"].dropna())


def arrival_notes(missing: pd.DataFrame, late: pd.DataFrame, names: pd.Series, month: str,
                  at: datetime) -> dict[str, list[str]]:
    """French sentences per marché: relevés not received, then late ones received since the
    previous edition. `names`: structure name by code."""
    notes: dict[str, list[str]] = {}
    row: Any  # a row of itertuples: its fields are the frames' columns
    named = of_label(month_label(month).split()[0])  # « d'octobre »: the report's own month
    for row in missing.itertuples(index=False):
        who = names.get(row.code_structure, row.code_structure)
        notes.setdefault(str(row.code_marche), []).append(
            f"Marché {row.code_marche} : relevé {named} de {who} non reçu au {at:%d/%m/%Y} ; "
            "heures du mois provisoires pour ce marché.")
    for row in late.itertuples(index=False):
        who = names.get(row.code_structure, row.code_structure)
        notes.setdefault(str(row.code_marche), []).append(
            f"Marché {row.code_marche} : relevé {of_month(row.mois)} de {who} reçu hors délai "
            f"le {pd.Timestamp(row.arrive_le):%d/%m/%Y} ({french_number(float(row.heures))} h "
            "comptées).")
    return notes
