"""The year of drops: every file each structure puts in its inbox folder, and when.

Structures send a few days after each month ends (SPEC §1: before the 10th), some late; with
the relevé come the tableau de suivi (monthly, quarterly) and pièces justificatives. The
file-level cases of SPEC §6 and the correction a structure re-sends are laid out here too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from clauses.demo.dates import quarter
from clauses.demo.files import Sheet, csv_bytes, ods_bytes, truncated, xlsx_bytes
from clauses.demo.habits import HABITS, UNKNOWN_STRUCTURE, Habits
from clauses.demo.missions import Line, Mission
from clauses.demo.people import make_person
from clauses.demo.pieces import pieces_for
from clauses.demo.planted import FILE_CASES
from clauses.demo.planting import CORRECTING, Planting, correction_month
from clauses.demo.submissions import Layout, releve_layout, suivi_sheet
from clauses.demo.territory import Company, Market
from clauses.periods import add_months, month_end, month_label, month_start

SUFFIX = {"xlsx": ".xlsx", "xlsm": ".xlsm", "csv;": ".csv", "csv,": ".csv", "ods": ".ods"}


@dataclass
class Drop:
    """One file a structure drops into the inbox."""

    at: datetime  # when it is dropped (the file's mtime is set to it)
    structure: str  # folder under inbox/ (an unknown one for STRUCTURE_INCONNUE)
    name: str  # file name, possibly with a sub-folder
    content: bytes


def encode(habits: Habits, sheets: list[Sheet], at: datetime, *, tracking: bool = False) -> bytes:
    if habits.fmt == "csv;":
        return csv_bytes(sheets[-1], delimiter=";", encoding="cp1252")
    if habits.fmt == "csv,":
        return csv_bytes(sheets[-1], delimiter=",", encoding="utf-8-sig")
    if habits.fmt == "ods":
        return ods_bytes(sheets)
    # The .xlsm is the structure's relevé template; its other files are plain workbooks.
    return xlsx_bytes(sheets, created=at, macro=habits.fmt == "xlsm" and not tracking)


def _name(template: str, months: list[str], suffix: str) -> str:
    last = months[-1]
    names = "-".join(month_label(m).split()[0] for m in months)
    return template.format(yyyy=last[:4], mm=last[5:7], mois=names, Mois=names.capitalize(),
                           q=quarter(last)) + suffix


def _when(rng: random.Random, habits: Habits, month: str) -> datetime:
    after = month_start(add_months(month, 1))
    day = rng.randint(12, 20) if rng.random() < habits.late else rng.randint(*habits.days)
    return datetime(after.year, after.month, day, rng.randint(8, 17), rng.randint(0, 59))


class Year:
    """Lays out the drops of every structure and collects the expected verdicts."""

    def __init__(self, rng: random.Random, months: list[str], lines: list[Line],
                 missions: list[Mission], companies: dict[str, Company], markets: list[Market],
                 planting: Planting) -> None:
        self.rng, self.months, self.lines, self.missions = rng, months, lines, missions
        self.companies, self.markets, self.planting = companies, markets, planting
        self.drops: list[Drop] = []
        self.expected: list[dict[str, object]] = []
        self.cases = {code: (structure, self.case_month(structure, index), text)
                      for code, (structure, index, text) in FILE_CASES.items()}

    def case_month(self, structure: str, index: int) -> str:
        """The month a file-level case is planted in: its own, or the next one in which the
        structure has lines (a quarantined or re-sent file is a real relevé, not an empty one)."""
        months = self.months[index % len(self.months):] + self.months[:index % len(self.months)]
        busy = {x.file_month for x in self.lines if x.structure == structure}
        return next((m for m in months if m in busy), months[0])

    def case(self, code: str, structure: str, month: str) -> str | None:
        where, when, text = self.cases[code]
        return text if (where, when) == (structure, month) else None

    def file_case(self, code: str, drop: Drop, month: str, text: str) -> None:
        self.drops.append(drop)
        self.expected.append({"structure": drop.structure, "name": drop.name, "ligne": None,
                              "code": code, "description": text, "feuille": None,
                              "mois": month, "statut": "déjà reçu" if code == "FICHIER_DEJA_RECU"
                              else "quarantaine"})

    def build(self) -> None:
        for habits in HABITS:
            lines = [x for x in self.lines if x.structure == habits.code]
            missions = [m for m in self.missions if m.person.structure == habits.code]
            for start in range(0, len(self.months), habits.every):
                group = self.months[start:start + habits.every]
                self.send(habits, group, [x for x in lines if x.file_month in group], missions)
        self.unknown_structure()
        self.drops.sort(key=lambda d: (d.at, d.structure, d.name))

    def send(self, habits: Habits, group: list[str], lines: list[Line],
             missions: list[Mission]) -> None:
        month, code = group[-1], habits.code
        at = _when(self.rng, habits, month)
        suffix = SUFFIX[habits.fmt]
        name = _name(habits.releve_name, group, suffix)
        cases = {c: self.case(c, code, month) for c in self.cases}
        if lines or any(cases.values()):
            delta = self.planting.totals.get((code, month), 0.0)
            layout = releve_layout(habits, group, lines, self.companies, self.rng,
                                   total_delta=delta)
            content = encode(habits, layout.sheets, at)
            if text := cases["FICHIER_ILLISIBLE"]:
                self.file_case("FICHIER_ILLISIBLE", Drop(at, code, name, truncated(content)),
                               month, text)
                at, name = at + timedelta(days=1), name.replace(suffix, " - renvoi" + suffix)
            self.drops.append(Drop(at, code, name, content))
            self.document(code, name, lines, layout, delta)
            self.other_cases(habits, group, lines, at, name, content, cases)
        if habits.tracking != "quarterly" or int(month[5:7]) % 3 == 0:
            as_of = month_end(month)
            sheet = suivi_sheet(habits, as_of, missions, self.rng, month_start(self.months[0]))
            if len(sheet.rows) > 4:
                suivi = _name(habits.suivi_name, group, ".xlsx" if habits.fmt == "xlsm"
                              else suffix)
                self.drops.append(Drop(at + timedelta(minutes=2), code, suivi,
                                       encode(habits, [sheet], at, tracking=True)))
        taken = {d.name for d in self.drops if d.structure == code}
        for index, (piece, content) in enumerate(pieces_for(habits, month, missions,
                                                            self.companies)):
            if piece in taken:
                continue
            taken.add(piece)
            self.drops.append(Drop(at + timedelta(minutes=3 + index), code, piece, content))

    def document(self, code: str, name: str, lines: list[Line], layout: Layout,
                 delta: float) -> None:
        """Rows of `expected` for the planted lines of a file, at the row they landed on
        (`feuille` is None for a CSV, which has no sheet)."""
        csv = name.endswith(".csv")
        for line in lines:
            if line.plant:
                sheet, row = layout.rows[id(line)]
                self.expected.append({"structure": code, "name": name, "ligne": row,
                                      "code": line.plant[0], "description": line.plant[1],
                                      "feuille": None if csv else sheet, "mois": line.month,
                                      "statut": line.plant[2]})
        if delta:
            sheet = layout.sheets[-1].name
            declared = round(sum(x.hours for x in lines) + delta, 2)
            # A fact about the file (issue 15): one alert on the file, the lines keep theirs.
            self.expected.append({
                "structure": code, "name": name, "ligne": None,
                "code": "TOTAL_INCOHERENT", "feuille": None,
                "mois": lines[0].month,
                "description": f"La ligne Total indique {_french(declared)} h pour "
                f"{_french(declared - delta)} h de lignes : une alerte sur le fichier, les "
                "lignes gardent leur statut.",
                "statut": "traité"})

    def other_cases(self, habits: Habits, group: list[str], lines: list[Line], at: datetime,
                    name: str, content: bytes, cases: dict[str, str | None]) -> None:
        code, month = habits.code, group[-1]
        suffix = SUFFIX[habits.fmt]
        stem = name[: -len(suffix)]
        if text := cases["FICHIER_DEJA_RECU"]:
            self.file_case("FICHIER_DEJA_RECU", Drop(at + timedelta(days=2), code,
                                                     f"{stem} (2){suffix}", content), month, text)
        if text := cases["COLONNES_MANQUANTES"]:
            layout = releve_layout(habits, group, lines, self.companies, self.rng,
                                   without=("heures",))
            self.file_case("COLONNES_MANQUANTES", Drop(
                at - timedelta(days=1), code, f"{stem}_provisoire{suffix}",
                encode(habits, layout.sheets, at)), month, text)
        if text := cases["PERIODE_INCONNUE"]:
            layout = releve_layout(habits, group, lines, self.companies, self.rng, no_month=True)
            self.file_case("PERIODE_INCONNUE", Drop(at - timedelta(days=1), code,
                                                    f"heures{suffix}",
                                                    encode(habits, layout.sheets, at)), month, text)
        if text := cases["TYPE_INCONNU"]:
            self.file_case("TYPE_INCONNU", Drop(
                at + timedelta(minutes=30), code, f"DOTATION EPI {month[5:7]}-{month[:4]}{suffix}",
                encode(habits, [_equipment_sheet(self.rng)], at)), month, text)
        if code == CORRECTING and month == correction_month(self.months) and lines:
            self.correction(habits, group, lines, at, stem + "_corrigé" + suffix)

    def correction(self, habits: Habits, group: list[str], lines: list[Line], at: datetime,
                   name: str) -> None:
        """The same relevé re-sent four days later with a few hours put right (SPEC §7)."""
        corrected = [replace(x, cells=dict(x.cells), plant=None) for x in lines]
        for line in self.rng.sample(corrected, min(3, len(corrected))):
            line.hours = max(35.0, line.hours + self.rng.choice((-14.0, -7.0, 7.0, 10.5)))
        layout = releve_layout(habits, group, corrected, self.companies, self.rng)
        when = datetime.combine(at.date() + timedelta(days=4), at.time())
        self.drops.append(Drop(when, habits.code, name, encode(habits, layout.sheets, when)))

    def unknown_structure(self) -> None:
        """A chantier d'insertion not yet in the register sends its relevé all the same."""
        _, month, text = self.cases["STRUCTURE_INCONNUE"]
        model = next(h for h in HABITS if h.code == "AI-MARAIS")
        habits = replace(model, code=UNKNOWN_STRUCTURE, nom="Chantier d'insertion Sèvre et Marais",
                         type="ACI", fmt="xlsx", titles=("Relevé d'heures – {nom}", ""))
        start = month_start(month) + timedelta(days=2)
        market = next((m for m in self.markets if m.date_debut < start <= m.date_fin),
                      self.markets[-1])
        strangers = [make_person(self.rng, 0, habits, start, set()) for _ in range(4)]
        lines = [Line(p, habits.code, market, market.code_marche, month, start, None, "CDDI",
                      "Ouvrier polyvalent", 70.0) for p in strangers]
        at = datetime.combine(month_start(add_months(month, 1)) + timedelta(days=6),
                              datetime.min.time()) + timedelta(hours=10)
        layout = releve_layout(habits, [month], lines, self.companies, self.rng)
        self.file_case("STRUCTURE_INCONNUE", Drop(
            at, habits.code, f"releve_heures_{month}.xlsx", encode(habits, layout.sheets, at)),
            month, text)


def _equipment_sheet(rng: random.Random) -> Sheet:
    items = (("Casque de chantier", "Unique"), ("Chaussures de sécurité S3", "42"),
             ("Gilet haute visibilité", "L"), ("Gants de manutention", "9"),
             ("Lunettes de protection", "Unique"), ("Bouchons d'oreilles", "Unique"))
    rows: list[list[object]] = [["DOTATION EN ÉQUIPEMENTS DE PROTECTION INDIVIDUELLE"], [],
                                ["Article", "Désignation", "Taille", "Quantité",
                                 "Prix unitaire HT"]]
    for number, (label, size) in enumerate(items, start=1):
        rows.append([f"EPI-{number:03d}", label, size, rng.randint(2, 20),
                     round(rng.uniform(2, 60), 2)])
    return Sheet("EPI", rows, bold={0, 2})


def _french(hours: float) -> str:
    return f"{hours:.2f}".rstrip("0").rstrip(".").replace(".", ",")
