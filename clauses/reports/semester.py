"""Tableau des salariés en parcours clauses (SPEC §8, semester row): one workbook per structure,
`outbox/<YYYY-Sn>/structures/<code_structure>-salaries-<YYYY-Sn>.xlsx`, for the half-yearly review committee.

It goes to the structure itself, about its own employees, so identities are allowed here.

Definitions:

- *Employees*: every participant with counted hours declared by the structure in a month of the
  half-year (one row each, whatever the number of missions).
- *Entreprises*: the attributaires of the marchés worked on (who owe the hours); the name written
  on the relevé line is used only for a marché missing from the register.
- *Mission dates*: the earliest mission start of the half-year; the mission end as declared on the
  participant's latest relevé of the half-year, blank when a mission there is still open.
- *Hours per month*: blank when none; *total*: the half-year's hours with this structure.
- *Cumulated hours*: every counted hour of the participant up to the half-year's last month, with
  every structure: the path belongs to the person, not to one employer.
- *Situation, exit, barriers*: from the structure's newest tableau de suivi (its current picture,
  whatever its date): the participant's newest line (latest mission start) gives the situation
  and exit; barriers are gathered from all the participant's lines.
- Only structures with at least one employee in the half-year get a workbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import partial
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.hours import round_hours
from clauses.periods import (
    month_label,
    parse_semester,
    period_label,
    period_months,
    provisional_marks,
    require_period_over,
    semester_code,
)
from clauses.registers.load import Registers
from clauses.reports import editions as ed
from clauses.reports import missions
from clauses.reports.annual.activity import counted_lines
from clauses.reports.annual.people import current_tracking, newest_tracking_lines
from clauses.reports.parallel import write_all
from clauses.reports.workbook import ReportWorkbook, sum_totals

EMPLOYEES_SHEET = "Salariés"
DETAILS_SHEET = "Situation et sorties"
PLAN_SHEET = "Plan d'accompagnement"
# Printed on one A4 width (issue 16.1): `Salariés` keeps who, where, when and the hours; the
# rest of each person's line sits on `Situation et sorties`, one row per participant too.
DETAIL_COLUMNS = ["Identifiant", "Nom", "Prénom", "Date de naissance", "Entreprises",
                  "Type de contrat", "Situation", "Date de sortie", "Situation à la sortie",
                  "Freins"]
TOTAL = "Total du semestre"
CUMULATED = "Heures cumulées du parcours"
IN_PATH, LEFT, ABSENT = "en parcours", "sorti du parcours", "absent du tableau de suivi"
# Columns the structure fills for the committee (SPEC §8: plan d'accompagnement).
PLAN_TO_FILL: dict[str, str] = {
    "Actions menées": "wrap",
    "Prochaines étapes": "wrap",
    "Échéance": "date",
    "Référent": "text",
    "Observations pour le comité": "wrap",
}
WRITING_WIDTH = 22  # characters: room to type in the plan's empty columns
# What the tables read of each line of the half-year: not the per-line texts.
LINE_COLUMNS = ("code_structure", "id_participant", "code_marche", "mois", "heures",
                "date_debut_mission", "date_fin_mission", "type_contrat", "entreprise",
                "statut", "actif")


def employees_columns(employees: pd.DataFrame) -> list[str]:
    """The columns of the `Salariés` sheet: everything but the details of DETAIL_COLUMNS."""
    keep = {"Identifiant", "Nom", "Prénom"}
    return [c for c in employees.columns if c in keep or c not in DETAIL_COLUMNS]


def hour_columns(period: str) -> list[str]:
    """Headers of the hour columns of the `Salariés` sheet: each month, then the total."""
    return [month_label(m) for m in period_months(period)] + [TOTAL]


def _joined(values: pd.Series) -> str | None:
    """Distinct values, sorted, as one cell; None (a blank cell) when there are none."""
    return " ; ".join(sorted({str(v).strip() for v in values if pd.notna(v)})) or None


def _period_lines(hours: pd.DataFrame, code_structure: str, period: str) -> pd.DataFrame:
    first, last = parse_semester(period)
    own = hours["code_structure"] == code_structure
    return hours[own & hours["mois"].between(first, last)].dropna(subset=["id_participant"])


def _companies(lines: pd.DataFrame, registers: Registers) -> pd.Series:
    """Each line's attributaire name (the written `entreprise` for a marché not registered)."""
    owner = lines["code_marche"].map(registers.markets.set_index("code_marche")["siret"])
    name = owner.map(registers.companies.set_index("siret")["nom"])
    return name.fillna(owner).fillna(lines["entreprise"])


