"""A year of ledger built by hand (2026, plus a little of 2025) for the semester and annual report
tests: frames shaped like `Ledger.hours()` / `Ledger.tracking()` and the registers.

What it holds, so expected figures can be worked out by hand in the tests:

- structures AI1 (AI), ETTI1 (ETTI), EI1 (EI), GEIQ1 (GEIQ, never any hour);
- marchés M1 (MO1, C1, target 1 000), M2 (MO1, C2, 400), M3 (MO2, C1, 600), M4 (MO2, C3, 300,
  in force from September 2026, no hour), M5 (MO2, C3, ended in June 2025);
- P1 started in 2025 (not new), P3 moves from AI1 to ETTI1 in June, P5's February relevé was
  corrected (50 h → 70 h) and one of its lines was rejected, P1's December 2025 was corrected late
  (30 h → 32 h), P6 worked only in 2025 and left in January 2026;
- exits of 2026: one of each kind (P5 emploi durable, P2 emploi de transition, P6 sortie
  positive, P4 autre); P3's exit from AI1 is not one (newer mission with ETTI1), nor P1's 2025 one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from clauses.config import Config
from clauses.ledger import FileRecord, Ledger
from clauses.registers.load import Registers
from clauses.siret import complete_siret

C1, C2, C3 = (complete_siret(f"1234567890{n:03d}") for n in (1, 2, 3))
COMPANY_NAMES = {C1: "Bâtiments du Marais", C2: "Espaces Verts Niortais", C3: "Voirie 79"}
TODAY = datetime(2027, 1, 20).date()
GENERATED_AT = datetime(2027, 1, 20, 7, 0)

HOUR_COLUMNS = [
    "sha256", "code_structure", "feuille", "ligne", "id_participant", "code_marche", "mois",
    "heures", "date_debut_mission", "date_fin_mission", "type_contrat", "entreprise", "poste",
    "statut", "motifs", "en_retard", "recu_le", "actif",
]  # fmt: skip
TEXT = ["sha256", "code_structure", "feuille", "id_participant", "code_marche", "mois",
        "type_contrat", "entreprise", "poste", "statut", "motifs"]


def _ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text) if text else pd.NaT


def registers() -> Registers:
    markets = pd.DataFrame({
        "code_marche": ["M1", "M2", "M3", "M4", "M5"],
        "intitule": ["Rénovation école", "Entretien parcs", "Voirie centre", "Médiathèque",
                     "Gymnase"],
        "code_mo": ["MO1", "MO1", "MO2", "MO2", "MO2"],
        "siret": [C1, C2, C1, C3, C3],
        "date_debut": pd.to_datetime(["2025-06-01", "2026-01-01", "2026-03-01", "2026-09-01",
                                      "2024-01-01"]).astype("datetime64[us]"),
        "date_fin": pd.to_datetime(["2027-06-30", "2026-12-31", "2027-02-28", "2027-12-31",
                                    "2025-06-30"]).astype("datetime64[us]"),
        "heures_objectif": [1000.0, 400.0, 600.0, 300.0, 200.0],
    })
    return Registers(
        structures=pd.DataFrame({
            "code_structure": ["AI1", "ETTI1", "EI1", "GEIQ1"],
            "nom": ["AI Niort Emploi", "Intérim Insertion 79", "Bâti Insertion", "GEIQ BTP"],
            "type": ["AI", "ETTI", "EI", "GEIQ"],
            "siret": [None] * 4, "email": [None] * 4,
        }),
        buyers=pd.DataFrame({"code_mo": ["MO1", "MO2"],
                             "nom": ["Ville de Niort", "CA du Niortais"], "email": [None, None]}),
        companies=pd.DataFrame({"siret": list(COMPANY_NAMES), "nom": list(COMPANY_NAMES.values()),
                                "email": [None] * 3}),
        markets=markets,
        participants=participants(),
        decisions=pd.DataFrame(columns=["id_participant", "code_marche", "mois", "motif",
                                        "decision", "auteur", "date", "commentaire"]),
    )


def participants() -> pd.DataFrame:
    rows = [
        # id, nom, prénom, naissance, sexe, qpv, niveau, critères, prescripteur
        ("P1", "Martin", "Léa", "2002-05-10", "F", True, "infra 3", "JEUNE;QPV", "Mission locale"),
        ("P2", "Bernard", "Paul", "1970-03-15", "M", False, "3", "DELD;SENIOR", "France Travail"),
        ("P3", "Dubois", "Karim", "2000-04-01", "M", True, "4", "RSA", "France Travail"),
        ("P4", "Thomas", "Awa", "1990-01-20", "F", False, "5 et plus", "RQTH;AAH", "Cap emploi"),
        ("P5", "Petit", "Julie", "1985-11-30", "F", False, None, "DELD", None),
        ("P6", "Robert", "Jean", "1960-08-08", "M", True, "infra 3", "ASS", "PLIE"),
        ("P7", "Richard", "Inès", "2001-11-02", "F", True, "3", "JEUNE", "Mission locale"),
    ]
    frame = pd.DataFrame(rows, columns=["id_participant", "nom", "prenom", "date_naissance",
                                        "sexe", "qpv", "niveau_formation", "criteres",
                                        "prescripteur"])
    frame["date_naissance"] = pd.to_datetime(frame["date_naissance"]).astype("datetime64[us]")
    frame["commune"] = "Niort"
    frame["date_prescription"] = pd.Timestamp("2024-01-01")
    frame["date_validation"] = pd.Timestamp("2024-01-10")
    frame["code_structure"] = None
    for column in ("nom", "prenom", "sexe", "niveau_formation", "criteres", "prescripteur",
                   "commune", "code_structure"):
        frame[column] = frame[column].astype("str")
    return frame


# (structure, participant, marché, month, hours, mission start, mission end, contract, status,
#  active): the whole history, as `Ledger.hours(current_only=False, counted_only=False)` holds it.
HISTORY = [
    ("AI1", "P1", "M1", "2025-11", 20, "2025-11-03", "2025-12-31", "CDDI", "acceptée", True),
    ("AI1", "P1", "M1", "2025-12", 30, "2025-11-03", "2025-12-31", "CDDI", "acceptée", False),
    ("AI1", "P1", "M1", "2025-12", 32, "2025-11-03", "2025-12-31", "CDDI", "acceptée", True),
    ("AI1", "P6", "M5", "2025-03", 40, "2025-03-03", "2025-04-30", "CDDI", "acceptée", True),
    ("AI1", "P6", "M5", "2025-04", 40, "2025-03-03", "2025-04-30", "CDDI", "acceptée", True),
    *[("AI1", "P1", "M1", m, 35, "2026-01-05", None, "CDDI", "acceptée", True)
      for m in ("2026-01", "2026-02", "2026-03")],
    *[("AI1", "P5", "M1", m, h, "2026-01-05", "2026-06-30", "CDDI", "acceptée", True)
      for m, h in (("2026-01", 30), ("2026-02", 70), ("2026-03", 30), ("2026-04", 30),
                   ("2026-05", 30), ("2026-06", 30))],
    ("AI1", "P5", "M1", "2026-02", 50, "2026-01-05", "2026-06-30", "CDDI", "acceptée", False),
    ("AI1", "P5", "M2", "2026-03", 25, "2026-01-05", None, "CDDI", "rejetée", True),
    *[("AI1", "P3", "M1", m, 40, "2026-04-01", "2026-05-31", "CDDI", "acceptée", True)
      for m in ("2026-04", "2026-05")],
    *[("ETTI1", "P2", "M2", m, 60, "2026-02-02", "2026-03-31", "mission d'intérim",
       "acceptée", True) for m in ("2026-02", "2026-03")],
    *[("ETTI1", "P2", "M2", m, h, "2026-04-01", "2026-06-30", "mission d'intérim",
       "acceptée avec alerte", True) for m, h in (("2026-04", 60), ("2026-05", 60),
                                                 ("2026-06", 40))],
    *[("ETTI1", "P3", "M3", m, 50, "2026-06-01", None, "mission d'intérim", "acceptée", True)
      for m in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10")],
    *[("EI1", "P4", "M3", f"2026-{n:02d}", 20, "2026-03-02", "2026-12-31", "CDDI", "acceptée",
       True) for n in range(3, 13)],
    *[("EI1", "P7", "M3", m, 15, "2026-11-02", None, "CDDI", "acceptée", True)
      for m in ("2026-11", "2026-12")],
]


def hour_history() -> pd.DataFrame:
    """Every relevé line ever recorded, superseded and rejected ones included."""
    rows = []
    for n, (structure, pid, market, month, hours, start, end, contract, status, active) in (
            enumerate(HISTORY, start=2)):
        rows.append({
            "sha256": f"{structure}-{month}-{'v2' if active else 'v1'}", "code_structure": structure,
            "feuille": "Relevé", "ligne": n, "id_participant": pid, "code_marche": market,
            "mois": month, "heures": float(hours), "date_debut_mission": _ts(start),
            "date_fin_mission": _ts(end), "type_contrat": contract, "entreprise": None,
            "poste": "Ouvrier", "statut": status,
            "motifs": "MISSION_HORS_MOIS" if status == "rejetée" else "",
            "en_retard": False, "recu_le": pd.Timestamp(f"{month}-08"), "actif": active,
        })
    frame = pd.DataFrame(rows, columns=HOUR_COLUMNS)
    for column in TEXT:
        frame[column] = frame[column].astype("str")
    for column in ("date_debut_mission", "date_fin_mission", "recu_le"):
        frame[column] = frame[column].astype("datetime64[us]")
    return frame


def hours() -> pd.DataFrame:
    """What the reports receive: `Ledger.hours(current_only=True, counted_only=True)`."""
    history = hour_history()
    return history[history["actif"] & (history["statut"] != "rejetée")].reset_index(drop=True)


# (structure, table received, participant, marché, mission start, end, exit date, situation,
#  freins, accompagnement)
TRACKING = [
    ("AI1", "2026-12-05", "P1", "M1", "2025-11-03", "2025-12-31", "2025-12-31", "autre",
     "mobilité", None),
    ("AI1", "2026-12-05", "P1", "M1", "2026-01-05", None, None, None, "logement;mobilité",
     "Suivi hebdomadaire"),
    ("AI1", "2026-12-05", "P3", "M1", "2026-04-01", "2026-05-31", "2026-05-31",
     "emploi de transition", "numérique", None),
    ("AI1", "2026-12-05", "P5", "M1", "2026-01-05", "2026-06-30", "2026-06-30",
     "emploi durable", None, None),
    ("AI1", "2026-12-05", "P6", "M5", "2025-03-03", "2025-04-30", "2026-01-15",
     "sortie positive", "santé", None),
    ("ETTI1", "2026-11-05", "P2", "M2", "2026-02-02", "2026-03-31", None, None, None, None),
    ("ETTI1", "2026-11-05", "P2", "M2", "2026-04-01", "2026-06-30", "2026-06-30",
     "emploi de transition", "garde d'enfants", None),
    ("ETTI1", "2026-11-05", "P3", "M3", "2026-06-01", None, None, None, "numérique;mobilité",
     "Permis B en cours"),
    ("EI1", "2027-01-08", "P4", "M3", "2026-03-02", "2026-12-31", "2026-12-31", "autre",
     "santé;langue", None),
    ("EI1", "2027-01-08", "P7", "M3", "2026-11-02", None, None, None, None, None),
]


def tracking() -> pd.DataFrame:
    """What the reports receive: `Ledger.tracking(current_only=True)`."""
    rows = []
    for n, (structure, received, pid, market, start, end, left, situation, barriers,
            support) in enumerate(TRACKING, start=2):
        rows.append({
            "sha256": f"suivi-{structure}", "code_structure": structure, "feuille": "Suivi",
            "ligne": n, "id_participant": pid, "nom": None, "prenom": None,
            "date_naissance": pd.NaT, "code_marche": market, "date_debut_mission": _ts(start),
            "date_fin_mission": _ts(end), "type_contrat": None, "poste": None,
            "date_sortie": _ts(left), "situation_sortie": situation, "freins": barriers,
            "accompagnement": support, "formation": None, "recu_le": _ts(received),
            "actif": True,
        })
    frame = pd.DataFrame(rows)
    for column in ("date_naissance", "date_debut_mission", "date_fin_mission", "date_sortie",
                   "recu_le"):
        frame[column] = frame[column].astype("datetime64[us]")
    for column in ("sha256", "code_structure", "feuille", "id_participant", "nom", "prenom",
                   "code_marche", "type_contrat", "poste", "situation_sortie", "freins",
                   "accompagnement", "formation"):
        frame[column] = frame[column].astype("str")
    return frame


def _file(key: str, structure: str, kind: str, month: str | None, received: datetime) -> FileRecord:
    return FileRecord(
        sha256=hashlib.sha256(key.encode()).hexdigest(), code_structure=structure,
        nom_fichier=f"{key}.xlsx", chemin_archive=f"archive/{key}.xlsx", taille=1000,
        modifie_le=received, recu_le=received, type=kind, mois=month, statut="traité",
        motif=None, message=None, en_retard=False)


def record_year(ledger: Ledger) -> None:
    """Record the same year in a real ledger, file by file: first versions, then the corrected
    relevés (which supersede them, SPEC §7), then each structure's tableau de suivi."""
    history = hour_history()
    for version, active in enumerate((False, True), start=1):
        lines = history[history["actif"] == active]
        for (structure, month), found in lines.groupby(["code_structure", "mois"], sort=True):
            received = datetime.fromisoformat(f"{month}-08") + pd.Timedelta(days=30 * version)
            record = _file(f"{structure}-{month}-v{version}", structure, "relevé d'heures", month,
                           received)
            ledger.record_file(record, hours=found.drop(columns=["sha256", "actif", "recu_le"]))
    suivi = tracking()
    for structure, found in suivi.groupby("code_structure", sort=True):
        received = found["recu_le"].iloc[0].to_pydatetime()
        ledger.record_file(_file(f"suivi-{structure}", structure, "tableau de suivi", None,
                                 received), tracking=found.drop(columns=["sha256", "actif"]))


