"""Machinery to plant the demo's control cases: the planted participants, the ordinary lines a
case is planted on, and what the register and the drops need to know (decisions, wrong totals).
What is planted where is in `planted.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from clauses.demo.habits import Habits
from clauses.demo.missions import POSTES, Line, month_hours
from clauses.demo.people import Person, make_person
from clauses.demo.territory import Company, Market
from clauses.periods import month_end, month_of, month_start

REJECTED = "rejetée"
ALERT = "acceptée avec alerte"
PLANTED_PEOPLE = 7  # register rows reserved for the planted participants

# The structure that re-sends a corrected relevé a few days later (SPEC §7: it replaces).
CORRECTING = "ETTI-NIORT"


def correction_month(months: list[str]) -> str | None:
    return months[len(months) // 2] if len(months) > 1 else None


@dataclass
class Decision:
    """A row of the Décisions register (SPEC §4)."""

    person: Person
    code_marche: str
    mois: str
    motif: str
    decision: str
    auteur: str
    date: date
    commentaire: str


@dataclass
class Planting:
    people: list[Person] = field(default_factory=list)  # register rows of planted participants
    decisions: list[Decision] = field(default_factory=list)
    totals: dict[tuple[str, str], float] = field(default_factory=dict)  # wrong Total lines


class Planter:
    def __init__(self, rng: random.Random, months: list[str], habits: dict[str, Habits],
                 lines: list[Line], markets: list[Market], companies: list[Company],
                 taken: set[tuple[str, str, date]], numbers: Iterator[int]) -> None:
        self.rng, self.months, self.habits, self.lines = rng, months, habits, lines
        self.numbers = numbers  # register numbers left for the planted participants
        self.markets, self.companies, self.taken = markets, companies, taken
        self.result = Planting()
        self.used: set[int] = set()  # lines already planted or copied
        fixed = correction_month(months)
        self.blocked = {(CORRECTING, fixed)} if fixed else set()

    def month(self, index: int, avoid: str | None = None) -> str:
        month = self.months[index % len(self.months)]
        if month in self.blocked_months(avoid) and len(self.months) > 1:
            month = self.months[(index + 1) % len(self.months)]
        return month

    def blocked_months(self, structure: str | None) -> set[str]:
        return {m for s, m in self.blocked if s == structure}

    # --- planted participants ----------------------------------------------------------------

    def person(self, structure: str, start: date, validation: date, prescription: date,
               registered: str | None = None, register: bool = True) -> Person:
        number = next(self.numbers) if register else 0
        person = make_person(self.rng, number, self.habits[structure], start, self.taken)
        person.date_validation, person.date_prescription = validation, prescription
        person.code_structure = registered or structure
        if register:
            self.result.people.append(person)
        return person

    def market_for(self, structure: str, start: date, month: str) -> Market:
        sectors = self.habits[structure].sectors
        fits = [m for m in self.markets
                if month_start(month_of(m.date_debut)) < month_start(month_of(start))
                and m.date_fin >= month_end(month)]
        preferred = [m for m in fits if not sectors or m.sector in sectors]
        return self.rng.choice(preferred or fits)

    def line(self, person: Person, structure: str, month: str, start: date,
             plant: tuple[str, str, str]) -> Line:
        own = self.habits[structure]
        market = self.market_for(structure, start, month)
        hours = month_hours(self.rng.choice(own.hours_base), start, month_end(month), month,
                            own.hours_style == "h")
        line = Line(person, structure, market, market.code_marche, month, start, None,
                    own.contract[0], self.rng.choice(POSTES[market.sector]), hours, plant=plant)
        self.lines.append(line)
        return line

    def day(self, month: str, low: int, high: int) -> date:
        return month_start(month) + timedelta(days=self.rng.randint(low, high))

    # --- ordinary lines gone wrong -----------------------------------------------------------

    def host(self, preferred: str, need: Callable[[Line], bool] = lambda line: True,
             structures: Callable[[Habits], bool] = lambda h: not h.total and h.every == 1,
             month: str | None = None) -> Line:
        """An ordinary line to plant a case on: of `preferred`'s files if it has one that
        fits, else of another structure with the right habits (small demos)."""
        order = [preferred] + [c for c, h in self.habits.items() if c != preferred
                               and structures(h)]
        for code in order:
            fits = [x for x in self.lines if x.structure == code and x.plant is None
                    and id(x) not in self.used and (code, x.file_month) not in self.blocked
                    and need(x)]
            found = [x for x in fits if x.file_month == month] or fits
            if found:
                chosen = self.rng.choice(found)
                self.used.add(id(chosen))
                return chosen
        raise RuntimeError(f"aucune ligne pour planter un cas chez {preferred}")
