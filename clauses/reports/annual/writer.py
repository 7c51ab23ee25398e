"""Bilan annuel (SPEC §8, annual row): `outbox/<YYYY>/bilan-annuel-<YYYY>.xlsx` for the DDETS-PP and the
structures. Aggregates only, no one's identity: every count of people below
`rapports.seuil_secret_statistique` is masked (see `people.py`).

The figures and their definitions live in `activity.py` and `people.py`
(profile, exits, barriers, secrecy); this module only lays them out, sheet by sheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from clauses.config import Config
from clauses.periods import (
    month_label,
    parse_year,
    period_label,
    period_months,
    provisional_marks,
    require_period_over,
)
from clauses.registers.load import Registers
from clauses.reports import editions as ed
from clauses.reports import missions
from clauses.reports.annual import activity as figures
from clauses.reports.annual import desk, paths
from clauses.reports.annual import people as people
from clauses.reports.annual.year import Earlier, YearLines
from clauses.reports.coverage import Coverage, coverage_of, coverage_sentence
from clauses.reports.workbook import ReportWorkbook, Sheet, TableRange, sum_totals

HOURS_TOTALS = ("Heures objectif", "Heures de l'année", "Heures cumulées")
KINDS: dict[str, str] = {
    "Heures": "hours", "Heures objectif": "hours", "Heures de l'année": "hours",
    "Heures cumulées": "hours", "Taux de réalisation": "percent", "Part des heures": "percent",
    "Participants": "integer", "Part des participants": "percent", "Nouveaux participants":
    "integer", "Contrats": "integer", "Marchés": "integer", "Sorties": "integer",
    "Part des sorties": "percent", "Date de début": "date", "Date de fin": "date",
    "Heures dans l'année": "text", "Lignes": "integer", "Relevés reçus": "integer",
    "Lignes reçues": "integer", "Lignes rejetées": "integer",
    **dict.fromkeys(paths.STRUCTURE_COUNTS, "integer"),
}
# What the bilan reads of each line (a national year is 720 000): not the per-line texts but
# the reason codes of refused lines, nor its file (hash) or where it was in it; nor the mission
# end (no sheet shows it) or `actif` (the job reads current lines only): each column read costs
# ≈ 0.2 s, a date ≈ 0.5 s more.
LINE_COLUMNS = ("code_structure", "id_participant", "code_marche", "mois", "heures",
                "date_debut_mission", "type_contrat", "statut", "motifs", "en_retard")
SYNTHESIS_KINDS: dict[str, str] = {
    "Heures d'insertion réalisées": "hours", "Équivalents temps plein (ETP)": "number",
}
DEFINITIONS: tuple[str, ...] = (
    "Heures : heures comptées par le guichet (lignes acceptées, version la plus récente de chaque "
    "relevé) dont le mois tombe dans l'année ; heures cumulées : toutes les heures comptées "
    "jusqu'à décembre de l'année. ETP : heures / {etp} h.",
    "Participants : personnes ayant au moins une heure comptée dans l'année ; nouveaux "
    "participants : personnes dont la toute première heure comptée tombe dans l'année. "
    "Contrats : couples distincts participant, structure, marché, type de contrat et date de "
    "début de mission.",
    "Marchés, maîtres d'ouvrage, entreprises attributaires et structures : ceux qui ont au moins "
    "une heure comptée dans l'année. Mode de mise en œuvre : d'après le type de la structure "
    "qui déclare les heures.",
    "Heures cumulées d'un marché : sa reprise d'heures antérieures (registre des marchés) plus "
    "les heures comptées des mois qui la suivent. " + missions.PRECEDENCE,
    *paths.DEFINITIONS,
    *desk.DEFINITIONS,
)


@dataclass(frozen=True)
class Layout:
    """What every sheet needs besides its figures."""

    threshold: int  # rapports.seuil_secret_statistique


def _mask(frame: pd.DataFrame, layout: Layout, count: str, share: str | None = None) -> pd.DataFrame:
    """Mask `count` (and its `share`), and new participants where the table has them."""
    counts = [c for c in (count, "Nouveaux participants") if c in frame.columns]
    shares = {share: count} if share else {}
    return people.suppress_small_counts(frame, layout.threshold, counts=counts, shares=shares)


def _secrecy_note(sheet: Sheet, layout: Layout) -> None:
    if layout.threshold > 0:
        n = layout.threshold
        sheet.paragraph(f"Secret statistique : « < {n} » remplace un effectif de 1 à {n - 1} "
                        "personne(s), « s » la part correspondante.")


def _masked_rows(frame: pd.DataFrame, column: str) -> bool:
    return bool(frame[column].map(lambda v: isinstance(v, str)).any())


def _first_rows(table: TableRange, count: int) -> TableRange:
    """The same table, restricted to its first `count` rows (a chart without its total rows)."""
    return TableRange(table.sheet, table.header_row, table.first_row,
                      table.first_row + count - 1, table.columns)


def _align_masked(sheet: Sheet, table: TableRange, frame: pd.DataFrame,
                  columns: Sequence[str]) -> None:
    """Right-align the masks (`< 3`, `s`) like the numbers around them (local helper: the
    shared builder formats whole columns)."""
    fmt = sheet.book.fmt("text", None, align="right", bottom=1, bottom_color="#D9D9D9")
    for column in columns:
        for i, value in enumerate(frame[column]):
            if isinstance(value, str):
                sheet.ws.write_string(table.first_row + i, table.columns[column], value, fmt)


def _masked_table(sheet: Sheet, frame: pd.DataFrame, layout: Layout, count: str,
                  share: str | None = None, **options: Any) -> tuple[pd.DataFrame, TableRange]:
    """Write `frame` with its people counts masked; returns the masked frame and the table."""
    masked = _mask(frame, layout, count, share)
    table = sheet.table(masked, kinds=KINDS, **options)
    counts = [c for c in (count, share, "Nouveaux participants") if c and c in frame.columns]
    _align_masked(sheet, table, masked, counts)
    return masked, table


def partial_year_note(coverage: Coverage, year: int) -> str | None:
    """« Bilan partiel … » when coverage begins after January of `year`."""
    months = period_months(year)
    if coverage.first_month is None or coverage.first_month <= months[0]:
        return None
    covered = [m for m in months if m >= coverage.first_month]
    if not covered:
        return (f"Bilan sans données : le suivi commence en {month_label(coverage.first_month)}, "
                f"après l'année {year}.")
    span = month_label(covered[0]) if len(covered) == 1 else (
        f"{month_label(covered[0])} à {month_label(covered[-1])}")
    return (f"Bilan partiel : données suivies depuis {month_label(coverage.first_month)} ; il "
            f"couvre {span} ({len(covered)} mois sur 12), pas l'année entière.")


def _synthesis_sheet(sheet: Sheet, year: YearLines, registers: Registers, config: Config,
                     layout: Layout, coverage: Coverage) -> None:
    sheet.paragraph(coverage_sentence(coverage))
    values = figures.synthesis(year, registers, config.rapports.heures_etp)
    rows: list[tuple[str, float | str, str]] = []
    for label, value in values.items():
        kind = SYNTHESIS_KINDS.get(label, "integer")
        if label in ("Participants", "Nouveaux participants de l'année"):
            rows.append((label, people.masked(int(value), layout.threshold), kind))
        else:
            rows.append((label, value, kind))
    sheet.pairs(rows)
    _secrecy_note(sheet, layout)
    sheet.heading("Heures par mode de mise en œuvre")
    modes = sheet.table(figures.hours_by_mode(year, registers), kinds=KINDS)
    sheet.chart(modes, categories="Mode de mise en œuvre", series=[("Heures", "pie")],
                title="Répartition des heures par mode de mise en œuvre")
    sheet.heading("Heures par type de contrat")
    by_type = figures.hours_by_contract_type(year)
    table = sheet.table(by_type, kinds=KINDS)
    if len(by_type):
        sheet.chart(table, categories="Type de contrat", series=[("Heures", "column")],
                    title="Heures par type de contrat")
    sheet.heading("Définitions")
    for text in DEFINITIONS:
        sheet.paragraph(text.format(etp=f"{config.rapports.heures_etp:,.0f}".replace(",", " ")))


CHART_TOP = 15  # bars in a chart of marchés, companies…: beyond, the rest is one bar


def _hours_sheet(sheet: Sheet, frame: pd.DataFrame, label: str, layout: Layout,
                 chart_title: str) -> None:
    """A table of hour figures by MO, marché, company or structure, with its chart."""
    _secrecy_note(sheet, layout)
    present = [c for c in HOURS_TOTALS if c in frame.columns]
    totals = sum_totals(sheet, frame, label, present)
    _, table = _masked_table(sheet, frame, layout, "Participants", totals=totals, freeze=True)
    if not len(frame):
        return
    if "Heures objectif" in frame.columns:
        series = [("Heures cumulées", "column"), ("Heures objectif", "column")]
    else:
        series = [("Heures de l'année", "column")]
    if len(frame) > CHART_TOP:
        # 75 marchés in one chart cannot be read (issue 16.1): the largest, then the rest.
        sheet.heading(f"Pour le graphique : les {CHART_TOP - 1} premiers, puis les autres")
        shown = top_and_others(frame, label, [name for name, _ in series])
        table = sheet.table(shown, kinds=dict.fromkeys([n for n, _ in series], "hours"))
    sheet.chart(table, categories=label, series=series, title=chart_title)


def top_and_others(frame: pd.DataFrame, label: str, values: list[str]) -> pd.DataFrame:
    """The CHART_TOP - 1 rows with the most of `values[0]`, then one « Autres (n) » row."""
    ranked = frame.sort_values(values[0], ascending=False, kind="stable")
    top, rest = ranked.head(CHART_TOP - 1), ranked.iloc[CHART_TOP - 1:]
    others = {label: f"Autres ({len(rest)})", **{v: rest[v].sum() for v in values}}
    return pd.concat([top[[label, *values]], pd.DataFrame([others])], ignore_index=True)


def _people_tables(sheet: Sheet, tables: dict[str, pd.DataFrame], layout: Layout, *,
                   count: str, share: str, charted: Sequence[str]) -> None:
    """Heading, masked table and (when nothing is masked) a chart for each people breakdown."""
    _secrecy_note(sheet, layout)
    for heading, frame in tables.items():
        sheet.heading(heading)
        masked, table = _masked_table(sheet, frame, layout, count, share)
        label = str(frame.columns[0])
        if heading in charted and len(frame) and not _masked_rows(masked, count):
            sheet.chart(table, categories=label, series=[(count, "bar")], title=heading,
                        y_format="integer")


def _exits_sheet(sheet: Sheet, tracking: pd.DataFrame, year: int, layout: Layout) -> None:
    frame = people.exits_table(tracking, year)
    _secrecy_note(sheet, layout)
    masked, table = _masked_table(sheet, frame, layout, "Sorties", "Part des sorties")
    categories = len(frame) - 2  # without the Total and dynamic-exits rows
    if not _masked_rows(masked.head(categories), "Sorties") and frame["Sorties"].iloc[-2]:
        sheet.chart(_first_rows(table, categories), categories="Situation à la sortie",
                    series=[("Sorties", "column")], title="Sorties de l'année par situation",
                    y_format="integer")


def write_annual_report(config: Config, registers: Registers, hours: pd.DataFrame,
                        tracking: pd.DataFrame, year: int, generated_at: datetime, today: date,
                        provisoire: bool = False, editions: ed.Editions | None = None,
                        files: pd.DataFrame | None = None,
                        all_hours: pd.DataFrame | None = None,
                        earlier: Earlier | None = None) -> Path:
    """Write the bilan annuel of `year`; returns its path: `bilan-annuel-<YYYY>.xlsx`, then
    `-ed2`… (an edition, recorded in `editions.new`; the previous path when nothing changed);
    a provisional one is `bilan-annuel-<YYYY>-provisoire.xlsx`, replaced at each run.

    `hours` = `Ledger.hours(current_only=True, counted_only=True)` over every month,
    `tracking` = `Ledger.tracking(current_only=True)`, `files` = `Ledger.files_by_month()` and
    `all_hours` = `Ledger.hours(counted_only=False)` for the `Activité du guichet` sheet (it
    knows no file nor refused line when they are omitted). With `earlier` (what the months
    before the year hold, summed by the database), `hours` and `all_hours` may be the year's
    lines only. Refuses a year not over yet
    (`PeriodNotOver`) unless `provisoire`, which marks every sheet « PROVISOIRE »."""
    year = int(year)
    require_period_over(year, today, provisoire=provisoire)
    all_hours = figures.counted_lines(hours) if all_hours is None else all_hours
    if "actif" in all_hours:
        all_hours = all_hours[all_hours["actif"].astype(bool)]
    hours = figures.counted_lines(hours)
    tracking = people.current_tracking(tracking)
    hours = hours.assign(type_contrat=missions.contract_types(hours, tracking))
    coverage = coverage_of(files, all_hours, registers.markets)
    if earlier is not None and earlier.first_month is not None:
        coverage = Coverage(min(filter(None, (coverage.first_month, earlier.first_month))),
                            coverage.balances)
    title, notes = provisional_marks(f"Bilan annuel {year} des clauses sociales d'insertion",
                                     provisoire)
    partial = partial_year_note(coverage, year)
    notes = [*notes, *([partial] if partial else [])]
    layout = Layout(config.rapports.seuil_secret_statistique)
    editions = editions if editions is not None else ed.Editions(config.outbox)
    folder = config.outbox / str(year)
    if provisoire:
        planned, path = None, ed.provisional_path(folder, ed.ANNUAL, str(year), ed.DDETS)
    else:
        planned = editions.plan(ed.ANNUAL, str(year), ed.DDETS, folder)
        path = planned.staging
        notes = [*notes, *ed.edition_note(planned, files,
                                          [f"{year}-{m:02d}" for m in range(1, 13)])]
    with ReportWorkbook(path, territory=config.territoire, title=title,
                        period=period_label(year), generated_at=generated_at) as book:
        # The year's lines selected once for every sheet (a national year: 720 000 lines).
        lines = YearLines(hours, year, earlier)
        participants = people.participants_of_year(lines, registers)
        _synthesis_sheet(book.sheet("Synthèse", notes=notes), lines, registers, config, layout,
                         coverage)
        for name, frame, label, chart_title in _hour_sheets(lines, registers):
            _hours_sheet(book.sheet(name, notes=notes), frame, label, layout, chart_title)
        _people_tables(book.sheet("Profil des participants", notes=notes),
                       people.profile_tables(participants), layout,
                       count=people.PEOPLE, share=people.SHARE,
                       charted=("Sexe", "Âge à la première heure de l'année"))
        _exits_sheet(book.sheet("Sorties", notes=notes), tracking, year, layout)
        _people_tables(book.sheet("Freins", notes=notes),
                       {"Freins à l'emploi des participants de l'année (cumulables)":
                        people.barriers_table(lines, tracking)}, layout,
                       count=people.PEOPLE, share=people.SHARE,
                       charted=("Freins à l'emploi des participants de l'année (cumulables)",))
        _support_sheet(book.sheet("Accompagnement et formation", notes=notes), lines, tracking,
                       layout)
        _structure_sheet(book.sheet("Par structure", notes=notes),
                         paths.structure_table(lines, registers, tracking, participants), layout)
        _paths_sheet(book.sheet("Parcours", notes=notes), lines, layout)
        _desk_sheet(book.sheet("Activité du guichet", notes=notes), registers, all_hours,
                    files, year, coverage, today)
    return editions.keep(planned, as_of=generated_at) if planned else path


def _support_sheet(sheet: Sheet, year: YearLines, tracking: pd.DataFrame,
                   layout: Layout) -> None:
    actions = paths.support_actions(year, tracking)
    sheet.pairs([(label, people.masked(int(value), layout.threshold) if kind == "integer" else value,
                  kind) for label, value, kind in paths.support_summary(actions)])
    _secrecy_note(sheet, layout)
    table = paths.support_table(actions)
    sheet.heading("Actions d'accompagnement et de formation")
    _masked_table(sheet, table, layout, "Participants", freeze=True,
                  totals=sum_totals(sheet, table, "Type", ["Heures"]))
    sheet.paragraph(paths.DEFINITIONS[0])


def _structure_sheet(sheet: Sheet, frame: pd.DataFrame, layout: Layout) -> None:
    _secrecy_note(sheet, layout)
    masked = people.suppress_small_counts(frame, layout.threshold,
                                          counts=paths.STRUCTURE_COUNTS, shares={})
    table = sheet.table(masked, kinds=KINDS, freeze=True)
    _align_masked(sheet, table, masked, paths.STRUCTURE_COUNTS)
    sheet.paragraph(paths.DEFINITIONS[1])


def _paths_sheet(sheet: Sheet, year: YearLines, layout: Layout) -> None:
    per_person = paths.hours_per_participant(year)
    lengths = paths.path_lengths(year)
    sheet.pairs(paths.path_summary(per_person, lengths))
    _people_tables(sheet, paths.path_tables(per_person, lengths), layout, count=people.PEOPLE,
                   share=people.SHARE, charted=("Heures par participant dans l'année",
                                                "Durée des parcours"))
    sheet.paragraph(paths.DEFINITIONS[2])


def _desk_sheet(sheet: Sheet, registers: Registers, all_hours: pd.DataFrame,
                files: pd.DataFrame | None, year: int, coverage: Coverage, today: date) -> None:
    months = desk.followed_months(year, coverage.first_month, today)
    files = files if files is not None else desk.no_files()
    sheet.heading("Relevés reçus par mois")
    frame = desk.months_table(registers, all_hours, files, months)
    table = sheet.table(frame, kinds=KINDS, totals=sum_totals(sheet, frame, "Mois", [
        c for c in desk.MONTH_COLUMNS[1:]]))
    if len(frame):
        sheet.chart(table, categories="Mois", title="Relevés par mois", y_format="integer",
                    series=[(desk.ON_TIME, "column"), (desk.LATE, "column"),
                            (desk.MISSING, "column")])
    sheet.heading("Lignes et heures refusées par motif")
    refused = desk.refusals_table(all_hours, [m for m in period_months(year)
                                              if m <= parse_year(year)[1]])
    sheet.table(refused, kinds=KINDS, totals=sum_totals(sheet, refused, "Motif",
                                                        ["Lignes", "Heures"]))
    sheet.heading("Décisions du guichet et des maîtres d'ouvrage")
    sheet.table(desk.decisions_table(registers.decisions, year), kinds=KINDS)
    sheet.paragraph(desk.DEFINITIONS[0])


def _hour_sheets(year: YearLines,
                 registers: Registers) -> list[tuple[str, pd.DataFrame, str, str]]:
    """(sheet, table, category column, chart title) of the four hour sheets, in SPEC order."""
    markets = figures.markets_of_year(year, registers)
    return [
        ("Maîtres d'ouvrage", figures.buyers_table(year, markets, registers),
         "Code MO", "Heures cumulées et objectif par maître d'ouvrage"),
        ("Marchés", figures.markets_table(markets, registers), "Code marché",
         "Heures cumulées et objectif par marché"),
        ("Entreprises", figures.companies_table(year, markets, registers), "Nom",
         "Heures cumulées et objectif par entreprise attributaire"),
        ("Structures", figures.structures_table(year, registers),
         "Code structure",
         "Heures de l'année par structure"),
    ]