def _mission_end(lines: pd.DataFrame) -> pd.Series:
    """Per participant: mission end on the latest relevé of the period, NaT if one is open."""
    latest = lines[lines["mois"] == lines.groupby("id_participant")["mois"].transform("max")]
    ends, who = latest["date_fin_mission"], latest["id_participant"]
    # Vectorised (a national half-year has 60 000 participants): no Python call per person.
    return ends.groupby(who).max().where(~ends.isna().groupby(who).any())


def _joined_per_participant(lines: pd.DataFrame, column: str) -> pd.Series:
    """`_joined` of `column` for every participant at once, by participant (missing when the
    participant has no value): one sort and one sum of texts, no Python call per person."""
    values = lines[column].dropna()
    frame = pd.DataFrame({"id": lines.loc[values.index, "id_participant"],
                          "value": values.astype(str).str.strip()})
    frame = frame.drop_duplicates().sort_values(["id", "value"])
    first = frame.groupby("id").cumcount() == 0
    # A sum of texts concatenates: "a" + " ; b" + " ; c".
    joined = frame["value"].where(first, " ; " + frame["value"]).groupby(frame["id"]).sum()
    return joined.where(joined != "")


def _tracking_situation(tracking: pd.DataFrame, code_structure: str) -> pd.DataFrame:
    """Per participant, from the structure's newest tableau de suivi (see module docstring)."""
    own = tracking[tracking["code_structure"] == code_structure]
    own = own[own["recu_le"] == own["recu_le"].max()]
    newest = newest_tracking_lines(own).set_index("id_participant")
    barriers = own.groupby("id_participant")["freins"].agg(
        lambda texts: _joined(pd.Series([b for t in texts.dropna() for b in t.split(";")
                                         if b.strip()]))
    )
    return pd.DataFrame({
        "Situation": newest["date_sortie"].notna().map({True: LEFT, False: IN_PATH}),
        "Date de sortie": newest["date_sortie"],
        "Situation à la sortie": newest["situation_sortie"],
        "Freins": barriers.reindex(newest.index),
        "Accompagnement en cours": newest["accompagnement"],
        "Formation": newest["formation"],
    })


def cumulated_hours(hours: pd.DataFrame, period: str) -> pd.Series:
    """Each participant's counted hours up to the half-year's last month, every structure
    (`CUMULATED`), rounded: computed once for all the structures' workbooks."""
    last = parse_semester(period)[1]
    return round_hours(hours[hours["mois"] <= last].groupby("id_participant")["heures"].sum())


