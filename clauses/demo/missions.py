"""Missions of the demo participants on the marchés, and the monthly hour lines they give.

Each participant's path is one to three missions in a row (sometimes two marchés at once),
placed by their structure on marchés of its sectors; a mission gives one relevé line per month
it overlaps. Hours targets are set afterwards from the hours worked, so that at the last month
each marché shows the realisation rate its `pace` says (some on track, some behind).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from clauses.demo.habits import Habits
from clauses.demo.people import Person
from clauses.demo.territory import Market
from clauses.periods import add_months, month_end, month_of, month_start

POSTES: dict[str, tuple[str, ...]] = {
    "gros_oeuvre": ("Manœuvre", "Aide-maçon", "Coffreur boiseur", "Ouvrier polyvalent du bâtiment"),
    "second_oeuvre": ("Aide-plaquiste", "Peintre en bâtiment", "Aide-électricien",
                      "Aide-menuisier", "Manœuvre second œuvre"),
    "tp": ("Manœuvre TP", "Ouvrier VRD", "Aide-canalisateur", "Agent de voirie"),
    "espaces_verts": ("Agent d'entretien des espaces verts", "Ouvrier paysagiste",
                      "Élagueur (aide)"),
    "proprete": ("Agent de propreté", "Agent de nettoyage", "Laveur de vitres"),
    "dechets": ("Ripeur", "Agent de déchèterie", "Agent de tri"),
}
FULL_TIME = 151.67  # 35 h × 52 / 12


@dataclass
class Mission:
    person: Person
    market: Market
    start: date
    end: date  # last day worked (may be after the window: the mission goes on)
    contract: str
    poste: str
    monthly_hours: float


@dataclass
class Line:
    """One relevé line before it is written: a participant's hours on a marché for a month."""

    person: Person  # a stranger to the register for PARTICIPANT_INCONNU and the unknown folder
    structure: str
    market: Market  # the marché meant (its code may be mistyped: `code_marche`)
    code_marche: str
    month: str
    start: date
    end: date | None
    contract: str
    poste: str
    hours: float
    file_month: str = ""  # the month of the file it is sent in (default: its own month)
    cells: dict[str, object] = field(default_factory=dict)  # raw cells written instead
    plant: tuple[str, str, str] | None = None  # (code, French description, expected status)
    at_end: bool = False  # written after the sorted lines (a line added at the bottom)

    def __post_init__(self) -> None:
        self.file_month = self.file_month or self.month


HOURS_PER_PERSON = 330.0  # hours a participant works on clauses in a year, on average


def _eligible(markets: list[Market], habits: Habits, start: date,
              room: dict[str, float]) -> list[tuple[Market, float]]:
    """Marchés a mission starting on `start` can go to: begun in an earlier month (so the month
    is inside the marché's dates) and lasting at least three more weeks; weighted by the hours
    they can still take that month and by the structure's sectors."""
    found = []
    for market in markets:
        if month_start(month_of(market.date_debut)) < month_start(month_of(start)) and \
                market.date_fin >= start + timedelta(days=21):
            preferred = not habits.sectors or market.sector in habits.sectors
            found.append((market, room[market.code_marche] * (5.0 if preferred else 0.4)))
    return found


def _capacity(markets: list[Market], people: int, months: list[str]) -> dict[str, float]:
    """Monthly hours each marché can take: its size, scaled so that the window's capacity
    matches what the participants work (big marchés get many people, small lots a few)."""
    active = {m.code_marche: sum(1 for month in months if m.date_debut <= month_end(month)
                                 and m.date_fin >= month_start(month)) for m in markets}
    total = sum(m.weight * active[m.code_marche] for m in markets) or 1.0
    scale = people * HOURS_PER_PERSON / total
    return {m.code_marche: m.weight * scale for m in markets}


def month_hours(base: float, start: date, end: date, month: str, half_hours: bool) -> float:
    first, last = max(start, month_start(month)), min(end, month_end(month))
    days = (month_end(month) - month_start(month)).days + 1
    worked = (last - first).days + 1
    hours = base if worked == days else max(min(base, 35.0), base * worked / days)
    return round(hours * 2) / 2 if half_hours else round(hours, 2)


