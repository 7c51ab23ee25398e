"""Figures of the monthly reports (SPEC §8, issue 4): pure functions from the ledger's frames and
the registers to the tables a maître d'ouvrage or a company reads. No layout, no disk.

- A marché is reported for month M when it runs during M, or has hours in M.
- `Heures cumulées` are the current ledger's counted hours up to the end of M, so a correction
  to an earlier month shows in the next report (its « Rectificatif » note compares with the
  previous recorded edition: `clauses.reports.editions`).
- `Avancement` compares `Taux de réalisation` with the share of the marché's duration elapsed at
  the end of M (or at its end date): behind when the rate is lower.
- Coverage (`clauses.reports.coverage`): cumulated hours start from the marché's opening balance;
  a marché whose past is unknown (started before coverage, no balance) is judged only on what
  Clauses saw: its rate against the share of its duration elapsed since coverage began, so it is
  never « En retard » for want of data. No month before coverage is charted.

Speed is part of the contract: a month's figures are computed once for every reported marché
(`month_figures`, one pass over the hours), then each workbook's tables are sliced from them by
maître d'ouvrage or company (`group_figures`, `breakdowns`, `participant_tables`, one groupby
each). Nothing here filters the whole hours frame once per workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np
import pandas as pd

from clauses.hours import achievement_rate, round_hours, target_reached
from clauses.periods import (
    add_months,
    deadline_of,
    month_end,
    month_label,
    month_start,
    months_between,
)
from clauses.registers.load import Registers
from clauses.reports import missions
from clauses.reports.coverage import Coverage, after_balances, coverage_of
from clauses.reports.monthly import history
from schemas.reports import CompanyParticipant, MarketSynthesis

DONE, ON_TRACK, BEHIND = "Objectif atteint", "À l'heure ou en avance", "En retard"

SYNTHESIS_COLUMNS = ["Code marché", "Intitulé", "Entreprise", "Heures objectif",
                     "Heures du mois", "Heures cumulées", "Taux de réalisation", "Participants",
                     "Durée écoulée", "Avancement"]
EVOLUTION_MONTHS = 24  # months shown in the chart; earlier hours are in the first cumulated value
PEOPLE_COLUMNS = ["Nom", "Prénom", "Code marché", "Structure", "Début de mission",
                  "Fin de mission", "Heures du mois", "Heures cumulées sur le marché"]
BREAKDOWN_LABELS = {"structure": "Structure", "contrat": "Type de contrat"}


def counted(hours: pd.DataFrame) -> pd.DataFrame:
    """Only accepted lines count (SPEC §6), whatever the caller fetched."""
    if "statut" in hours:
        return hours[hours["statut"] != "rejetée"]
    return hours


def elapsed_shares(markets: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Share of each marché's duration elapsed at the end of each month (0 before, 1 after):
    one row per marché (`markets`' index), one column per month, in one numpy pass."""
    start = markets["date_debut"].to_numpy("datetime64[us]")[:, None]
    end = markets["date_fin"].to_numpy("datetime64[us]")[:, None]
    ends = np.array([month_end(m) for m in months], dtype="datetime64[us]")[None, :]
    day = np.timedelta64(1, "D")
    # Whole days as pandas' `.dt.days` counts them (floored), both bounds included.
    elapsed = np.floor((np.minimum(end, ends) - start) / day) + 1
    length = np.floor((end - start) / day) + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip(elapsed / length, 0.0, 1.0)
    return pd.DataFrame(np.nan_to_num(share, nan=0.0), index=markets.index, columns=months)


def elapsed_share(markets: pd.DataFrame, month: str) -> pd.Series:
    """Share of each marché's duration elapsed at the end of `month` (0 before, 1 after)."""
    return elapsed_shares(markets, [month])[month]


def reported_markets(markets: pd.DataFrame, hours: pd.DataFrame, month: str) -> pd.DataFrame:
    """Marchés running during `month` or with hours in it, by code."""
    runs = (markets["date_debut"] <= pd.Timestamp(month_end(month))) & (
        markets["date_fin"] >= pd.Timestamp(month_start(month)))
    with_hours = markets["code_marche"].isin(counted(hours).loc[lambda h: h["mois"] == month,
                                                                "code_marche"])
    return markets[runs | with_hours].sort_values("code_marche", ignore_index=True)


