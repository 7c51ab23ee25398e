"""Figures of the monthly reports (SPEC §8, issue 4): pure functions from the ledger's frames and
the registers to the tables a maître d'ouvrage or a company reads. No layout, no disk.

- A marché is reported for month M when it runs during M, or has hours in M.
- `Heures cumulées` are the current ledger's counted hours up to the end of M, so a correction
  to an earlier month shows in the next report (see `corrections`).
- `Avancement` compares `Taux de réalisation` with the share of the marché's duration elapsed at
  the end of M (or at its end date): behind when the rate is lower.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd

from clauses.periods import add_months, deadline_of, month_end, month_label, month_start

DONE, ON_TRACK, BEHIND = "Objectif atteint", "À l'heure ou en avance", "En retard"
SYNTHESIS_COLUMNS = ["Code marché", "Intitulé", "Entreprise", "Heures objectif",
                     "Heures du mois", "Heures cumulées", "Taux de réalisation", "Participants",
                     "Durée écoulée", "Avancement"]
EVOLUTION_MONTHS = 24  # months shown in the chart; earlier hours are in the first cumulated value


def counted(hours: pd.DataFrame) -> pd.DataFrame:
    """Only accepted lines count (SPEC §6), whatever the caller fetched."""
    if "statut" in hours:
        return hours[hours["statut"] != "rejetée"]
    return hours


def elapsed_share(markets: pd.DataFrame, month: str) -> pd.Series:
    """Share of each marché's duration elapsed at the end of `month` (0 before, 1 after)."""
    start, end = markets["date_debut"], markets["date_fin"]
    point = end.clip(upper=pd.Timestamp(month_end(month)))
    share = ((point - start).dt.days + 1) / ((end - start).dt.days + 1)
    return share.clip(lower=0.0, upper=1.0).fillna(0.0)


def reported_markets(markets: pd.DataFrame, hours: pd.DataFrame, month: str) -> pd.DataFrame:
    """Marchés running during `month` or with hours in it, by code."""
    runs = (markets["date_debut"] <= pd.Timestamp(month_end(month))) & (
        markets["date_fin"] >= pd.Timestamp(month_start(month)))
    with_hours = markets["code_marche"].isin(counted(hours).loc[lambda h: h["mois"] == month,
                                                                "code_marche"])
    return markets[runs | with_hours].sort_values("code_marche", ignore_index=True)


def _sum_by(hours: pd.DataFrame, keys: str | list[str]) -> pd.Series:
    return hours.groupby(keys)["heures"].sum()


def _progress(rate: float, elapsed: float) -> str:
    if rate >= 1:
        return DONE
    return ON_TRACK if rate + 1e-9 >= elapsed else BEHIND


def market_synthesis(markets: pd.DataFrame, companies: pd.DataFrame, hours: pd.DataFrame,
                     month: str) -> pd.DataFrame:
    """One row per marché of `markets`: the `Synthèse` sheet (columns SYNTHESIS_COLUMNS)."""
    hours = counted(hours[hours["mois"] <= month])
    in_month = hours[hours["mois"] == month]
    codes = markets["code_marche"]
    names = companies.set_index("siret")["nom"]
    table = pd.DataFrame({
        "Code marché": codes, "Intitulé": markets["intitule"],
        "Entreprise": markets["siret"].map(names).fillna(markets["siret"]),
        "Heures objectif": markets["heures_objectif"].astype(float),
        "Heures du mois": codes.map(_sum_by(in_month, "code_marche")).fillna(0.0),
        "Heures cumulées": codes.map(_sum_by(hours, "code_marche")).fillna(0.0),
    })
    table["Taux de réalisation"] = table["Heures cumulées"] / table["Heures objectif"]
    people = in_month[in_month["heures"] > 0].groupby("code_marche")["id_participant"].nunique()
    table["Participants"] = codes.map(people).fillna(0).astype(int)
    table["Durée écoulée"] = elapsed_share(markets, month).to_numpy()
    table["Avancement"] = [_progress(r, e) for r, e in
                           zip(table["Taux de réalisation"], table["Durée écoulée"], strict=True)]
    return table.reset_index(drop=True)[SYNTHESIS_COLUMNS]


def month_participants(hours: pd.DataFrame, codes: pd.Series, month: str) -> int:
    """Distinct participants with hours in `month` on these marchés (a person counts once)."""
    lines = counted(hours)
    lines = lines[(lines["mois"] == month) & lines["code_marche"].isin(codes)]
    return int(lines.loc[lines["heures"] > 0, "id_participant"].nunique())