def plan_missions(rng: random.Random, people: list[Person], markets: list[Market],
                  habits: dict[str, Habits], months: list[str]) -> list[Mission]:
    last_day = month_end(months[-1])
    capacity = _capacity(markets, len(people), months)
    load: dict[tuple[str, str], float] = {}  # hours placed per marché and month

    def room(month: str) -> dict[str, float]:
        return {code: max(hours - load.get((code, month), 0.0), 0.05 * hours)
                for code, hours in capacity.items()}

    def place(mission: Mission) -> None:
        missions.append(mission)
        month = month_of(mission.start)
        while month_start(month) <= mission.end:
            key = (mission.market.code_marche, month)
            load[key] = load.get(key, 0.0) + mission.monthly_hours
            month = add_months(month, 1)

    missions: list[Mission] = []
    for person in people:
        own = habits[person.structure]
        start = person.path_start
        used: set[str] = set()  # never twice the same marché: one line per marché and month
        for _ in range(rng.choices((1, 2, 3), (55, 30, 15))[0]):
            if start > last_day:
                break
            choices = [(m, w) for m, w in _eligible(markets, own, start, room(month_of(start)))
                       if m.code_marche not in used]
            if not choices:
                break
            market = rng.choices([m for m, _ in choices], [w for _, w in choices])[0]
            months_long = rng.choices(range(1, 9), (25, 25, 18, 12, 8, 6, 4, 2))[0]
            end = min(start + timedelta(days=30 * months_long + rng.randint(-10, 10)),
                      market.date_fin)
            base = rng.choice(own.hours_base)
            twin = rng.random() < 0.1 and len(choices) > 1
            hours = max(35.0, round(base / 2, 2)) if twin else base
            contract = rng.choice(own.contract)
            if contract == "apprentissage" and (start - person.date_naissance).days > 30 * 365:
                contract = "contrat de professionnalisation"  # apprenticeship ends at 29
            place(Mission(person, market, start, end, contract,
                          rng.choice(POSTES[market.sector]), hours))
            if twin:  # a second marché at the same time, the hours split between both
                other = rng.choice([m for m, _ in choices if m is not market])
                place(Mission(person, other, start, min(end, other.date_fin),
                              contract, rng.choice(POSTES[other.sector]), hours))
            used.update(m.market.code_marche for m in missions[-2:] if m.person is person)
            start = end + timedelta(days=rng.randint(1, 40))
    return missions


def hour_lines(missions: list[Mission], months: list[str],
               habits: dict[str, Habits]) -> list[Line]:
    lines = []
    for mission in missions:
        own = habits[mission.person.structure]
        for month in months:
            if mission.start <= month_end(month) and mission.end >= month_start(month):
                lines.append(Line(
                    mission.person, own.code, mission.market, mission.market.code_marche, month,
                    mission.start, mission.end, mission.contract, mission.poste,
                    month_hours(mission.monthly_hours, mission.start, mission.end, month,
                           own.hours_style == "h"),
                ))
    return lines


def _before_coverage(market: Market, hours: float, first_month: str | None, now: date) -> float:
    """Hours at the window's daily rate over the days before `first_month`, rounded to 10 h."""
    if first_month is None:
        return 0.0
    start = month_start(first_month)
    if not market.date_debut < start <= market.date_fin:
        return 0.0
    seen = (min(now, market.date_fin) - start).days + 1
    return float(round(hours * (start - market.date_debut).days / seen / 10) * 10)


def calibrate_targets(rng: random.Random, markets: list[Market], lines: list[Line],
                      last_month: str, first_month: str | None = None) -> None:
    """Target = hours worked ÷ (pace × share of the marché's duration elapsed), rounded as
    buyers write them; a marché with no line yet gets a plain target (0 % realised). A marché
    already under way in `first_month` (the guichet's first month with Clauses) worked at the
    same rate before it: those hours are its opening balance (`heures_reprise`, SPEC §4)."""
    worked: dict[str, float] = {}
    for line in lines:
        worked[line.code_marche] = worked.get(line.code_marche, 0.0) + line.hours
    now = month_end(last_month)
    for market in markets:
        total = (market.date_fin - market.date_debut).days + 1
        elapsed = (min(now, market.date_fin) - market.date_debut).days + 1
        hours = worked.get(market.code_marche, 0.0)
        if hours <= 0 or elapsed <= 0:
            market.heures_objectif = float(rng.choice((350, 500, 700, 840, 1200, 1500)))
            continue
        market.heures_reprise = _before_coverage(market, hours, first_month, now)
        target = (hours + market.heures_reprise) / (market.pace * elapsed / total)
        step = 50 if target < 2000 else 100
        market.heures_objectif = float(max(step, round(target / step) * step))