def employees_table(hours: pd.DataFrame, registers: Registers, tracking: pd.DataFrame,
                    code_structure: str, period: str, *, lines: pd.DataFrame | None = None,
                    cumulated: pd.Series | None = None,
                    situation: pd.DataFrame | None = None) -> pd.DataFrame:
    """The `Salariés` sheet of one structure (one row per participant, sorted by name).
    `lines` (the structure's lines of the half-year), `cumulated` (`cumulated_hours`) and
    `situation` (`_tracking_situation`) save a national run from filtering every hour and
    every tracking line once per structure; `hours` is read without them."""
    if lines is None:
        lines = _period_lines(hours, code_structure, period)
    # Contract type and mission end: the relevé's, else the tableau de suivi's (issue 15).
    lines = lines.assign(
        societe=_companies(lines, registers),
        type_contrat=missions.filled_from_tracking(lines, tracking, "type_contrat"),
        date_fin_mission=pd.to_datetime(
            missions.filled_from_tracking(lines, tracking, "date_fin_mission")))
    months = period_months(period)
    grouped = lines.groupby("id_participant")
    ids = pd.Index(sorted(map(str, grouped.groups)), dtype="str", name="id_participant")
    people = registers.participants.set_index("id_participant").reindex(ids)
    per_month = lines.pivot_table(index="id_participant", columns="mois", values="heures",
                                  aggfunc="sum").reindex(index=ids, columns=months)
    until = cumulated if cumulated is not None else cumulated_hours(hours, period)
    if situation is None:
        situation = _tracking_situation(tracking, code_structure)
    situation = situation.reindex(ids)
    table = pd.DataFrame({
        "Identifiant": ids, "Nom": people["nom"], "Prénom": people["prenom"],
        "Date de naissance": people["date_naissance"],
        "Marchés": _joined_per_participant(lines, "code_marche"),
        "Entreprises": _joined_per_participant(lines, "societe"),
        "Début de mission": grouped["date_debut_mission"].min(),
        "Fin de mission": _mission_end(lines).reindex(ids),
        "Type de contrat": _joined_per_participant(lines, "type_contrat"),
    }, index=ids)
    table[[month_label(m) for m in months]] = per_month.to_numpy(dtype=float)
    table[TOTAL] = round_hours(grouped["heures"].sum())
    table[CUMULATED] = until.reindex(ids)
    table["Situation"] = situation["Situation"].fillna(ABSENT)
    table[["Date de sortie", "Situation à la sortie", "Freins"]] = situation[
        ["Date de sortie", "Situation à la sortie", "Freins"]]
    return table.sort_values(["Nom", "Prénom", "Identifiant"]).reset_index(drop=True)


def plan_table(employees: pd.DataFrame, tracking: pd.DataFrame, code_structure: str,
               situation: pd.DataFrame | None = None) -> pd.DataFrame:
    """The plan d'accompagnement: who, what the tableau de suivi says, then columns to fill
    (`situation`: `_tracking_situation` of the structure, when already computed)."""
    if situation is None:
        situation = _tracking_situation(tracking, code_structure)
    situation = situation.reindex(employees["Identifiant"])
    plan = employees[["Identifiant", "Nom", "Prénom", "Situation"]].copy()
    for column in ("Accompagnement en cours", "Formation"):
        plan[column] = situation[column].to_numpy()
    for column in PLAN_TO_FILL:
        plan[column] = None
    return plan




def write_structure_workbook(path: Path, *, config: Config, structure: str, period: str,
                             employees: pd.DataFrame, plan: pd.DataFrame,
                             generated_at: datetime, provisoire: bool,
                             notes: Sequence[str] = ()) -> Path:
    title, marks = provisional_marks(f"Salariés en parcours clauses — {structure}", provisoire)
    notes = [*marks, *notes]
    summed = hour_columns(period)
    with ReportWorkbook(path, territory=config.territoire, title=title,
                        period=period_label(period), generated_at=generated_at) as book:
        sheet = book.sheet(EMPLOYEES_SHEET, notes=notes)
        sheet.paragraph(f"Heures comptées par le guichet, mois par mois. « {CUMULATED} » : "
                        "toutes les heures comptées du participant depuis le début de son "
                        "parcours et jusqu'à la fin du semestre, toutes structures confondues. "
                        f"Entreprises, contrat, situation, sortie et freins : feuille "
                        f"« {DETAILS_SHEET} ».", columns=8)
        main = employees[employees_columns(employees)]
        totals = sum_totals(sheet, main, "Identifiant", summed)
        sheet.table(main, kinds=dict.fromkeys([*summed, CUMULATED], "hours"),
                    totals=totals, freeze=True)
        details = book.sheet(DETAILS_SHEET, notes=notes)
        details.paragraph("Situation, sortie et freins : votre dernier tableau de suivi reçu.",
                          columns=8)
        details.table(employees[DETAIL_COLUMNS], kinds={"Freins": "wrap", "Entreprises": "wrap"},
                      freeze=True)
        plan_sheet = book.sheet(PLAN_SHEET, notes=notes)
        plan_sheet.paragraph("À compléter pour le comité de suivi : actions menées, prochaines "
                             "étapes, échéance et référent de chaque salarié.", columns=8)
        kinds = {"Freins": "wrap", "Accompagnement en cours": "wrap", "Formation": "wrap",
                 **PLAN_TO_FILL}
        plan_sheet.table(plan, kinds=kinds, freeze=True, min_widths=dict.fromkeys(
            [c for c, k in PLAN_TO_FILL.items() if k == "wrap"], WRITING_WIDTH))
    return path