def config(tmp_path, seuil: int = 0) -> Config:
    """A workspace config rooted in `tmp_path`; secrecy off by default so every figure shows."""
    return Config.model_validate({
        "territoire": "CA du Niortais",
        "rapports": {"seuil_secret_statistique": seuil},
    }).model_copy(update={"root": tmp_path})


# --- reading the written workbooks back (what a person would read) -----------------------------


@dataclass
class ReadTable:
    """One Excel table read back: its headers, data rows (header → value) and total row."""

    headers: list[str]
    rows: list[dict[str, Any]]
    total: dict[str, Any] | None

    def row(self, column: str, value: Any) -> dict[str, Any]:
        found = [r for r in self.rows if r[column] == value]
        assert len(found) == 1, f"{column} = {value!r}: {len(found)} rows"
        return found[0]

    def column(self, name: str) -> list[Any]:
        return [r[name] for r in self.rows]


def read_tables(path: Path, sheet: str) -> list[ReadTable]:
    """Every Excel table of a sheet, top to bottom, with cached values (totals included)."""
    ws = load_workbook(path, data_only=True)[sheet]
    tables = []
    for table in sorted(ws.tables.values(), key=lambda t: range_boundaries(t.ref)[1]):
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        cells = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col,
                                  max_col=max_col, values_only=True))
        headers, body = list(cells[0]), cells[1:]
        total = None
        if table.totalsRowCount:
            total, body = dict(zip(headers, body[-1], strict=True)), body[:-1]
        tables.append(ReadTable(headers, [dict(zip(headers, r, strict=True)) for r in body],
                                total))
    return tables


def read_pairs(path: Path, sheet: str) -> dict[str, Any]:
    """Label → value lines (column A → column B) of a sheet, above its first table."""
    ws = load_workbook(path, data_only=True)[sheet]
    first_table = min((range_boundaries(t.ref)[1] for t in ws.tables.values()), default=10**6)
    return {row[0]: row[1] for row in ws.iter_rows(max_row=first_table - 1, max_col=2,
                                                   values_only=True)
            if isinstance(row[0], str) and row[1] is not None}


def all_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every cell value of every sheet (for determinism checks)."""
    book = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def title_cells(path: Path) -> dict[str, list[Any]]:
    """The title block (first five rows of column A) of every sheet."""
    book = load_workbook(path)
    return {ws.title: [ws.cell(row, 1).value for row in range(1, 6)] for ws in book.worksheets}
