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


KEY = ["code_structure", "id_participant"]  # one employee: a participant with a structure
# Read from the tableau de suivi for the plan d'accompagnement, beside the `Salariés` columns.
PLAN_FROM_TRACKING = ["Accompagnement en cours", "Formation"]


def _period_lines(hours: pd.DataFrame, period: str) -> pd.DataFrame:
    first, last = parse_semester(period)
    return hours[hours["mois"].between(first, last)].dropna(subset=KEY)


def _companies(lines: pd.DataFrame, registers: Registers) -> pd.Series:
    """Each line's attributaire name (the written `entreprise` for a marché not registered)."""
    owner = lines["code_marche"].map(registers.markets.set_index("code_marche")["siret"])
    name = owner.map(registers.companies.set_index("siret")["nom"])
    return name.fillna(owner).fillna(lines["entreprise"])


def _mission_end(lines: pd.DataFrame) -> pd.Series:
    """Per employee (KEY): mission end on the latest relevé of the period, NaT if one is open."""
    # Months compared by rank: a group maximum of texts calls Python once per group.
    ranks = pd.Series(pd.factorize(lines["mois"], sort=True)[0], index=lines.index)
    latest = lines[ranks == ranks.groupby([lines[k] for k in KEY]).transform("max")]
    ends, who = latest["date_fin_mission"], [latest[k] for k in KEY]
    return ends.groupby(who).max().where(~ends.isna().groupby(who).any())


def _joined_per_employee(keys: pd.DataFrame, values: pd.Series) -> pd.Series:
    """`_joined` of `values` for every employee at once, by KEY (missing when the employee
    has no value): one sort and one sum of texts, no Python call per person or structure."""
    values = values.dropna()
    frame = keys.loc[values.index, KEY].assign(value=values.astype(str).to_numpy())
    # Each employee's values repeat month after month: stripped once each, not once per line.
    frame = frame.drop_duplicates()
    frame["value"] = frame["value"].str.strip()
    frame = frame.drop_duplicates().sort_values([*KEY, "value"])
    first = frame.groupby(KEY).cumcount() == 0
    # A sum of texts concatenates: "a" + " ; b" + " ; c".
    joined = frame["value"].where(first, " ; " + frame["value"]).groupby(
        [frame[k] for k in KEY]).sum()
    return joined.where(joined != "")


def tracking_situations(tracking: pd.DataFrame) -> pd.DataFrame:
    """Per employee (KEY), from the structure's newest tableau de suivi (module docstring):
    every structure at once."""
    known = tracking.dropna(subset=["code_structure"])
    newest_table = known["recu_le"] == known.groupby("code_structure")["recu_le"].transform("max")
    own = known[newest_table].dropna(subset=["id_participant"])
    newest = newest_tracking_lines(own, KEY).set_index(KEY)
    texts = own["freins"].dropna()
    barriers = texts.astype(str).str.split(";").explode().str.strip()
    barriers = barriers[barriers != ""]
    return pd.DataFrame({
        "Situation": newest["date_sortie"].notna().map({True: LEFT, False: IN_PATH}),
        "Date de sortie": newest["date_sortie"],
        "Situation à la sortie": newest["situation_sortie"],
        "Freins": _joined_per_employee(own, barriers).reindex(newest.index),
        "Accompagnement en cours": newest["accompagnement"],
        "Formation": newest["formation"],
    })


def cumulated_hours(hours: pd.DataFrame, period: str) -> pd.Series:
    """Each participant's counted hours up to the half-year's last month, every structure
    (`CUMULATED`), rounded: computed once for all the structures' workbooks."""
    last = parse_semester(period)[1]
    return round_hours(hours[hours["mois"] <= last].groupby("id_participant")["heures"].sum())


