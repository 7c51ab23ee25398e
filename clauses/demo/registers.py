"""The demo workspace's `config.yaml` and register workbook (SPEC §3, §4).

The workbook has the six sheets of `schemas.registers.REGISTER_SHEETS` with the template
labels of `REGISTER_COLUMNS`, as a facilitator keeps it: dates as Excel dates, QPV as
« oui »/« non », SIRETs as text (a number would lose nothing here, but Excel users type them
as text to keep leading zeros).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from clauses.demo.habits import HABITS
from clauses.demo.people import Person
from clauses.demo.planting import Decision
from clauses.demo.territory import BUYERS, Company, Market
from schemas.registers import REGISTER_COLUMNS

TEMPLATE = Path(__file__).parent.parent / "config.yaml"
TERRITORY = "Communauté d'Agglomération du Niortais"
DDETS = "ddets-insertion@deux-sevres.example.org"


def write_config(root: Path) -> Path:
    """The template `config.yaml`, with the demo's territory and a DDETS-PP address (so that
    the annual report has a recipient)."""
    text = TEMPLATE.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^territoire: .*$', f'territoire: "{TERRITORY}"', text, count=1)
    text = re.sub(r"(?m)^(\s+ddets: )\[\]", rf'\g<1>["{DDETS}"]', text, count=1)
    target = root / "config.yaml"
    target.write_text(text, encoding="utf-8")
    return target


def _frame(sheet: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(REGISTER_COLUMNS[sheet]))
    for column in frame.columns:
        if column.startswith("date") or column == "date":
            frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    return frame


def opening_balance(market: Market, coverage_start: date | None) -> dict[str, object]:
    """A marché already under way when the guichet started with Clauses (SPEC §4, issue 15):
    the hours it achieved before (`missions.calibrate_targets`), up to the day before."""
    if coverage_start is None or market.heures_reprise <= 0:
        return {}
    return {"heures_reprise": float(market.heures_reprise),
            "reprise_au": coverage_start - timedelta(days=1)}


def register_frames(structure_sirets: dict[str, str], companies: list[Company],
                    markets: list[Market], people: list[Person],
                    decisions: list[Decision],
                    coverage_start: date | None = None) -> dict[str, pd.DataFrame]:
    """The six sheets with the canonical columns of `schemas.registers`; marchés started before
    `coverage_start` carry their opening balance."""
    return {
        "Structures": _frame("Structures", [
            {"code_structure": h.code, "nom": h.nom, "type": h.type,
             "siret": structure_sirets[h.code],
             "email": f"releves@{h.code.lower()}.example.org"} for h in HABITS]),
        "Maîtres d'ouvrage": _frame("Maîtres d'ouvrage", [
            {"code_mo": b.code_mo, "nom": b.nom, "email": b.email} for b in BUYERS]),
        "Entreprises": _frame("Entreprises", [
            {"siret": c.siret, "nom": c.nom, "email": c.email} for c in companies]),
        "Marchés": _frame("Marchés", [
            {"code_marche": m.code_marche, "intitule": m.intitule, "code_mo": m.code_mo,
             "siret": m.siret, "date_debut": m.date_debut, "date_fin": m.date_fin,
             "heures_objectif": float(m.heures_objectif), **opening_balance(m, coverage_start)}
            for m in sorted(markets, key=lambda m: m.code_marche)]),
        "Participants": _frame("Participants", [
            {"id_participant": p.id_participant, "nom": p.nom, "prenom": p.prenom,
             "date_naissance": p.date_naissance, "sexe": p.sexe, "commune": p.commune,
             "qpv": p.qpv, "niveau_formation": p.niveau_formation, "criteres": p.criteres,
             "prescripteur": p.prescripteur, "date_prescription": p.date_prescription,
             "date_validation": p.date_validation, "code_structure": p.code_structure}
            for p in sorted(people, key=lambda p: p.id_participant)]),
        "Décisions": _frame("Décisions", [
            {"id_participant": d.person.id_participant, "code_marche": d.code_marche,
             "mois": d.mois, "motif": d.motif, "decision": d.decision, "auteur": d.auteur,
             "date": d.date, "commentaire": d.commentaire} for d in decisions]),
    }


def write_registers(path: Path, frames: dict[str, pd.DataFrame], created: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                               "strings_to_urls": False})
    workbook.set_properties({"title": "Référentiel du guichet unique", "created": created})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    day = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for sheet, frame in frames.items():
        labels = REGISTER_COLUMNS[sheet]
        worksheet = workbook.add_worksheet(sheet)
        worksheet.freeze_panes(1, 0)
        for c, column in enumerate(frame.columns):
            worksheet.write_string(0, c, labels[column], header)
            worksheet.set_column(c, c, 28 if column in ("intitule", "nom", "commentaire") else 16)
            for r, value in enumerate(frame[column].tolist(), start=1):
                _write(worksheet, r, c, value, day)
        worksheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
    workbook.close()


def _write(worksheet: Worksheet, row: int, column: int, value: object, day: Format) -> None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return  # an empty cell, as a facilitator leaves an optional value
    if isinstance(value, bool):
        worksheet.write_string(row, column, "oui" if value else "non")
    elif isinstance(value, datetime | date):
        worksheet.write_datetime(row, column, pd.Timestamp(value).to_pydatetime(), day)
    elif isinstance(value, int | float):
        worksheet.write_number(row, column, value)
    else:
        worksheet.write_string(row, column, str(value))
