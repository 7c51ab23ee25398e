"""`build_demo`: a fresh workspace filled with a synthetic but realistic territory (SPEC §11).

Order of the recipe: territory (structures, buyers, companies, marchés) → participants →
missions and monthly hour lines → hours targets → planted cases → registers and config →
the year of drops. One `random.Random(seed)` drives everything, in this fixed order: the same
seed gives the same files, byte for byte.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from clauses.demo.drops import Drop, Year
from clauses.demo.habits import HABITS
from clauses.demo.missions import calibrate_targets, hour_lines, plan_missions
from clauses.demo.people import make_people
from clauses.demo.planted import plant_lines
from clauses.demo.planting import PLANTED_PEOPLE
from clauses.demo.registers import register_frames, write_config, write_registers
from clauses.demo.territory import make_companies, make_markets, make_siret
from clauses.errors import WorkspaceError
from clauses.periods import add_months, month_end, month_start

EXPECTED_COLUMNS = ["structure", "name", "ligne", "code", "description", "feuille", "mois",
                    "statut"]


@dataclass
class DemoPlan:
    months: list[str]  # "YYYY-MM", oldest first
    drops: list[Drop]  # every file of every month, sorted by `at`
    # Planted cases: structure, name, ligne (None for a file-level case), code, description
    # (French), and feuille, mois, statut (the verdict the pipeline should give).
    expected: pd.DataFrame


def build_demo(root: Path, *, seed: int = 2026, participants: int = 600, months: int = 12,
               last_month: str = "2026-10") -> DemoPlan:
    """Write `root/config.yaml`, `root/registers/referentiel.xlsx` and the inbox folders, and
    return the plan of the files the structures will drop (not dropped yet)."""
    if participants < 20 or months < 1:
        raise WorkspaceError("La démonstration demande au moins 20 participants et un mois.")
    _prepare(root)
    rng = random.Random(seed)
    window = [add_months(last_month, i - months + 1) for i in range(months)]
    first, last = month_start(window[0]), month_end(window[-1])
    habits = {h.code: h for h in HABITS}

    structure_sirets = {h.code: make_siret(rng) for h in HABITS}
    companies = make_companies(rng)
    markets = make_markets(rng, companies, window)
    numbers = list(range(1, participants + 1))
    rng.shuffle(numbers)  # planted participants get ordinary-looking numbers
    taken: set[tuple[str, str, date]] = set()
    people = make_people(rng, numbers[PLANTED_PEOPLE:], HABITS, first, last, taken)
    missions = plan_missions(rng, people, markets, habits, window)
    lines = hour_lines(missions, window, habits)
    calibrate_targets(rng, markets, lines, window[-1], window[0])
    planting = plant_lines(rng, window, habits, lines, markets, companies, taken,
                           iter(numbers[:PLANTED_PEOPLE]))

    year = Year(rng, window, lines, missions, {c.siret: c for c in companies}, markets, planting)
    year.build()

    write_config(root)
    frames = register_frames(structure_sirets, companies, markets, people + planting.people,
                             planting.decisions, coverage_start=first)
    write_registers(root / "registers" / "referentiel.xlsx", frames,
                    created=datetime.combine(first, datetime.min.time()))
    for h in HABITS:
        (root / "inbox" / h.code).mkdir(parents=True, exist_ok=True)
    expected = pd.DataFrame(year.expected, columns=EXPECTED_COLUMNS)
    expected["ligne"] = expected["ligne"].astype("Int64")
    return DemoPlan(window, year.drops, expected)


def _prepare(root: Path) -> None:
    if (root / "config.yaml").exists():
        raise WorkspaceError(
            f"{root} contient déjà un espace de travail : la démonstration demande un dossier "
            "neuf (elle ne remplace jamais des données existantes)."
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"Impossible de créer le dossier {root} : {exc.strerror}.") from exc
