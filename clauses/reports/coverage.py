"""What the ledger covers (SPEC §4, §8, issue 15): the first month Clauses handles and the
opening balances (`heures_reprise` up to `reprise_au`) of marchés already under way. Pure
functions of the ledger's frames and the Marchés register; every report states them.

Definitions (shown to the reader):

- *Coverage*: data are followed from the first month of a relevé Clauses processed (the file's
  month, or the month of any counted line). Before it, the ledger knows nothing: a month before
  coverage is never shown as 0 h.
- *Opening balance*: `heures_reprise` are the hours a marché achieved before Clauses, up to
  `reprise_au` included. They open the marché's cumulated hours; the ledger's lines of the months
  up to the month of `reprise_au` are already in them, so they are not added again.
- *Assessable*: a marché's progress can be judged when nothing of it is unknown: it started on or
  after the coverage's first day, or its opening balance reaches the day before it. Otherwise its
  cumulated hours are « depuis le début du suivi » and it is never called « En retard ».
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from clauses.periods import month_label, month_start
from clauses.reading.notations import french_number
from clauses.vocabulary import Kind

BALANCE_COLUMNS = ["heures_reprise", "reprise_au"]


@dataclass(frozen=True)
class Coverage:
    """The first month Clauses handles (None before any relevé) and the opening balances."""

    first_month: str | None
    balances: pd.DataFrame  # index code_marche; heures_reprise, reprise_au, mois_reprise

    def balance_of(self, codes: pd.Series) -> pd.Series:
        """Each marché's opening balance in hours (0 without one), aligned on `codes`."""
        hours = self.balances["heures_reprise"].astype(float).reindex(codes).fillna(0.0)
        return pd.Series(hours.to_numpy(), index=codes.index)

    def assessable(self, markets: pd.DataFrame) -> pd.Series:
        """True for a marché whose whole history is known (see module docstring)."""
        if self.first_month is None:
            return pd.Series(True, index=markets.index)
        start = pd.Timestamp(month_start(self.first_month))
        reach = pd.Series(pd.to_datetime(self.balances["reprise_au"]).reindex(
            markets["code_marche"]).to_numpy(), index=markets.index)
        return (markets["date_debut"] >= start) | (reach >= start - pd.Timedelta(days=1))


def first_month(files: pd.DataFrame | None, hours: pd.DataFrame) -> str | None:
    """The first month of a relevé Clauses processed, or of a counted line."""
    # Distinct months first: a Python list of 720 000 lines' months took a second.
    months = set(hours["mois"].dropna().unique()) if "mois" in hours else set()
    if files is not None and len(files):
        statements = files[(files["type"] == Kind.RELEVE.value) & (files["statut"] == "traité")]
        months |= set(statements["mois"].dropna().unique())
    return min(months) if months else None


def opening_balances(markets: pd.DataFrame) -> pd.DataFrame:
    """The marchés with an opening balance, by code (registers built without the optional
    columns have none)."""
    if not set(BALANCE_COLUMNS) <= set(markets.columns):
        empty = pd.DataFrame(columns=[*BALANCE_COLUMNS, "mois_reprise"])
        return empty.rename_axis("code_marche")
    given = markets[markets["heures_reprise"].notna()].set_index("code_marche")
    balances = given[BALANCE_COLUMNS].copy()
    balances["heures_reprise"] = balances["heures_reprise"].astype(float)
    balances["mois_reprise"] = pd.to_datetime(balances["reprise_au"]).dt.strftime("%Y-%m")
    return balances


def coverage_of(files: pd.DataFrame | None, hours: pd.DataFrame,
                markets: pd.DataFrame) -> Coverage:
    return Coverage(first_month(files, hours), opening_balances(markets))


def after_balances(lines: pd.DataFrame, coverage: Coverage) -> pd.DataFrame:
    """`lines` without those of a month already counted in its marché's opening balance."""
    if coverage.balances.empty:
        return lines
    through = lines["code_marche"].map(coverage.balances["mois_reprise"].astype(object))
    return lines[through.isna() | (lines["mois"] > through)]


def coverage_sentence(coverage: Coverage, codes: list[str] | None = None) -> str:
    """« Couverture : données suivies depuis novembre 2025 … ; reprises : … » for the marchés
    `codes` (all when None)."""
    if coverage.first_month is None:
        text = "Couverture : aucun relevé d'heures traité à ce jour."
    else:
        text = (f"Couverture : données suivies depuis {month_label(coverage.first_month)} "
                "(premier mois traité par Clauses) ; aucun mois antérieur n'est compté à 0 h.")
    balances = coverage.balances
    if codes is not None:
        balances = balances[balances.index.isin(codes)]
    if len(balances):
        listed = " ; ".join(
            f"{code} : {french_number(float(row['heures_reprise']))} h au "
            f"{pd.Timestamp(row['reprise_au']):%d/%m/%Y}"
            for code, row in balances.sort_index().iterrows())
        text += f" Reprises d'heures antérieures (registre des marchés) : {listed}."
    else:
        text += " Aucune reprise d'heures antérieures."
    return text


def day_before(month: str) -> str:
    """`"2025-11"` → `"31/10/2025"`: the last day before coverage, for sentences."""
    return f"{month_start(month) - timedelta(days=1):%d/%m/%Y}"
