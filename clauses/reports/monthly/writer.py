"""Monthly execution reports (SPEC §8, issue 4) for month M, written under `outbox/<M>/`:

- `maitres-ouvrage/<code_mo>-rapport-mensuel-<M>.xlsx`: `Synthèse` (one row per marché),
  `Évolution` (chart of cumulated hours against the target), `Évolution par marché` (the same,
  one small chart per marché), `Répartition` (hours by structure and contract type). No names.
- `entreprises/<siret>-rapport-mensuel-<M>.xlsx`: the same `Synthèse` and `Évolution` for the
  company's marchés, and `Participants` (name, first name, marché, structure, hours). No birth
  date, no criteria.
- `suivi-depots-<M>.xlsx` for the facilitator (`clauses.reports.monthly.deposits`).

Each is an edition (`clauses.reports.editions`): a re-run never overwrites a written report; a
changed one becomes `…-ed2.xlsx` with a note saying why, an unchanged one is not written again.

Figures come from `figures.py` (pure), computed once for the month and sliced per maître
d'ouvrage and per company; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from clauses.config import Config
from clauses.hours import achievement_rate
from clauses.periods import month_label
from clauses.registers.load import Registers
from clauses.reports import editions as ed
from clauses.reports import missions
from clauses.reports.coverage import Coverage, coverage_of, coverage_sentence
from clauses.reports.monthly import arrivals, history
from clauses.reports.monthly import figures as fig
from clauses.reports.monthly.deposits import write_deposit_report
from clauses.reports.parallel import write_all
from clauses.reports.workbook import ReportWorkbook, Total

SYNTHESIS_KINDS = {"Heures objectif": "hours", "Heures du mois": "hours",
                   "Heures cumulées": "hours", "Taux de réalisation": "percent",
                   "Durée écoulée": "percent", "Participants": "integer"}
PEOPLE_KINDS = {"Début de mission": "date", "Fin de mission": "date"}
HOURS_KINDS = {name: "hours" for name in ("Heures du mois", "Heures cumulées",
                                          "Heures cumulées sur le marché", "Objectif",
                                          "Objectif au prorata du temps")}
PROGRESS_STYLES = {fig.BEHIND: "orange", fig.DONE: "green"}
PROGRESS_NOTE = ("Avancement : « En retard » quand le taux de réalisation (heures cumulées / "
                 "heures objectif) est inférieur à la part de la durée du marché écoulée à la fin "
                 "du mois (colonne « Durée écoulée »). Un marché commencé avant le début du suivi sans "
                 "reprise d'heures antérieures n'est jugé que sur ce que le guichet a vu : ses "
                 "heures cumulées depuis le début du suivi, face à la part de sa durée écoulée "
                 "depuis ; il n'est jamais « En retard » faute de données.")
PEOPLE_NOTE = ("Participants du mois : les personnes qui ont des heures comptées dans le mois "
               "ou une mission en cours pendant le mois sur vos marchés. " + missions.PRECEDENCE)
PARTICIPANTS_NOTE = ("Participants : personnes distinctes ayant des heures comptées dans le mois "
                     "sur le marché.")


@dataclass(frozen=True)
class MonthlyInputs:
    """What every monthly workbook is computed from (reports are pure functions of these)."""

    config: Config
    registers: Registers
    history: history.MonthHistory  # M's lines, sums of the months before
    month: str
    generated_at: datetime
    coverage: Coverage | None = None


def participants_note(synthesis: pd.DataFrame, participants: int) -> str:
    """Why the total row's `Participants` may be less than the column's sum (issue 15)."""
    summed = int(synthesis["Participants"].sum())
    if summed == participants:
        return f"{PARTICIPANTS_NOTE} La ligne Total compte chaque personne une fois."
    return (f"{PARTICIPANTS_NOTE} La ligne Total ({participants}) compte chaque personne une "
            f"fois : elle est inférieure à la somme de la colonne ({summed}) parce que "
            f"{summed - participants} {'personne a' if summed - participants == 1 else 'personnes ont'}"
            " travaillé sur "
            "plusieurs marchés dans le mois.")


def _write_synthesis(book: ReportWorkbook, synthesis: pd.DataFrame, participants: int,
                     notes: list[str], context: list[str]) -> None:
    sheet = book.sheet("Synthèse", notes=notes)
    target, done = synthesis["Heures objectif"].sum(), synthesis["Heures cumulées"].sum()
    totals: dict[str, Total] = {"Code marché": "Total", "Heures objectif": "sum", "Heures du mois": "sum",
              "Heures cumulées": "sum",
              "Taux de réalisation": ("=SUBTOTAL(109,{Heures cumulées})/"
                                      "SUBTOTAL(109,{Heures objectif})",
                                      achievement_rate(done, target) if target else 0.0),
              # Distinct people over all marchés: someone on two marchés counts once.
              "Participants": (f"={participants}", participants)}
    sheet.table(synthesis, kinds=SYNTHESIS_KINDS, totals=totals, freeze=True,
                row_styles=[PROGRESS_STYLES.get(p) for p in synthesis["Avancement"]])
    sheet.paragraph(participants_note(synthesis, participants), columns=len(synthesis.columns))
    sheet.paragraph(PROGRESS_NOTE, columns=len(synthesis.columns))
    for text in context:
        sheet.paragraph(text, columns=len(synthesis.columns))


def _write_evolution(book: ReportWorkbook, evolution: pd.DataFrame) -> None:
    sheet = book.sheet("Évolution")
    table = sheet.table(evolution, kinds=HOURS_KINDS, freeze=True)
    sheet.chart(table, categories="Mois", title="Heures cumulées et objectif", beside=True,
                size=(620, 360),
                series=[("Heures cumulées", "column"), ("Objectif", "line"),
                        ("Objectif au prorata du temps", "line")])


def _context(group: fig.GroupFigures, inputs: MonthlyInputs) -> list[str]:
    """Coverage (first), then the definition of an expected relevé."""
    coverage = inputs.coverage or coverage_of(None, inputs.history.by_month,
                                              inputs.registers.markets)
    return [coverage_sentence(coverage, group.codes), arrivals.EXPECTED_DEFINITION]


def _write_market_evolutions(book: ReportWorkbook, synthesis: pd.DataFrame,
                             evolutions: dict[str, pd.DataFrame]) -> None:
    """Small multiples: each marché's cumulated hours against its target, one chart each."""
    sheet = book.sheet("Évolution par marché")
    sheet.paragraph("Une courbe par marché : heures cumulées (reprise d'heures antérieures "
                    "comprise) face à l'objectif du marché et à l'objectif au prorata du temps. "
                    "La vue d'ensemble est sur la feuille « Évolution ».", columns=5)
    for code, title in zip(synthesis["Code marché"], synthesis["Intitulé"], strict=True):
        sheet.heading(f"{code} — {title}")
        table = sheet.table(evolutions[code], kinds=HOURS_KINDS)
        sheet.chart(table, categories="Mois", title=f"{code} : heures cumulées et objectif",
                    beside=True, size=(480, 260),
                    series=[("Heures cumulées", "column"), ("Objectif", "line"),
                            ("Objectif au prorata du temps", "line")])
        sheet.row += 1


