"""The guichet's own control activity over a year (convention art. 2, SPEC §8, issue 15): relevés
on time, late and missing month by month, lines and hours refused by reason, the facilitator's
decisions. Pure functions of the ledger's files and hours (rejected lines included) and the
registers.

Definitions (shown to the reader, `DEFINITIONS`):

- *Relevés by month*: as the suivi des dépôts counts them (per structure of the register: on
  time, late, missing), for each month of the year from the first month of coverage to the last
  month over at edition time; months before coverage are left out, not counted missing.
- *Refused*: current lines of a month of the year with status « rejetée », by reason (a line
  with several reasons counts under each); their hours as declared.
- *Decisions*: lines of the Décisions register for a month of the year, by decision and reason.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from clauses.periods import add_months, month_label, period_months
from clauses.registers.load import Registers
from clauses.reports.monthly.deposits import LATE, MISSING, ON_TIME, deposit_followup
from clauses.vocabulary import REASON_LABELS

DEFINITIONS: tuple[str, ...] = (
    "Activité du guichet : relevés dans les délais, hors délai ou manquants comptés comme dans le "
    "suivi des dépôts (chaque structure du registre, chaque mois suivi de l'année ; les mois "
    "antérieurs au début du suivi ne sont pas comptés manquants) ; lignes refusées : lignes "
    "actuelles au statut « rejetée », comptées sous chacun de leurs motifs, avec les heures "
    "déclarées ; décisions : lignes du registre des décisions portant sur un mois de l'année.",
)
MONTH_COLUMNS = ["Mois", "Relevés reçus", ON_TIME, LATE, MISSING, "Lignes reçues",
                 "Lignes rejetées"]


def no_files() -> pd.DataFrame:
    """An empty `Ledger.files()` frame, typed (for a caller that passes no files)."""
    frame = pd.DataFrame(columns=["sha256", "code_structure", "nom_fichier", "type", "mois",
                                  "statut", "motif", "en_retard", "lignes", "acceptees",
                                  "alertes", "rejetees"])
    return frame.assign(modifie_le=pd.Series(dtype="datetime64[us]"),
                        arrive_le=pd.Series(dtype="datetime64[us]"),
                        recu_le=pd.Series(dtype="datetime64[us]"))


def followed_months(year: int, first_month: str | None, today: date) -> list[str]:
    """Months of the year from coverage to the last month over at `today`."""
    last_over = add_months(f"{today:%Y-%m}", -1)
    return [m for m in period_months(year)
            if first_month is not None and first_month <= m <= last_over]


def months_table(registers: Registers, hours: pd.DataFrame, files: pd.DataFrame,
                 months: list[str]) -> pd.DataFrame:
    """One row per followed month: relevés received, on time / late / missing, lines."""
    rows = []
    # The year's lines split by month once: comparing 720 000 months as text twice per month
    # took longer than the follow-up itself.
    by_month = hours.groupby("mois", sort=False).indices
    for month in months:
        of_month = hours.iloc[by_month.get(month, [])]
        followup = deposit_followup(registers, of_month, files, month)
        counts = followup["Dépôt"].value_counts()
        rows.append({"Mois": month_label(month), "Relevés reçus": int(followup["Relevés"].sum()),
                     **{s: int(counts.get(s, 0)) for s in (ON_TIME, LATE, MISSING)},
                     "Lignes reçues": len(of_month),
                     "Lignes rejetées": int((of_month["statut"] == "rejetée").sum())})
    return pd.DataFrame(rows, columns=MONTH_COLUMNS)


def refusals_table(hours: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Rejected lines and their hours by reason code."""
    rejected = hours[hours["mois"].isin(months) & (hours["statut"] == "rejetée")]
    codes = rejected.assign(motif=rejected["motifs"].fillna("").str.split(";")).explode("motif")
    codes = codes[codes["motif"].str.strip() != ""]
    grouped = codes.groupby("motif", sort=True).agg(Lignes=("motif", "size"),
                                                    Heures=("heures", "sum")).reset_index()
    return pd.DataFrame({"Motif": grouped["motif"],
                         "Libellé": grouped["motif"].map(REASON_LABELS),
                         "Lignes": grouped["Lignes"].astype(int),
                         "Heures": grouped["Heures"].astype(float)})


def decisions_table(decisions: pd.DataFrame, year: int) -> pd.DataFrame:
    """Decisions of the Décisions register for a month of the year, by decision and reason."""
    of_year = decisions[decisions["mois"].isin(period_months(year))]
    grouped = of_year.groupby(["decision", "motif"], sort=True).size().rename(
        "Lignes").reset_index()
    return pd.DataFrame({"Décision": grouped["decision"], "Motif": grouped["motif"],
                         "Libellé": grouped["motif"].map(REASON_LABELS),
                         "Lignes": grouped["Lignes"].astype(int)})