@dataclass(frozen=True)
class MonthFigures:
    """Month M's figures for every reported marché, computed once (see module docstring)."""

    month: str
    markets: pd.DataFrame    # reported marchés by code, register columns; index 0..n-1
    synthesis: pd.DataFrame  # SYNTHESIS_COLUMNS, one row per marché of `markets`, same order
    lines: pd.DataFrame      # on these marchés: M's counted lines, then the hours of each
    #                          mission before M (`history.MISSION`), + code_mo, siret,
    #                          _in_month, _month (the hours when in M, else 0)
    by_month: pd.DataFrame   # hours per marché and month up to M on these marchés (+ code_mo,
    #                          siret), opening balances left out
    latest: pd.DataFrame     # each mission's latest line up to M (`history.LATEST_COLUMNS`)
    window: list[str]        # the months the `Évolution` sheet may show (EVOLUTION_MONTHS),
    #                          none before coverage
    prorata: pd.DataFrame    # target × elapsed share, per marché (rows) and month of `window`
    coverage: Coverage
    balance: pd.Series       # opening balance per marché of `markets` (0 without one)


def _progress(done: pd.Series, target: pd.Series, rate: pd.Series,
              elapsed: pd.Series | np.ndarray) -> np.ndarray:
    # « Objectif atteint » compares the exact hours, as the rate shown does (clauses/hours.py).
    return np.select([target_reached(done, target), rate + 1e-9 >= elapsed], [DONE, ON_TRACK],
                     BEHIND)


def covered_share(markets: pd.DataFrame, month: str, coverage: Coverage) -> pd.Series:
    """The share of each marché's duration Clauses can judge at the end of `month`: all of the
    elapsed share when its past is known, else only what elapsed since coverage began."""
    elapsed = elapsed_share(markets, month)
    if coverage.first_month is None:
        return elapsed
    # numpy's stubs do not take a Series and a Timestamp in np.minimum; numpy does.
    before = markets.assign(date_fin=np.minimum(markets["date_fin"], pd.Timestamp(  # type: ignore[call-overload]
        month_start(coverage.first_month)) - pd.Timedelta(days=1)))
    unseen = elapsed_share(before, month) * _length(before) / _length(markets)
    return elapsed.where(coverage.assessable(markets), (elapsed - unseen).clip(lower=0.0))


def _length(markets: pd.DataFrame) -> pd.Series:
    return ((markets["date_fin"] - markets["date_debut"]).dt.days + 1).clip(lower=0)


def _synthesis(markets: pd.DataFrame, companies: pd.DataFrame, in_month: pd.DataFrame,
               by_month: pd.DataFrame, elapsed: pd.Series, judged: pd.Series,
               coverage: Coverage) -> pd.DataFrame:
    codes = markets["code_marche"]
    table = pd.DataFrame({
        "Code marché": codes, "Intitulé": markets["intitule"],
        "Entreprise": markets["siret"].map(companies.set_index("siret")["nom"]).fillna(
            markets["siret"]),
        "Heures objectif": markets["heures_objectif"].astype(float),
        "Heures du mois": round_hours(
            codes.map(in_month.groupby("code_marche")["heures"].sum()).fillna(0.0)),
        "Heures cumulées": round_hours(
            codes.map(by_month.groupby("code_marche")["heures"].sum()).fillna(0.0)
            + coverage.balance_of(codes)),
    })
    table["Taux de réalisation"] = achievement_rate(table["Heures cumulées"],
                                                    table["Heures objectif"])
    people = in_month[in_month["heures"] > 0].groupby("code_marche")["id_participant"].nunique()
    table["Participants"] = codes.map(people).fillna(0).astype(int)
    table["Durée écoulée"] = elapsed.to_numpy()
    table["Avancement"] = _progress(table["Heures cumulées"], table["Heures objectif"],
                                    table["Taux de réalisation"], judged.to_numpy())
    return MarketSynthesis.validate(table[SYNTHESIS_COLUMNS])


def month_figures(registers: Registers, hours: pd.DataFrame | history.MonthHistory,
                  month: str, coverage: Coverage | None = None) -> MonthFigures:
    """One pass over M's lines and the sums of the months before (`history.MonthHistory`, or
    counted lines up to M, summed here) for every marché reported in M. `coverage` defaults to
    what the hours alone show (no files, the register's balances)."""
    past = hours if isinstance(hours, history.MonthHistory) else history.from_lines(
        hours, month, registers.markets)
    coverage = coverage or coverage_of(None, past.by_month, registers.markets)
    markets = reported_markets(registers.markets, past.lines, month)
    reported = markets["code_marche"]
    by_code = markets.set_index("code_marche")

    def on_reported(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["code_marche"].isin(reported)]
        return frame.assign(code_mo=frame["code_marche"].map(by_code["code_mo"]),
                            siret=frame["code_marche"].map(by_code["siret"]))

    current = on_reported(after_balances(counted(past.lines), coverage))
    lines = pd.concat([current.assign(_in_month=True, _month=current["heures"]),
                       on_reported(past.missions).assign(_in_month=False, _month=0.0)],
                      ignore_index=True)
    by_month = on_reported(after_balances(past.by_month, coverage))
    by_month = by_month[by_month["mois"] <= month]
    latest = pd.concat([on_reported(past.latest), current], ignore_index=True).reindex(
        columns=history.LATEST_COLUMNS)
    start = max(add_months(month, 1 - EVOLUTION_MONTHS), min(coverage.first_month or month,
                                                              month))
    window = months_between(start, month)
    shares = elapsed_shares(markets, window)
    prorata = shares.mul(markets["heures_objectif"].astype(float), axis=0)
    synthesis = _synthesis(markets, registers.companies, current, by_month, shares[month],
                           covered_share(markets, month, coverage), coverage)
    return MonthFigures(month, markets, synthesis, lines, by_month, latest, window, prorata,
                        coverage, coverage.balance_of(markets["code_marche"]))