def _common_sheets(book: ReportWorkbook, group: fig.GroupFigures, notes: list[str],
                   inputs: MonthlyInputs) -> None:
    _write_synthesis(book, group.synthesis, group.participants, notes, _context(group, inputs))
    _write_evolution(book, group.evolution)


def write_buyer_report(path: Path, *, buyer: pd.Series, group: fig.GroupFigures,
                       breakdowns: list[pd.DataFrame], inputs: MonthlyInputs,
                       notes: list[str], market_evolutions: dict[str, pd.DataFrame]) -> Path:
    """A maître d'ouvrage's workbook: counts and hours only, never a participant's name."""
    with _book(path, inputs, f"Clauses sociales — rapport mensuel — {buyer['nom']}") as book:
        _common_sheets(book, group, notes, inputs)
        _write_market_evolutions(book, group.synthesis, market_evolutions)
        sheet = book.sheet("Répartition")
        for title, frame in zip(("Heures par structure", "Heures par type de contrat"),
                                breakdowns, strict=True):
            sheet.heading(title)
            sheet.table(frame, kinds=HOURS_KINDS, totals={
                frame.columns[0]: "Total", "Heures du mois": "sum", "Heures cumulées": "sum"})
    return path


def write_company_report(path: Path, *, company_name: str, group: fig.GroupFigures,
                         people: pd.DataFrame, inputs: MonthlyInputs, notes: list[str]) -> Path:
    """A company's workbook: its marchés and the people who worked on them (names only)."""
    with _book(path, inputs, f"Clauses sociales — rapport mensuel — {company_name}") as book:
        _common_sheets(book, group, notes, inputs)
        sheet = book.sheet("Participants")
        sheet.paragraph(PEOPLE_NOTE, columns=len(people.columns))
        sheet.table(
            people, kinds=HOURS_KINDS | PEOPLE_KINDS, freeze=True,
            totals={"Nom": "Total", "Heures du mois": "sum", "Heures cumulées sur le marché": "sum"})
    return path