def evolution(markets: pd.DataFrame, hours: pd.DataFrame, month: str) -> pd.DataFrame:
    """Month by month up to `month`: hours, cumulated hours, target, target pro rata of time."""
    lines = counted(hours)
    lines = lines[lines["code_marche"].isin(markets["code_marche"]) & (lines["mois"] <= month)]
    starts = [f"{d:%Y-%m}" for d in markets["date_debut"]] + list(lines["mois"])
    first = max(min(starts, default=month), add_months(month, 1 - EVOLUTION_MONTHS))
    per_month = _sum_by(lines, "mois")
    months, current = [], first
    while current <= month:
        months.append(current)
        current = add_months(current, 1)
    before = float(per_month[per_month.index < first].sum())
    monthly = [float(per_month.get(m, 0.0)) for m in months]
    cumulated = pd.Series(monthly).cumsum() + before
    target = markets["heures_objectif"].astype(float)
    return pd.DataFrame({
        "Mois": [month_label(m) for m in months], "Heures du mois": monthly,
        "Heures cumulées": cumulated.to_numpy(),
        "Objectif": float(target.sum()),
        "Objectif au prorata du temps": [float((target * elapsed_share(markets, m)).sum())
                                         for m in months],
    })


def breakdown(hours: pd.DataFrame, codes: pd.Series, structures: pd.DataFrame, month: str,
              by: str) -> pd.DataFrame:
    """Hours of the month and cumulated, per structure (`by="structure"`) or contract type."""
    lines = counted(hours)
    lines = lines[lines["code_marche"].isin(codes) & (lines["mois"] <= month)]
    if by == "structure":
        names = structures.set_index("code_structure")["nom"]
        key = lines["code_structure"].map(names).fillna(lines["code_structure"])
        label = "Structure"
    else:
        key, label = lines["type_contrat"].fillna("non précisé"), "Type de contrat"
    lines = lines.assign(_key=key.astype(str), _month=lines["heures"].where(lines["mois"] == month,
                                                                            0.0))
    table = lines.groupby("_key").agg(month=("_month", "sum"), total=("heures", "sum"))
    table = table.rename_axis(label).reset_index().rename(
        columns={"month": "Heures du mois", "total": "Heures cumulées"})
    return table.sort_values(label, ignore_index=True)


def participant_hours(hours: pd.DataFrame, markets: pd.DataFrame, participants: pd.DataFrame,
                      structures: pd.DataFrame, month: str) -> pd.DataFrame:
    """A company's `Participants` sheet: name, first name, marché, structure, hours. Nothing else
    from the eligibility register goes out (SPEC §8: no birth date, no criteria)."""
    lines = counted(hours)
    lines = lines[lines["code_marche"].isin(markets["code_marche"]) & (lines["mois"] <= month)]
    structure_names = structures.set_index("code_structure")["nom"]
    lines = lines.assign(
        _month=lines["heures"].where(lines["mois"] == month, 0.0),
        _structure=lines["code_structure"].map(structure_names).fillna(lines["code_structure"]))
    grouped = lines.groupby(["id_participant", "code_marche"]).agg(
        month=("_month", "sum"), total=("heures", "sum"),
        structure=("_structure", lambda s: ", ".join(sorted(set(s.astype(str))))))
    grouped = grouped[grouped["total"] > 0].reset_index()
    people = participants.set_index("id_participant")
    table = pd.DataFrame({
        "Nom": grouped["id_participant"].map(people["nom"]).fillna(grouped["id_participant"]),
        "Prénom": grouped["id_participant"].map(people["prenom"]),
        "Code marché": grouped["code_marche"], "Structure": grouped["structure"],
        "Heures du mois": grouped["month"], "Heures cumulées sur le marché": grouped["total"]})
    return table.sort_values(["Code marché", "Nom", "Prénom"], ignore_index=True)


def previous_report_time(month: str, jour_limite: int) -> datetime:
    """When the report of the month before was produced: the day after its deadline (SPEC §6)."""
    deadline = deadline_of(add_months(month, -1), jour_limite)
    return datetime.combine(deadline + timedelta(days=1), time.min)


def corrections(hours: pd.DataFrame, history: pd.DataFrame, files: pd.DataFrame, month: str,
                jour_limite: int) -> pd.DataFrame:
    """Per marché and earlier month, how the current cumulated hours differ from what the
    previous report could see: relevés (corrections or late ones) deposited after it.

    The previous view is rebuilt from `history` (every version): for each structure and month,
    the newest relevé deposited before that report. Deposit time is the file's `modifie_le`, as
    for lateness; `recu_le` when the file is unknown."""
    cutoff, before = previous_report_time(month, jour_limite), add_months(month, -1)
    empty = pd.DataFrame(columns=["code_marche", "mois", "ecart"])
    if history is None or history.empty:
        return empty
    deposited = files.drop_duplicates("sha256").set_index("sha256")["modifie_le"]
    old = counted(history[history["mois"] <= before])
    old = old.assign(_at=old["sha256"].map(deposited).fillna(old["recu_le"]))
    old = old[old["_at"] < cutoff]
    newest = old.groupby(["code_structure", "mois"])["_at"].transform("max")
    known = _sum_by(old[old["_at"] == newest], ["code_marche", "mois"])
    now = _sum_by(counted(hours[hours["mois"] <= before]), ["code_marche", "mois"])
    gap = now.sub(known, fill_value=0.0)
    gap = gap[gap.abs() > 0.005].rename("ecart").reset_index()
    return gap.sort_values(["code_marche", "mois"], ignore_index=True) if len(gap) else empty