@dataclass(frozen=True)
class GroupFigures:
    """The tables of one maître d'ouvrage's or one company's workbook, sliced from M's figures."""

    codes: list[str]         # its reported marchés, by code
    synthesis: pd.DataFrame  # the `Synthèse` rows of these marchés
    participants: int        # distinct people with hours in M on them (someone counts once)
    evolution: pd.DataFrame  # the `Évolution` table


def evolutions(figures: MonthFigures, by: str) -> dict[str, pd.DataFrame]:
    """Each group's `Évolution` table, month by month up to M: hours, cumulated hours, target,
    target pro rata of time. One pivot (groups × months of the window) for all groups; a group's
    table starts at its first marché's start or first hours, at most EVOLUTION_MONTHS back."""
    markets, lines, window = figures.markets, figures.by_month, figures.window
    keys = sorted(markets[by].dropna().unique())
    # pandas-stubs types unstack's fill_value as int | str; a float is what pandas takes here.
    per_month = round_hours(lines.groupby([by, "mois"])["heures"].sum()).unstack(
        fill_value=0.0)  # type: ignore[arg-type]
    per_month = per_month.reindex(index=keys, fill_value=0.0)
    before = per_month.loc[:, per_month.columns < window[0]].sum(axis=1)  # in the first value
    before = before.add(figures.balance.groupby(markets[by]).sum().reindex(keys), fill_value=0.0)
    monthly = per_month.reindex(columns=window, fill_value=0.0)
    starts = pd.concat([markets["date_debut"].dt.strftime("%Y-%m").groupby(markets[by]).min(),
                        lines.groupby(by)["mois"].min()]).groupby(level=0).min()
    first = np.searchsorted(window, starts.reindex(keys).clip(lower=window[0]).to_numpy())
    width, columns = len(window), np.arange(len(window))
    long = pd.DataFrame({
        by: np.repeat(keys, width), "Mois": [month_label(m) for m in window] * len(keys),
        "Heures du mois": monthly.to_numpy().ravel(),
        "Heures cumulées": monthly.cumsum(axis=1).add(before, axis=0).to_numpy().ravel(),
        "Objectif": np.repeat(markets.groupby(by)["heures_objectif"].sum().reindex(keys)
                              .astype(float).to_numpy(), width),
        "Objectif au prorata du temps": figures.prorata.groupby(markets[by]).sum().reindex(
            keys).to_numpy().ravel()})
    return _split(long[np.tile(columns, len(keys)) >= np.repeat(first, width)], by, keys)


def group_figures(figures: MonthFigures, by: str) -> dict[str, GroupFigures]:
    """Per maître d'ouvrage (`by="code_mo"`) or company (`by="siret"`), by key."""
    lines, markets = figures.lines, figures.markets
    keys = sorted(markets[by].dropna().unique())
    worked = lines[lines["_in_month"] & (lines["heures"] > 0)]
    people = worked.groupby(by)["id_participant"].nunique()
    syntheses = _split(figures.synthesis.assign(**{by: markets[by]}), by, keys)
    evolution = evolutions(figures, by)
    return {key: GroupFigures(codes=list(syntheses[key]["Code marché"]),
                              synthesis=syntheses[key], participants=int(people.get(key, 0)),
                              evolution=evolution[key]) for key in keys}


def _split(table: pd.DataFrame, by: str, keys: list[str]) -> dict[str, pd.DataFrame]:
    """`table` cut by its column `by`: one frame per key, empty for a key without rows."""
    body = table.drop(columns=by)
    rows = table[by].groupby(table[by], sort=False).indices
    none = np.array([], dtype=int)
    return {key: body.take(rows.get(key, none)).reset_index(drop=True) for key in keys}


def _structure_names(lines: pd.DataFrame, structures: pd.DataFrame) -> pd.Series:
    names = structures.set_index("code_structure")["nom"]
    return lines["code_structure"].map(names).fillna(lines["code_structure"])


