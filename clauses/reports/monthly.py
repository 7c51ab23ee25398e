"""Monthly execution reports (SPEC §8, issue 4) for month M, written under `outbox/<M>/`:

- `maitres-ouvrage/<code_mo>.xlsx`: `Synthèse` (one row per marché), `Évolution` (chart of cumulated
  hours against the target), `Répartition` (hours by structure and contract type). No names.
- `entreprises/<siret>.xlsx`: the same `Synthèse` and `Évolution` for the company's marchés, and
  `Participants` (name, first name, marché, structure, hours). No birth date, no criteria.
- `suivi-depots.xlsx` for the facilitator (`clauses.reports.deposits`).

Figures come from `monthly_figures` (pure); this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from clauses.config import Config
from clauses.periods import month_label
from clauses.registers import Registers
from clauses.reports import monthly_figures as fig
from clauses.reports.deposits import write_deposit_report
from clauses.reports.workbook import ReportWorkbook

SYNTHESIS_KINDS = {"Heures objectif": "hours", "Heures du mois": "hours",
                   "Heures cumulées": "hours", "Taux de réalisation": "percent",
                   "Durée écoulée": "percent", "Participants": "integer"}
HOURS_KINDS = {name: "hours" for name in ("Heures du mois", "Heures cumulées",
                                          "Heures cumulées sur le marché", "Objectif",
                                          "Objectif au prorata du temps")}
PROGRESS_STYLES = {fig.BEHIND: "orange", fig.DONE: "green"}
PROGRESS_NOTE = ("Avancement : « En retard » quand le taux de réalisation (heures cumulées / "
                 "heures objectif) est inférieur à la part de la durée du marché écoulée à la fin "
                 "du mois (colonne « Durée écoulée »).")


@dataclass(frozen=True)
class MonthlyInputs:
    """What every monthly workbook is computed from (reports are pure functions of these)."""

    config: Config
    registers: Registers
    hours: pd.DataFrame  # ledger.hours(until_month=month): current version, counted lines
    month: str
    generated_at: datetime


def _hours_text(hours: float) -> str:
    """1234.5 → "+1 234,50 h" for sentences (cells use number formats instead)."""
    text = f"{hours:+,.2f}".replace(",", " ").replace(".", ",")
    return f"{text} h"


def correction_notes(gaps: pd.DataFrame, codes: Iterable[str], month: str) -> list[str]:
    """One "Rectificatif" sentence per marché whose earlier months changed since last report."""
    notes = []
    for code, rows in gaps[gaps["code_marche"].isin(list(codes))].groupby("code_marche"):
        months = ", ".join(month_label(m) for m in rows["mois"])
        notes.append(
            f"Rectificatif — marché {code} : des relevés déposés après le rapport précédent "
            f"modifient {months} ; heures cumulées {_hours_text(float(rows['ecart'].sum()))} "
            "par rapport à ce rapport.")
    return notes


def _write_synthesis(book: ReportWorkbook, synthesis: pd.DataFrame, participants: int,
                     notes: list[str]) -> None:
    sheet = book.sheet("Synthèse", notes=notes)
    target, done = synthesis["Heures objectif"].sum(), synthesis["Heures cumulées"].sum()
    totals = {"Code marché": "Total", "Heures objectif": "sum", "Heures du mois": "sum",
              "Heures cumulées": "sum",
              "Taux de réalisation": ("=SUBTOTAL(109,{Heures cumulées})/"
                                      "SUBTOTAL(109,{Heures objectif})",
                                      float(done / target) if target else 0.0),
              # Distinct people over all marchés: someone on two marchés counts once.
              "Participants": (f"={participants}", participants)}
    sheet.table(synthesis, kinds=SYNTHESIS_KINDS, totals=totals, freeze=True,
                row_styles=[PROGRESS_STYLES.get(p) for p in synthesis["Avancement"]])
    sheet.paragraph(PROGRESS_NOTE, columns=len(synthesis.columns))


def _write_evolution(book: ReportWorkbook, evolution: pd.DataFrame) -> None:
    sheet = book.sheet("Évolution")
    table = sheet.table(evolution, kinds=HOURS_KINDS, freeze=True)
    sheet.chart(table, categories="Mois", title="Heures cumulées et objectif", beside=True,
                size=(620, 360),
                series=[("Heures cumulées", "column"), ("Objectif", "line"),
                        ("Objectif au prorata du temps", "line")])


def _common_sheets(book: ReportWorkbook, markets: pd.DataFrame, inputs: MonthlyInputs,
                   notes: list[str]) -> None:
    hours, month = inputs.hours, inputs.month
    synthesis = fig.market_synthesis(markets, inputs.registers.companies, hours, month)
    people = fig.month_participants(hours, markets["code_marche"], month)
    _write_synthesis(book, synthesis, people, notes)
    _write_evolution(book, fig.evolution(markets, hours, month))


def write_buyer_report(path: Path, *, buyer: pd.Series, markets: pd.DataFrame,
                       inputs: MonthlyInputs, notes: list[str]) -> Path:
    """A maître d'ouvrage's workbook: counts and hours only, never a participant's name."""
    hours, month, registers = inputs.hours, inputs.month, inputs.registers
    with _book(path, inputs, f"Clauses sociales — rapport mensuel — {buyer['nom']}") as book:
        _common_sheets(book, markets, inputs, notes)
        sheet = book.sheet("Répartition")
        for title, by in (("Heures par structure", "structure"),
                          ("Heures par type de contrat", "contrat")):
            sheet.heading(title)
            frame = fig.breakdown(hours, markets["code_marche"], registers.structures, month, by)
            sheet.table(frame, kinds=HOURS_KINDS, totals={
                frame.columns[0]: "Total", "Heures du mois": "sum", "Heures cumulées": "sum"})
    return path


