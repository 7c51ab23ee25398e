"""Monthly execution reports (SPEC §8, issue 4) for month M, written under `outbox/<M>/`:

- `maitres-ouvrage/<code_mo>.xlsx`: `Synthèse` (one row per marché), `Évolution` (chart of cumulated
  hours against the target), `Évolution par marché` (the same, one small chart per marché),
  `Répartition` (hours by structure and contract type). No names.
- `entreprises/<siret>.xlsx`: the same `Synthèse` and `Évolution` for the company's marchés, and
  `Participants` (name, first name, marché, structure, hours). No birth date, no criteria.
- `suivi-depots.xlsx` for the facilitator (`clauses.reports.monthly.deposits`).

Figures come from `monthly_figures` (pure), computed once for the month and sliced per maître
d'ouvrage and per company; this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.hours import achievement_rate
from clauses.periods import month_label
from clauses.registers.load import Registers
from clauses.reports import missions
from clauses.reports.coverage import Coverage, coverage_of, coverage_sentence
from clauses.reports.monthly import arrivals
from clauses.reports.monthly import figures as fig
from clauses.reports.monthly.deposits import write_deposit_report
from clauses.reports.workbook import ReportWorkbook

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
    hours: pd.DataFrame  # ledger.hours(until_month=month): current version, counted lines
    month: str
    generated_at: datetime
    coverage: Coverage | None = None


def _hours_text(hours: float) -> str:
    """1234.5 → "+1 234,50 h" for sentences (cells use number formats instead)."""
    text = f"{hours:+,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} h"


def correction_notes(gaps: pd.DataFrame) -> dict[str, str]:
    """One "Rectificatif" sentence per marché whose earlier months changed since last report."""
    notes = {}
    for code, rows in gaps.groupby("code_marche"):
        months = ", ".join(month_label(m) for m in rows["mois"])
        notes[code] = (
            f"Rectificatif — marché {code} : des relevés déposés après le rapport précédent "
            f"modifient {months} ; heures cumulées {_hours_text(float(rows['ecart'].sum()))} "
            "par rapport à ce rapport.")
    return notes


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
    totals = {"Code marché": "Total", "Heures objectif": "sum", "Heures du mois": "sum",
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
    coverage = inputs.coverage or coverage_of(None, inputs.hours, inputs.registers.markets)
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


def month_notes(inputs: MonthlyInputs, files: pd.DataFrame, tracking: pd.DataFrame | None,
                hours_history: pd.DataFrame | None) -> dict[str, list[str]]:
    """The red notes of each marché: relevés missing or late (issue 15), then rectificatifs."""
    config, registers, hours, month = inputs.config, inputs.registers, inputs.hours, inputs.month
    at = inputs.generated_at
    missing = arrivals.missing_statements(hours, tracking, files, month)
    late = arrivals.late_arrivals(hours, files, month,
                                  fig.previous_report_time(month, config.depot.jour_limite), at)
    names = registers.structures.set_index("code_structure")["nom"]
    notes = arrivals.arrival_notes(missing, late, names, month, at)
    fixes = correction_notes(fig.corrections(hours, hours_history, files, month,
                                             config.depot.jour_limite))
    for code, text in fixes.items():
        notes.setdefault(code, []).append(text)
    return notes


def write_monthly_reports(config: Config, registers: Registers, hours_until_m: pd.DataFrame,
                          files: pd.DataFrame, month: str, generated_at: datetime,
                          hours_history: pd.DataFrame | None = None,
                          tracking: pd.DataFrame | None = None) -> list[Path]:
    """Every monthly workbook for `month`; returns their paths (MO, companies, deposits).

    `hours_until_m` = `ledger.hours(until_month=month)` (current, counted); `files` =
    `ledger.files()`; `hours_history` = `ledger.hours(until_month=month, current_only=False)`,
    for the "Rectificatif" notes (none when omitted); `tracking` = `ledger.tracking()`, for the
    structures expected on a marché and the mission dates (none when omitted)."""
    coverage = coverage_of(files, hours_until_m, registers.markets)
    inputs = MonthlyInputs(config, registers, hours_until_m, month, generated_at, coverage)
    figures = fig.month_figures(registers, hours_until_m, month, coverage)
    notes = month_notes(inputs, files, tracking, hours_history)
    folder, paths = config.outbox / month, []
    buyers = fig.group_figures(figures, "code_mo")
    per_market = fig.evolutions(figures, "code_marche")
    splits = [fig.breakdowns(figures, registers.structures, "code_mo", kind, tracking)
              for kind in ("structure", "contrat")]
    for _, buyer in registers.buyers.sort_values("code_mo").iterrows():
        code, group = buyer["code_mo"], buyers.get(buyer["code_mo"])
        if group is None:  # no marché of this maître d'ouvrage is reported in `month`
            continue
        paths.append(write_buyer_report(
            folder / "maitres-ouvrage" / f"{code}.xlsx", buyer=buyer, group=group,
            breakdowns=[split[code] for split in splits], inputs=inputs,
            market_evolutions=per_market,
            notes=[n for c in group.codes for n in notes.get(c, [])]))
    names = registers.companies.set_index("siret")["nom"]
    people = fig.participant_tables(figures, registers.participants, registers.structures,
                                    tracking)
    companies = fig.group_figures(figures, "siret")
    for siret in sorted(companies):
        group = companies[siret]
        paths.append(write_company_report(
            folder / "entreprises" / f"{siret}.xlsx", company_name=str(names.get(siret, siret)),
            group=group, people=people[siret], inputs=inputs,
            notes=[n for c in group.codes for n in notes.get(c, [])]))
    paths.append(write_deposit_report(folder / "suivi-depots.xlsx", config=config,
                                      registers=registers, hours=hours_until_m, files=files,
                                      month=month, generated_at=generated_at))
    return paths