def _structure_workbook(path: Path, *, config: Config, registers: Registers,
                        hours: pd.DataFrame, tracking: pd.DataFrame, code: str, name: str,
                        period: str, lines: pd.DataFrame, cumulated: pd.Series,
                        generated_at: datetime, provisoire: bool, notes: Sequence[str]) -> None:
    situation = _tracking_situation(tracking, code)
    employees = employees_table(hours, registers, tracking, code, period, lines=lines,
                                cumulated=cumulated, situation=situation)
    write_structure_workbook(
        path, config=config, structure=name, period=period, employees=employees,
        plan=plan_table(employees, tracking, code, situation), generated_at=generated_at,
        provisoire=provisoire, notes=notes)


def write_semester_reports(config: Config, registers: Registers, hours: pd.DataFrame,
                           tracking: pd.DataFrame, period: str, generated_at: datetime,
                           today: date, provisoire: bool = False,
                           editions: ed.Editions | None = None,
                           files: pd.DataFrame | None = None,
                           cumulated: pd.Series | None = None) -> list[Path]:
    """One workbook per structure with employees in the half-year; paths in structure order.
    Each is an edition (`<code>-salaries-<YYYY-Sn>.xlsx`, then `-ed2`…), recorded in
    `editions.new`; a provisional one is `…-provisoire.xlsx`, replaced at each run.

    `hours` = `Ledger.hours(current_only=True, counted_only=True)` over every month,
    `tracking` = `Ledger.tracking(current_only=True)`; with `cumulated` (each participant's
    counted hours up to the half-year's end, `cumulated_hours`), `hours` need only hold the
    half-year's lines. Refuses a half-year not over yet
    (`PeriodNotOver`) unless `provisoire`, which marks every sheet « PROVISOIRE »."""
    period = semester_code(period)
    require_period_over(period, today, provisoire=provisoire)
    hours = counted_lines(hours)
    tracking = current_tracking(tracking)
    first, last = parse_semester(period)
    in_period = hours[hours["mois"].between(first, last)].dropna(subset=["id_participant"])
    names = registers.structures.set_index("code_structure")["nom"]
    editions = editions if editions is not None else ed.Editions(config.outbox)
    folder = config.outbox / period / "structures"
    paths = []
    # One split of the half-year's lines and one sum of the whole path, not one filter of
    # every hour per structure (a national half-year has 370 structures).
    own = {str(code): lines for code, lines in in_period.groupby("code_structure", sort=True)}
    cumulated = cumulated if cumulated is not None else cumulated_hours(hours, period)
    # Each structure's table is built and written by one of the workers (clauses/reports/
    # parallel.py); the editions are planned and kept here, in structure order.
    writes, kept = [], []
    for code in sorted(own):
        if provisoire:
            planned, path = None, ed.provisional_path(folder, ed.SEMESTER, period, code)
        else:
            planned = editions.plan(ed.SEMESTER, period, code, folder)
            path = planned.staging
        writes.append(partial(
            _structure_workbook, path, config=config, registers=registers, hours=hours,
            tracking=tracking, code=code, name=str(names.get(code, code)), period=period,
            lines=own[code], cumulated=cumulated, generated_at=generated_at,
            provisoire=provisoire,
            notes=ed.edition_note(planned, files, period_months(period), code) if planned else ()))
        kept.append((planned, path))
    write_all(writes)
    for planned, path in kept:
        paths.append(editions.keep(planned, as_of=generated_at) if planned else path)
    return paths