def _book(path: Path, inputs: MonthlyInputs, title: str) -> ReportWorkbook:
    return ReportWorkbook(path, territory=inputs.config.territoire, title=title,
                          period=month_label(inputs.month), generated_at=inputs.generated_at)


def late_since(config: Config, editions: ed.Editions, month: str, at: datetime) -> datetime:
    """Late relevés are named when received since the previous monthly run: its recorded
    deposit follow-up, else the day after the last deadline."""
    previous = editions.latest(ed.DEPOSITS, ed.GUICHET, until=month)
    if previous is not None and previous.arrete_au < ed.wall_clock(at):
        return previous.arrete_au
    return fig.previous_report_time(month, config.depot.jour_limite)


def month_notes(inputs: MonthlyInputs, files: pd.DataFrame, tracking: pd.DataFrame | None,
                editions: ed.Editions) -> dict[str, list[str]]:
    """The red notes of each marché: relevés missing, or late and received since the previous
    monthly run (`late_since`)."""
    config, registers, past, month = inputs.config, inputs.registers, inputs.history, inputs.month
    at = inputs.generated_at
    # M's lines say who sent M's relevé; the sums of the months before, who was expected.
    missing = arrivals.missing_statements(pd.concat([past.lines, past.recent], ignore_index=True),
                                          tracking, files, month)
    late = arrivals.late_arrivals(past.late, files, month, late_since(config, editions, month, at),
                                  at)
    names = registers.structures.set_index("code_structure")["nom"]
    return arrivals.arrival_notes(missing, late, names, month, at)


