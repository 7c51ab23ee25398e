"""Activity figures of the bilan annuel (SPEC §8): hours, contracts, marchés, maîtres d'ouvrage,
companies and structures of a calendar year. Pure functions of the ledger's counted, current hours
(`Ledger.hours(current_only=True, counted_only=True)`, every month) and the registers.

Definitions (decided here, shown to the reader in the workbook's notes):

- *Hours of the year*: counted hours whose `mois` falls in the year. *Cumulated hours*: the
  marché's opening balance (SPEC §4), then every counted hour of the months after it up to
  December of the year (a late correction to a past month is included).
- *Participants of the year*: distinct `id_participant` with counted hours in the year.
  *New participants*: those whose first counted hour ever in the ledger falls in the year.
- *Contracts*: distinct (participant, structure, marché, contract type, mission start) among the
  year's lines — a relevé repeats a contract every month, so the mission start tells them apart.
- *Marchés, maîtres d'ouvrage, companies, structures* in the Synthèse: those with counted hours in
  the year; a company is the marché's attributaire (who owes the hours), not the name written on a
  line, which may be a subcontractor. The `Marchés` sheet also lists marchés in force during the
  year without any hour yet: a target not progressing is what the reader needs to see.
- *Mode*: how the hours were delivered, from the declaring structure's type — made available by
  an employer structure (AI, ETTI, GEIQ, ETT), subcontracting to an insertion enterprise (EI,
  ACI), or other (direct hiring by a structure registered as AUTRE).
- *ETP*: hours / `rapports.heures_etp` (1 607 h, the legal full-time year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from clauses.hours import achievement_rate, round_hours, sum_hours
from clauses.periods import period_end, period_start
from clauses.registers.load import Registers
from clauses.reports.annual.year import CONTRACT_KEY, YearLines
from clauses.reports.coverage import Coverage, after_balances, opening_balances

PROVIDED = "Mise à disposition (AI, ETTI, GEIQ, ETT)"
SUBCONTRACTED = "Sous-traitance à une structure d'insertion (EI, ACI)"
OTHER_MODE = "Autre (embauche directe, structure d'un autre type)"
MODE_BY_STRUCTURE_TYPE: dict[str, str] = {
    "AI": PROVIDED,
    "ETTI": PROVIDED,
    "GEIQ": PROVIDED,
    "ETT": PROVIDED,
    "EI": SUBCONTRACTED,
    "ACI": SUBCONTRACTED,
    "AUTRE": OTHER_MODE,
}
MODES: tuple[str, ...] = (PROVIDED, SUBCONTRACTED, OTHER_MODE)

# Columns of the rollups by maître d'ouvrage and by company, after their own key columns.
ROLLUP_COLUMNS: list[str] = [
    "Marchés",
    "Heures objectif",
    "Heures de l'année",
    "Heures cumulées",
    "Taux de réalisation",
    "Participants",
]


def counted_lines(hours: pd.DataFrame) -> pd.DataFrame:
    """Current, counted lines only. The contract already asks for them (`current_only`,
    `counted_only`); filtering again costs nothing and keeps a superseded or rejected line out of
    every figure if a caller passes the whole history (SPEC §6, §7)."""
    keep = pd.Series(True, index=hours.index)
    if "actif" in hours.columns:
        keep &= hours["actif"].astype(bool)
    if "statut" in hours.columns:
        keep &= hours["statut"] != "rejetée"
    return hours if keep.all() else hours[keep]  # not a copy of 720 000 lines for nothing


def _with_market(lines: pd.DataFrame, registers: Registers) -> pd.DataFrame:
    """Lines with their marché's maître d'ouvrage and attributaire (`code_mo`, `siret`)."""
    markets = registers.markets[["code_marche", "code_mo", "siret"]]
    return lines.drop(columns=["code_mo", "siret"], errors="ignore").merge(
        markets, on="code_marche", how="left"
    )


def synthesis(year: YearLines, registers: Registers, heures_etp: float) -> dict[str, float | int]:
    """The headline figures of the Synthèse sheet, by French label (people counts as int)."""
    lines = year.lines
    # The marchés worked on, joined to their MO and attributaire: not every line.
    markets = _with_market(pd.DataFrame({"code_marche": lines["code_marche"].dropna().unique()}),
                           registers)
    total = sum_hours(lines["heures"])
    return {
        "Heures d'insertion réalisées": total,
        "Équivalents temps plein (ETP)": total / heures_etp,
        "Participants": len(year.ids),
        "Nouveaux participants de l'année": len(year.new_ids),
        "Contrats": len(year.contracts),
        "Marchés": year.count_of("code_marche"),
        "Maîtres d'ouvrage": int(markets["code_mo"].nunique()),
        "Entreprises attributaires": int(markets["siret"].nunique()),
        "Structures": year.count_of("code_structure"),
    }


def _shares(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total else values * 0.0


def hours_by_mode(year: YearLines, registers: Registers) -> pd.DataFrame:
    """Hours of the year and their share by mode (the declaring structure's type)."""
    kinds = registers.structures.set_index("code_structure")["type"]
    # Each structure's mode, then each line's by its structure's code (an unregistered or
    # missing structure: the other mode), as a number: MODES[i].
    modes = pd.Series(year.values("code_structure")).map(kinds).map(MODE_BY_STRUCTURE_TYPE)
    number = {mode: i for i, mode in enumerate(MODES)}
    per_code = np.append(modes.fillna(OTHER_MODE).map(number).to_numpy(dtype="int64"),
                         number[OTHER_MODE])
    by_number = year.lines["heures"].groupby(per_code[year.codes("code_structure")]).sum()
    by_mode = round_hours(by_number).reindex(range(len(MODES)), fill_value=0.0)
    return pd.DataFrame({
        "Mode de mise en œuvre": list(MODES),
        "Heures": by_mode.to_numpy(dtype=float),
        "Part des heures": _shares(by_mode).to_numpy(dtype=float),
    })


def hours_by_contract_type(year: YearLines) -> pd.DataFrame:
    """Hours, share and contracts of the year by contract type (only the types present)."""
    # Each line's type, named (a missing one is « non renseigné », as is a written one), as a
    # number: names[i].
    named = pd.Series([*year.values("type_contrat"), None], dtype=object).fillna("non renseigné")
    numbers, names = pd.factorize(named)
    line_type = numbers[year.codes("type_contrat")]
    summed = year.lines["heures"].groupby(line_type).sum()
    by_type = round_hours(summed.set_axis(pd.Index(np.asarray(names, dtype=object)[
        summed.index.to_numpy()], dtype="str"))).sort_index()
    # Contracts counted again once the missing type is named.
    first = year.first_of_each(CONTRACT_KEY, {"type_contrat": line_type})
    counts = np.bincount(line_type[first], minlength=len(names))
    per_type = pd.Series(counts, index=pd.Index(np.asarray(names, dtype=object), dtype="str"))
    return pd.DataFrame({
        "Type de contrat": by_type.index.astype(str),
        "Heures": by_type.to_numpy(dtype=float),
        "Part des heures": _shares(by_type).to_numpy(dtype=float),
        "Contrats": per_type.reindex(by_type.index, fill_value=0).to_numpy(dtype=int),
    })


def balances_of_year(markets: pd.DataFrame, year: int) -> pd.DataFrame:
    """The opening balances a bilan of `year` counts (`clauses.reports.coverage`): those taken
    over by the end of the year."""
    balances = opening_balances(markets)
    return balances[balances["reprise_au"] <= pd.Timestamp(period_end(year))]


def markets_of_year(year: YearLines, registers: Registers) -> pd.DataFrame:
    """Marchés in force during the year or with hours in it, with their hour figures: what the
    `Marchés`, `Maîtres d'ouvrage` and `Entreprises` sheets sum (computed once for the three)."""
    markets = registers.markets
    start = pd.Timestamp(period_start(year.year))
    end = pd.Timestamp(period_end(year.year))
    in_force = markets[(markets["date_debut"] <= end) & (markets["date_fin"] >= start)]
    lines = year.lines
    # `unique` first: a Python set of 720 000 lines' codes costs a second per call.
    codes = sorted(set(in_force["code_marche"]) | set(lines["code_marche"].dropna().unique()))
    table = pd.DataFrame({"code_marche": pd.Series(codes, dtype="str")})
    table = table.merge(markets, on="code_marche", how="left")
    # Cumulated hours open with the opening balance; the months it covers are not added again.
    balances = balances_of_year(markets, year.year)
    until = after_balances(year.until, Coverage(None, balances))
    before = year.earlier.cumulated.set_index("code_marche")["heures"].astype(float)
    for column, source in (("heures_annee", lines), ("heures_cumulees", until)):
        by_market = source.groupby("code_marche")["heures"].sum()
        if column == "heures_cumulees" and len(before):
            by_market = by_market.add(before, fill_value=0.0)  # the years before, summed
        table[column] = round_hours(table["code_marche"].map(by_market).fillna(0.0).astype(float))
    table["heures_cumulees"] = round_hours(
        table["heures_cumulees"] + Coverage(None, balances).balance_of(table["code_marche"]))
    people = lines.groupby("code_marche")["id_participant"].nunique()
    table["participants"] = table["code_marche"].map(people).fillna(0).astype(int)
    return table


def _names(registers: Registers) -> tuple[pd.Series, pd.Series]:
    buyers = registers.buyers.set_index("code_mo")["nom"]
    companies = registers.companies.set_index("siret")["nom"]
    return buyers, companies


def markets_table(table: pd.DataFrame, registers: Registers) -> pd.DataFrame:
    """The `Marchés` sheet (`table`: `markets_of_year`): target, hours of the year, cumulated
    hours, rate, participants."""
    buyers, companies = _names(registers)
    return pd.DataFrame({
        "Code marché": table["code_marche"],
        "Intitulé": table["intitule"],
        "Maître d'ouvrage": table["code_mo"].map(buyers),
        "Entreprise attributaire": table["siret"].map(companies),
        "Date de début": table["date_debut"],
        "Date de fin": table["date_fin"],
        "Heures objectif": table["heures_objectif"].astype(float),
        "Heures de l'année": table["heures_annee"],
        "Heures cumulées": table["heures_cumulees"],
        "Taux de réalisation": achievement_rate(table["heures_cumulees"],
                                                table["heures_objectif"]),
        "Participants": table["participants"],
    })


def _rollup(year: YearLines, table: pd.DataFrame, registers: Registers,
            key: str) -> pd.DataFrame:
    """Marché figures (`table`: `markets_of_year`) summed by `key` (`code_mo` or `siret`);
    participants counted once each."""
    grouped = table.dropna(subset=[key]).groupby(key, sort=True)
    # Who worked on which marché, once each, before the marché's key is joined: not the
    # 720 000 lines of a national year.
    lines = _with_market(year.market_people, registers)
    rollup = pd.DataFrame({
        "Marchés": grouped["code_marche"].nunique(),
        "Heures objectif": grouped["heures_objectif"].sum().astype(float),
        "Heures de l'année": round_hours(grouped["heures_annee"].sum()),
        "Heures cumulées": round_hours(grouped["heures_cumulees"].sum()),
    })
    rollup["Taux de réalisation"] = achievement_rate(rollup["Heures cumulées"],
                                                     rollup["Heures objectif"])
    people = lines.groupby(key)["id_participant"].nunique()
    rollup["Participants"] = people.reindex(rollup.index).fillna(0).astype(int)
    return rollup


def buyers_table(year: YearLines, table: pd.DataFrame, registers: Registers) -> pd.DataFrame:
    """The `Maîtres d'ouvrage` sheet: one row per MO with a marché of the year (`table`:
    `markets_of_year`)."""
    rollup = _rollup(year, table, registers, "code_mo")
    buyers, _ = _names(registers)
    head = pd.DataFrame({"Code MO": rollup.index, "Nom": rollup.index.map(buyers.to_dict())})
    return pd.concat([head, rollup[ROLLUP_COLUMNS].reset_index(drop=True)], axis=1)


def companies_table(year: YearLines, table: pd.DataFrame,
                    registers: Registers) -> pd.DataFrame:
    """The `Entreprises` sheet: one row per attributaire of a marché of the year (`table`:
    `markets_of_year`)."""
    rollup = _rollup(year, table, registers, "siret")
    _, companies = _names(registers)
    head = pd.DataFrame({"SIRET": rollup.index, "Nom": rollup.index.map(companies.to_dict())})
    return pd.concat([head, rollup[ROLLUP_COLUMNS].reset_index(drop=True)], axis=1)


def structures_table(year: YearLines, registers: Registers) -> pd.DataFrame:
    """The `Structures` sheet: every registered structure (and any other with hours)."""
    lines = year.lines
    register = registers.structures.set_index("code_structure")
    codes = sorted(set(register.index) | set(lines["code_structure"].dropna().unique()))
    grouped = lines.groupby("code_structure")
    new = year.new_ids
    newcomers = lines[lines["id_participant"].isin(new)].groupby("code_structure")
    by_code = pd.Index(codes, dtype="str")
    hours_of = grouped["heures"].sum().reindex(by_code, fill_value=0.0)
    # A contract's key holds its structure: the year's distinct contracts, counted by structure.
    per_structure = year.contracts.groupby("code_structure").size()
    return pd.DataFrame({
        "Code structure": by_code,
        "Nom": by_code.map(register["nom"]),
        "Type": by_code.map(register["type"]),
        "Heures de l'année": hours_of.to_numpy(dtype=float),
        "Part des heures": _shares(hours_of).to_numpy(dtype=float),
        "Participants": grouped["id_participant"].nunique().reindex(by_code, fill_value=0),
        "Nouveaux participants": newcomers["id_participant"].nunique().reindex(
            by_code, fill_value=0
        ),
        "Contrats": per_structure.reindex(by_code, fill_value=0).to_numpy(dtype="int64"),
    }).reset_index(drop=True)