def write_company_report(path: Path, *, company_name: str, markets: pd.DataFrame,
                         inputs: MonthlyInputs, notes: list[str]) -> Path:
    """A company's workbook: its marchés and the people who worked on them (names only)."""
    registers = inputs.registers
    with _book(path, inputs, f"Clauses sociales — rapport mensuel — {company_name}") as book:
        _common_sheets(book, markets, inputs, notes)
        people = fig.participant_hours(inputs.hours, markets, registers.participants,
                                       registers.structures, inputs.month)
        book.sheet("Participants").table(
            people, kinds=HOURS_KINDS, freeze=True,
            totals={"Nom": "Total", "Heures du mois": "sum", "Heures cumulées sur le marché": "sum"})
    return path


def _book(path: Path, inputs: MonthlyInputs, title: str) -> ReportWorkbook:
    return ReportWorkbook(path, territory=inputs.config.territoire, title=title,
                          period=month_label(inputs.month), generated_at=inputs.generated_at)


def write_monthly_reports(config: Config, registers: Registers, hours_until_m: pd.DataFrame,
                          files: pd.DataFrame, month: str, generated_at: datetime,
                          hours_history: pd.DataFrame | None = None) -> list[Path]:
    """Every monthly workbook for `month`; returns their paths (MO, companies, deposits).

    `hours_until_m` = `ledger.hours(until_month=month)` (current, counted); `files` =
    `ledger.files()`; `hours_history` = `ledger.hours(until_month=month, current_only=False)`,
    for the "Rectificatif" notes (none when omitted)."""
    inputs = MonthlyInputs(config, registers, hours_until_m, month, generated_at)
    markets = fig.reported_markets(registers.markets, hours_until_m, month)
    gaps = fig.corrections(hours_until_m, hours_history, files, month, config.depot.jour_limite)
    folder, paths = config.outbox / month, []
    for _, buyer in registers.buyers.sort_values("code_mo").iterrows():
        own = markets[markets["code_mo"] == buyer["code_mo"]]
        if len(own):
            paths.append(write_buyer_report(
                folder / "maitres-ouvrage" / f"{buyer['code_mo']}.xlsx", buyer=buyer,
                markets=own, inputs=inputs,
                notes=correction_notes(gaps, own["code_marche"], month)))
    names = registers.companies.set_index("siret")["nom"]
    for siret, own in markets.groupby("siret", sort=True):
        paths.append(write_company_report(
            folder / "entreprises" / f"{siret}.xlsx", company_name=str(names.get(siret, siret)),
            markets=own, inputs=inputs, notes=correction_notes(gaps, own["code_marche"], month)))
    paths.append(write_deposit_report(folder / "suivi-depots.xlsx", config=config,
                                      registers=registers, hours=hours_until_m, files=files,
                                      month=month, generated_at=generated_at))
    return paths