def write_monthly_reports(config: Config, registers: Registers,
                          hours_until_m: pd.DataFrame | history.MonthHistory,
                          files: pd.DataFrame, month: str, generated_at: datetime,
                          tracking: pd.DataFrame | None = None,
                          editions: ed.Editions | None = None,
                          recipients: Callable[[str], bool] | None = None) -> list[Path]:
    """Every monthly workbook for `month`; returns their paths (MO, companies, deposits): the
    new editions, and the previous ones left as they were when nothing changed.

    `hours_until_m` = `history.from_ledger(…)` (M's lines and sums of the months before), or
    `ledger.hours(until_month=month)` (current, counted lines, summed here); `files` =
    `ledger.files_by_month()`; `tracking` = `ledger.tracking()`, for the structures expected on
    a marché and the mission dates (none when omitted); `editions`: the editions recorded so far (for
    the file names and the « Rectificatif » notes); the ones written here are added to its
    `new` list. `recipients`: write only the workbooks of the codes it accepts (`code_mo`,
    SIRET, and `suivi-depots`): one batch of the month, the others written by other workers."""
    wanted = recipients or (lambda _code: True)
    editions = editions if editions is not None else ed.Editions(config.outbox)
    past = hours_until_m if isinstance(hours_until_m, history.MonthHistory) else \
        history.from_lines(hours_until_m, month, registers.markets)
    coverage = coverage_of(files, past.by_month, registers.markets)
    inputs = MonthlyInputs(config, registers, past, month, generated_at, coverage)
    figures = fig.month_figures(registers, past, month, coverage)
    notes = month_notes(inputs, files, tracking, editions)
    # Each marché's hours per month as its editions record them, once for all workbooks.
    recorded = ed.figures_of(past.by_month, figures.markets["code_marche"])
    folder, paths = config.outbox / month, []
    buyers = fig.group_figures(figures, "code_mo")
    per_market = fig.evolutions(figures, "code_marche")
    splits = [fig.breakdowns(figures, registers.structures, "code_mo", kind, tracking)
              for kind in ("structure", "contrat")]
    # Planned and noted in order, written on every core (clauses/reports/parallel.py), then
    # kept in order: the editions and their numbers are those a single process gives.
    planned_writes: list[tuple[ed.Planned, Callable[[], object], dict[str, Any]]] = []
    for _, buyer in registers.buyers.sort_values("code_mo").iterrows():
        code, group = buyer["code_mo"], buyers.get(buyer["code_mo"])
        if group is None or not wanted(code):  # no marché reported in `month`, or not ours
            continue
        planned = editions.plan(ed.MONTHLY_BUYER, month, str(code),
                                folder / "maitres-ouvrage")
        shown = {code: recorded[code] for code in sorted(set(group.codes))}
        said = _notes(planned, shown, files, month, group.codes, notes)
        planned_writes.append((planned, partial(
            write_buyer_report, planned.staging, buyer=buyer, group=group,
            breakdowns=[split[code] for split in splits], inputs=inputs,
            market_evolutions=per_market, notes=said),
            {"figures": shown, "note": "\n".join(said) or None}))
    names = registers.companies.set_index("siret")["nom"]
    people = fig.participant_tables(figures, registers.participants, registers.structures,
                                    tracking)
    companies = fig.group_figures(figures, "siret")
    for siret in sorted(code for code in companies if wanted(code)):
        group = companies[siret]
        planned = editions.plan(ed.MONTHLY_COMPANY, month, str(siret), folder / "entreprises")
        shown = {code: recorded[code] for code in sorted(set(group.codes))}
        said = _notes(planned, shown, files, month, group.codes, notes)
        planned_writes.append((planned, partial(
            write_company_report, planned.staging, company_name=str(names.get(siret, siret)),
            group=group, people=people[siret], inputs=inputs, notes=said),
            {"figures": shown, "note": "\n".join(said) or None}))
    if wanted("suivi-depots"):
        planned = editions.plan(ed.DEPOSITS, month, ed.GUICHET, folder)
        planned_writes.append((planned, partial(
            write_deposit_report, planned.staging, config=config, registers=registers,
            hours=past.lines, files=files, month=month, generated_at=generated_at,
            notes=ed.edition_note(planned, files, [month])), {}))
    write_all([write for _, write, _ in planned_writes])
    for planned, _, kept in planned_writes:
        paths.append(editions.keep(planned, as_of=generated_at, **kept))
    return paths


def _notes(planned: ed.Planned, shown: ed.Figures, files: pd.DataFrame, month: str,
           codes: list[str], arrivals_notes: dict[str, list[str]]) -> list[str]:
    """The edition note (a second edition of this month), then per marché the relevés missing
    or late and the « Rectificatif » of earlier months changed since the previous edition for
    this recipient."""
    corrections = ed.correction_notes(planned.before, shown, until=month)
    months = {m for code in corrections for m in shown.get(code, {})} | {month}
    per_market = [n for c in codes for n in [*arrivals_notes.get(c, []),
                                              *([corrections[c]] if c in corrections else [])]]
    return [*ed.edition_note(planned, files, months), *per_market]