def breakdowns(figures: MonthFigures, structures: pd.DataFrame, by: str,
               kind: str, tracking: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Hours of the month and cumulated per structure (`kind="structure"`) or contract type
    (`"contrat"`: the relevé's, else the tableau de suivi's), for each maître d'ouvrage
    (`by="code_mo"`) or company."""
    lines, label = figures.lines, BREAKDOWN_LABELS[kind]
    key = (_structure_names(lines, structures) if kind == "structure"
           else missions.contract_types(lines, tracking).fillna("non précisé"))
    table = lines.assign(_key=key.astype(str)).groupby([by, "_key"]).agg(
        month=("_month", "sum"), total=("heures", "sum"))
    # Exact hundredths (clauses/hours.py): sums of a month's lines and of earlier sums alike.
    table[["month", "total"]] = round_hours(table[["month", "total"]].to_numpy())
    table = table.rename_axis([by, label]).reset_index().rename(
        columns={"month": "Heures du mois", "total": "Heures cumulées"})
    table = table.sort_values([by, label], ignore_index=True)
    return _split(table, by, list(figures.markets[by].dropna().unique()))


def _joined(lines: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """The distinct values of `column` per group of `keys`, sorted, joined with ", "."""
    distinct = lines[[*keys, column]].drop_duplicates().sort_values([*keys, column])
    first = distinct.groupby(keys).cumcount() == 0
    # A sum of text concatenates: "a" + ", b" + ", c", without a Python call per group.
    return distinct[column].where(first, ", " + distinct[column]).groupby(
        [distinct[k] for k in keys]).sum()


def participant_tables(figures: MonthFigures, participants: pd.DataFrame,
                       structures: pd.DataFrame,
                       tracking: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Each company's `Participants` sheet, by SIRET: the participants of the month — hours in
    it, or a mission running in it (`clauses.reports.missions`) — with name, first name, marché,
    structure, mission dates and hours. Nothing else from the eligibility register goes out
    (SPEC §8: no birth date, no criteria)."""
    keys = ["id_participant", "code_marche"]
    codes = figures.markets["code_marche"]
    facts = missions.missions(figures.latest, tracking)
    facts = facts[facts["code_marche"].isin(codes)]
    facts = facts.assign(_running=missions.running_in(facts, figures.month))
    dated = facts.groupby(keys).agg(start=("date_debut_mission", "min"),
                                    end=("date_fin_mission", "max"), running=("_running", "any"))
    lines = pd.concat([figures.lines, facts.loc[facts["_running"], [*keys, "code_structure"]]
                       .assign(heures=0.0, _month=0.0)], ignore_index=True)
    lines = lines.assign(_structure=_structure_names(lines, structures).astype(str))
    grouped = lines.groupby(keys).agg(month=("_month", "sum"), total=("heures", "sum"))
    # Exact hundredths (clauses/hours.py): sums of a month's lines and of earlier sums alike.
    grouped[["month", "total"]] = round_hours(grouped[["month", "total"]].to_numpy())
    grouped["structure"] = _joined(lines, keys, "_structure")
    grouped = grouped.join(dated)
    grouped = grouped[(grouped["month"] > 0) | grouped["running"].fillna(False).astype(bool)]
    grouped = grouped.reset_index().astype({"id_participant": "str", "code_marche": "str",
                                            "structure": "str"})
    people = participants.set_index("id_participant")
    sirets = figures.markets.set_index("code_marche")["siret"]
    table = pd.DataFrame({
        "Nom": grouped["id_participant"].map(people["nom"]).fillna(grouped["id_participant"]),
        "Prénom": grouped["id_participant"].map(people["prenom"]),
        "Code marché": grouped["code_marche"], "Structure": grouped["structure"],
        "Début de mission": pd.to_datetime(grouped["start"]),
        "Fin de mission": pd.to_datetime(grouped["end"]),
        "Heures du mois": grouped["month"], "Heures cumulées sur le marché": grouped["total"],
        "siret": grouped["code_marche"].map(sirets)})
    table = table.sort_values(["Code marché", "Nom", "Prénom"], ignore_index=True)
    # Checked once for all companies, before it is split: names, dates and hours, nothing more.
    CompanyParticipant.validate(table[PEOPLE_COLUMNS])
    return _split(table, "siret", list(figures.markets["siret"].dropna().unique()))


def previous_report_time(month: str, jour_limite: int) -> datetime:
    """When the monthly run of the month before is due when none is recorded: the day after its
    deadline (SPEC §6). Recorded editions give the real instant (`clauses.reports.editions`)."""
    deadline = deadline_of(add_months(month, -1), jour_limite)
    return datetime.combine(deadline + timedelta(days=1), time.min)