def employees_tables(lines: pd.DataFrame, registers: Registers, tracking: pd.DataFrame,
                     period: str, cumulated: pd.Series) -> dict[str, pd.DataFrame]:
    """Every structure's `Salariés` table (one row per participant, sorted by name), by
    structure, built at once over the half-year's `lines` (`_period_lines`): a national
    half-year has 370 structures, and pandas' fixed cost per call is paid once, not 370 times.
    Each table also holds PLAN_FROM_TRACKING, for `plan_table` (dropped from the sheets)."""
    # Contract type and mission end: the relevé's, else the tableau de suivi's (issue 15).
    lines = lines.assign(
        societe=_companies(lines, registers),
        type_contrat=missions.filled_from_tracking(lines, tracking, "type_contrat"),
        date_fin_mission=pd.to_datetime(
            missions.filled_from_tracking(lines, tracking, "date_fin_mission")))
    lines = lines.assign(id_participant=lines["id_participant"].astype(str),
                         code_structure=lines["code_structure"].astype(str))
    months = period_months(period)
    grouped = lines.groupby(KEY, sort=True)
    index = pd.MultiIndex.from_frame(grouped.size().index.to_frame(index=False).astype("str"))
    ids = index.get_level_values("id_participant")
    people = registers.participants.set_index("id_participant").reindex(ids)
    per_month = lines.pivot_table(index=KEY, columns="mois", values="heures",
                                  aggfunc="sum").reindex(index=index, columns=months)
    situation = tracking_situations(tracking).reindex(index)
    table = pd.DataFrame({
        "Identifiant": pd.Series(ids.to_numpy(), index=index, dtype="str"),
        "Nom": people["nom"].set_axis(index), "Prénom": people["prenom"].set_axis(index),
        "Date de naissance": people["date_naissance"].set_axis(index),
        "Marchés": _joined_per_employee(lines, lines["code_marche"]),
        "Entreprises": _joined_per_employee(lines, lines["societe"]),
        "Début de mission": grouped["date_debut_mission"].min(),
        "Fin de mission": _mission_end(lines),
        "Type de contrat": _joined_per_employee(lines, lines["type_contrat"]),
    }, index=index)
    table[[month_label(m) for m in months]] = per_month.to_numpy(dtype=float)
    table[TOTAL] = round_hours(grouped["heures"].sum())
    table[CUMULATED] = cumulated.reindex(ids).to_numpy()
    table["Situation"] = situation["Situation"].fillna(ABSENT)
    detail = ["Date de sortie", "Situation à la sortie", "Freins", *PLAN_FROM_TRACKING]
    table[detail] = situation[detail]
    table = table.reset_index("code_structure").sort_values(
        ["code_structure", "Nom", "Prénom", "Identifiant"])
    return {str(code): own.drop(columns="code_structure").reset_index(drop=True)
            for code, own in table.groupby("code_structure", sort=True)}


def employees_table(hours: pd.DataFrame, registers: Registers, tracking: pd.DataFrame,
                    code_structure: str, period: str) -> pd.DataFrame:
    """The `Salariés` sheet of one structure (`employees_tables` of that structure alone)."""
    lines = _period_lines(hours[hours["code_structure"] == code_structure], period)
    tables = employees_tables(lines, registers, tracking, period,
                              cumulated_hours(hours, period))
    table = tables.get(code_structure)
    if table is None:
        return pd.DataFrame(columns=["Identifiant", "Nom", "Prénom"])
    return table.drop(columns=PLAN_FROM_TRACKING)


def plan_table(employees: pd.DataFrame) -> pd.DataFrame:
    """The plan d'accompagnement: who, what the tableau de suivi says (PLAN_FROM_TRACKING of
    `employees_tables`), then columns to fill."""
    plan = employees[["Identifiant", "Nom", "Prénom", "Situation", *PLAN_FROM_TRACKING]].copy()
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


def _structure_workbook(path: Path, *, config: Config, name: str, period: str,
                        table: pd.DataFrame, generated_at: datetime, provisoire: bool,
                        notes: Sequence[str]) -> None:
    write_structure_workbook(
        path, config=config, structure=name, period=period,
        employees=table.drop(columns=PLAN_FROM_TRACKING), plan=plan_table(table),
        generated_at=generated_at, provisoire=provisoire, notes=notes)


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
    names = registers.structures.set_index("code_structure")["nom"]
    editions = editions if editions is not None else ed.Editions(config.outbox)
    folder = config.outbox / period / "structures"
    paths = []
    cumulated = cumulated if cumulated is not None else cumulated_hours(hours, period)
    # Every structure's table at once (a national half-year has 370 structures), here; the
    # workers (clauses/reports/parallel.py) only write them. The editions are planned and kept
    # here, in structure order.
    tables = employees_tables(_period_lines(hours, period), registers, tracking, period,
                              cumulated)
    writes, kept = [], []
    for code in sorted(tables):
        if provisoire:
            planned, path = None, ed.provisional_path(folder, ed.SEMESTER, period, code)
        else:
            planned = editions.plan(ed.SEMESTER, period, code, folder)
            path = planned.staging
        writes.append(partial(
            _structure_workbook, path, config=config, name=str(names.get(code, code)),
            period=period, table=tables[code], generated_at=generated_at,
            provisoire=provisoire,
            notes=ed.edition_note(planned, files, period_months(period), code) if planned else ()))
        kept.append((planned, path))
    write_all(writes)
    for planned, path in kept:
        paths.append(editions.keep(planned, as_of=generated_at) if planned else path)
    return paths
