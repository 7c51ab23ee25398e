"""Relevés d'heures and tableaux de suivi laid out the way each structure writes them.

A relevé is a list of sheets of cells; where each line lands (sheet, row as Excel numbers it)
is returned too, so that the planted cases can be documented with their row (SPEC §6 reports
point to rows the same way).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from clauses.demo.dates import fold, short_month
from clauses.demo.files import Sheet, Styled
from clauses.demo.habits import TRACKING_COLUMNS, Habits
from clauses.demo.missions import Line, Mission
from clauses.demo.people import Person, written_name
from clauses.demo.territory import Company
from clauses.periods import month_label, month_start

NBSP = "\u00a0"
NOTICE = (
    "Mode d'emploi du relevé d'heures",
    "Une ligne par salarié, par marché et par mois.",
    "Indiquer les heures réellement travaillées sur le chantier ou le site du marché.",
    "Envoyer le relevé au guichet unique avant le 10 du mois suivant.",
    "Ne pas modifier les intitulés de colonnes.",
)


@dataclass
class Layout:
    """Where the lines of a rendered relevé landed."""

    sheets: list[Sheet]
    rows: dict[int, tuple[str, int]] = field(default_factory=dict)  # id(line) → (sheet, row)
    first_rows: dict[str, int] = field(default_factory=dict)  # sheet → row of its first line


def _date(day: date, style: str, rng: random.Random) -> object:
    if style == "mixed":
        style = rng.choice(("excel", "dmy"))
    return {
        "excel": day,
        "dmy": f"{day:%d/%m/%Y}",
        "short": f"{day.day}/{day.month}/{day:%y}",
        "iso": f"{day:%Y-%m-%d}",
        "dotted": f"{day:%d.%m.%Y}",
    }[style]


def month_cell(month: str, style: str) -> object:
    return {
        "iso": month,
        "slash": f"{month[5:7]}/{month[:4]}",
        "long": month_label(month),
        "short": short_month(month),
        "date": Styled(month_start(month), "mmm-yy"),
        "first": f"{month_start(month):%d/%m/%Y}",
    }[style]


def hours_cell(hours: float, style: str, rng: random.Random) -> object:
    whole = float(hours).is_integer()
    comma = f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    if style == "comma":
        return comma
    if style == "h":
        if whole:
            return f"{int(hours)} h"
        minutes = round((hours % 1) * 60)
        return f"{int(hours)}h{minutes:02d}"
    if style == "spaces":
        draw = rng.random()
        if draw < 0.15:
            return f" {comma} "
        if draw < 0.3:
            return f"{comma}{NBSP}"
    return int(hours) if whole else hours


def _contract(text: str) -> str:
    return text[0].upper() + text[1:]


def _cells(line: Line, habits: Habits, companies: dict[str, Company],
           rng: random.Random) -> dict[str, object]:
    person = line.person
    company = companies.get(line.market.siret)
    cells: dict[str, object] = {
        "id_participant": person.id_participant,
        "nom": written_name(person.nom, habits.names, rng),
        "prenom": written_name(person.prenom, habits.names, rng),
        "date_naissance": _date(person.date_naissance, habits.date_style, rng),
        "code_marche": line.code_marche,
        "entreprise": (company.siret if habits.company_as == "siret" else company.nom)
        if company else None,
        "date_debut_mission": _date(line.start, habits.date_style, rng),
        "date_fin_mission": _date(line.end, habits.date_style, rng) if line.end else None,
        "type_contrat": _contract(line.contract),
        "poste": line.poste,
        "heures": hours_cell(line.hours, habits.hours_style, rng),
        "mois": month_cell(line.month, habits.month_style),
    }
    cells.update(line.cells)
    return cells


def _sort_key(line: Line) -> tuple[str, str, str]:
    # Structures list their people alphabetically.
    return fold(line.person.nom), fold(line.person.prenom), line.code_marche


def releve_layout(habits: Habits, months: list[str], lines: list[Line],
                  companies: dict[str, Company], rng: random.Random, *,
                  total_delta: float = 0.0, without: tuple[str, ...] = (),
                  no_month: bool = False) -> Layout:
    """The relevé of `habits`' structure for `months` (one sheet per month when several).

    `without` drops columns (COLONNES_MANQUANTES); `no_month` removes every mention of the
    month (PERIODE_INCONNUE); `total_delta` makes the Total line wrong (TOTAL_INCOHERENT).
    """
    layout = Layout([])
    if habits.notice:
        layout.sheets.append(Sheet("Notice", [[text] for text in NOTICE], bold={0},
                                   widths={0: 80}))
    headers = {k: v for k, v in habits.headers.items()
               if k not in without and not (no_month and k == "mois")}
    margin: list[object] = [None] * habits.left_margin
    for month in months:
        own = sorted((x for x in lines if x.month == month or len(months) == 1), key=_sort_key)
        own = [x for x in own if not x.at_end] + [x for x in own if x.at_end]
        rows: list[list[object]] = []
        for title in habits.titles:
            if no_month and ("{periode}" in title or "{slash}" in title):
                continue
            text = title.format(nom=habits.nom, periode=month_label(month),
                                slash=month_cell(month, "slash"))
            rows.append(margin + [text] if text else [])
        name = month_label(month).capitalize() if habits.month_in == "sheet" else "Relevé"
        if no_month:
            name = "Feuil1"
        bold = set(range(len(rows) + 1))
        layout.first_rows[name] = len(rows) + 2  # Excel row under the header
        rows.append(margin + list(headers.values()))
        for line in own:
            cells = _cells(line, habits, companies, rng)
            layout.rows[id(line)] = (name, len(rows) + 1)
            rows.append(margin + [cells.get(key) for key in headers])
        keys = list(headers)
        if habits.total and own and "heures" in keys:
            total: list[object] = [None] * len(keys)
            total[0] = "Total"
            total[keys.index("heures")] = round(sum(x.hours for x in own) + total_delta, 2)
            rows.append(margin + total)
            bold.add(len(rows) - 1)
        widths = {habits.left_margin + i: max(12.0, len(label) + 2.0)
                  for i, label in enumerate(headers.values())}
        layout.sheets.append(Sheet(name, rows, bold=bold, widths=widths))
    return layout


def _tracking_headers(habits: Habits) -> dict[str, str]:
    identity = {k: v for k, v in habits.headers.items()
                if k in ("id_participant", "nom", "prenom", "date_naissance")}
    headers = {**identity, "code_marche": habits.headers["code_marche"], **TRACKING_COLUMNS}
    if habits.uppercase_tracking:
        headers = {k: fold(v).upper() for k, v in headers.items()}
    return headers


def suivi_sheet(habits: Habits, as_of: date, missions: list[Mission], rng: random.Random,
                window_start: date) -> Sheet:
    """The tableau de suivi as of `as_of`: every mission of the structure since the start of
    the window, with the exit of each finished path (SPEC §5.2)."""
    shown = [m for m in missions if m.start <= as_of and m.end >= window_start]
    last_end: dict[str, date] = {}
    for mission in missions:
        key = mission.person.id_participant
        last_end[key] = max(last_end.get(key, mission.end), mission.end)
    headers = _tracking_headers(habits)
    rows: list[list[object]] = [[f"Tableau de suivi – {habits.nom}"],
                                [f"Situation au {as_of:%d/%m/%Y}"], []]
    rows.append(list(headers.values()))
    separator = ", " if habits.fmt.startswith("csv") else "; "
    for mission in sorted(shown, key=lambda m: (fold(m.person.nom), fold(m.person.prenom),
                                                 m.start)):
        person: Person = mission.person
        ended = mission.end <= as_of
        left = ended and last_end[person.id_participant] == mission.end
        cells = {
            "id_participant": person.id_participant,
            "nom": written_name(person.nom, habits.names, rng),
            "prenom": written_name(person.prenom, habits.names, rng),
            "date_naissance": _date(person.date_naissance, habits.date_style, rng),
            "code_marche": mission.market.code_marche,
            "date_debut_mission": _date(mission.start, habits.date_style, rng),
            "type_contrat": _contract(mission.contract),
            "date_fin_mission": _date(mission.end, habits.date_style, rng) if ended else None,
            "poste": mission.poste,
            "date_sortie": _date(mission.end, habits.date_style, rng) if left else None,
            "situation_sortie": _contract(person.sortie) if left else None,
            "freins": separator.join(f.capitalize() for f in person.freins) or None,
            "accompagnement": person.accompagnement,
            "formation": person.formation or None,
        }
        rows.append([cells.get(key) for key in headers])
    widths = {i: max(12.0, len(label) + 2.0) for i, label in enumerate(headers.values())}
    return Sheet("Suivi", rows, bold={0, 3}, widths=widths)
