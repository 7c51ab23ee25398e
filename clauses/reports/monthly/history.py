"""What the monthly reports of month M read (issue 14.4): M's lines in full, and of the months
before only what the reports show of them, summed. A national network adds 60 000 lines a month;
reading every line since the beginning made each month's reports slower and bigger than the
last. Sums per marché and month, per mission and the latest line of each mission do not grow
with the number of months.

`from_lines` computes them from lines (tests, callers holding a frame), `from_ledger` asks the
database for them (`clauses.ledger.sums`); both give the same frames, hours rounded to the
hundredth (`clauses.hours`), so the reports are the same whichever path fed them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from clauses.hours import round_hours
from clauses.ledger import Ledger
from clauses.periods import add_months
from clauses.reports import missions
from clauses.reports.coverage import Coverage, after_balances, opening_balances
from clauses.reports.monthly.arrivals import LOOKBACK

# What the monthly reports read of each line of M (a national month is 60 000 lines): not the
# per-line texts (explications, motifs, poste, decision) nor where the line was in its file.
LINE_COLUMNS = ("sha256", "code_structure", "id_participant", "code_marche", "mois", "heures",
                "date_debut_mission", "date_fin_mission", "type_contrat", "entreprise",
                "statut", "en_retard", "recu_le", "actif")
MARKET_MONTH = ["code_marche", "mois"]
# A mission's hours by contract type: what the `Répartition` and `Participants` tables need.
MISSION = ["id_participant", "code_marche", "code_structure", "type_contrat"]
LATEST_COLUMNS = [*missions.KEY, "mois", *missions.FACTS]
RECENT = ["code_marche", "code_structure", "mois"]


@dataclass(frozen=True)
class MonthHistory:
    """The counted, current lines up to M as the monthly reports read them."""

    month: str
    lines: pd.DataFrame     # M's lines (LINE_COLUMNS)
    by_month: pd.DataFrame  # MARKET_MONTH + heures: every month up to M, opening balances kept
    missions: pd.DataFrame  # MISSION + heures: months before M, after opening balances
    latest: pd.DataFrame    # LATEST_COLUMNS: each mission's latest line before M, after balances
    recent: pd.DataFrame    # RECENT + heures: positive hours of the LOOKBACK months before M
    late: pd.DataFrame      # lines flagged late up to M (at least those of recent files)


def balance_months(markets: pd.DataFrame) -> dict[str, str]:
    """Marché → month of its `reprise_au`: its lines up to it are in its opening balance."""
    through = opening_balances(markets)["mois_reprise"].dropna()
    return {str(code): str(month) for code, month in through.items()}


def _sums(lines: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Hours per `by` (a missing value is a group, as in SQL), rounded: the exact sums."""
    absent = [name for name in by if name not in lines.columns]
    frame = lines.assign(**dict.fromkeys(absent, None)) if absent else lines  # none known
    summed = frame.groupby(by, dropna=False, sort=True)["heures"].sum()
    return round_hours(summed).reset_index()


def _latest(lines: pd.DataFrame) -> pd.DataFrame:
    return missions.from_relevés(lines)[LATEST_COLUMNS].reset_index(drop=True)


def from_lines(hours: pd.DataFrame, month: str, markets: pd.DataFrame) -> MonthHistory:
    """The history of M from lines up to M (`Ledger.hours(until_month=M)` or any frame with
    its columns); rejected lines never count (SPEC §6)."""
    if "statut" in hours:
        hours = hours[hours["statut"] != "rejetée"]
    hours = hours[hours["mois"] <= month]
    balances = opening_balances(markets)
    # `after_balances` reads only the balances of a Coverage.
    before = after_balances(hours[hours["mois"] < month], Coverage(None, balances))
    window = hours["mois"].between(add_months(month, -LOOKBACK), add_months(month, -1))
    late = hours[hours["en_retard"].astype(bool)] if "en_retard" in hours else hours.iloc[:0]
    return MonthHistory(
        month=month,
        lines=hours[hours["mois"] == month].reset_index(drop=True),
        by_month=_sums(hours, MARKET_MONTH),
        missions=_sums(before, MISSION),
        latest=_latest(before),
        recent=_sums(hours[window & (hours["heures"] > 0)], RECENT),
        late=late.reset_index(drop=True),
    )


def from_ledger(ledger: Ledger, month: str, markets: pd.DataFrame,
                late_files: Collection[str]) -> MonthHistory:
    """The history of M from the database: M's lines, the rest summed there. `late_files`:
    the files whose late lines the reports may name (received since the previous edition)."""
    through = balance_months(markets)
    return MonthHistory(
        month=month,
        lines=ledger.hours(month=month, columns=LINE_COLUMNS),
        by_month=ledger.hour_sums(MARKET_MONTH, until_month=month),
        missions=ledger.hour_sums(MISSION, before_month=month, balances=through),
        latest=_latest(ledger.last_month_hours(missions.KEY, LATEST_COLUMNS,
                                               before_month=month, balances=through)),
        recent=ledger.hour_sums(RECENT, from_month=add_months(month, -LOOKBACK),
                                before_month=month, positive_only=True),
        late=ledger.hours_of_files(late_files, until_month=month, late_only=True,
                                   columns=LINE_COLUMNS),
    )
