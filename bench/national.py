"""A national network's ledger, built fast for the report benchmarks (not a test).

370 structures × 162 participants (59 940), 1 500 marchés, 120 maîtres d'ouvrage, 600
companies; each structure's relevé every month: 162 lines, one per participant. The lines are
recorded straight into the ledger (`Ledger.record_file`, as the ingest does once a file is
checked), so that a year or three of history takes a minute instead of an hour of ingests.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from clauses.config import Config, load_config
from clauses.ledger import FileRecord, Ledger
from clauses.periods import add_months
from clauses.siret import complete_siret
from clauses.workspace.init import init_workspace
from schemas.registers import REGISTER_COLUMNS

STRUCTURES, PER_STRUCTURE, MARKETS, BUYERS, COMPANIES = 370, 162, 1_500, 120, 600
FIRST_MONTH = "2026-01"


def _sirets(count: int) -> list[str]:
    return [complete_siret(f"{10000000 + i:08d}00001") for i in range(count)]


def write_registers(path: Path) -> None:
    sirets = _sirets(COMPANIES)
    participants = STRUCTURES * PER_STRUCTURE
    frames = {
        "Structures": pd.DataFrame({
            "code_structure": [f"S{i:03d}" for i in range(STRUCTURES)],
            "nom": [f"Structure {i}" for i in range(STRUCTURES)], "type": "AI",
            "siret": None, "email": [f"s{i}@example.org" for i in range(STRUCTURES)]}),
        "Maîtres d'ouvrage": pd.DataFrame({
            "code_mo": [f"MO{i:03d}" for i in range(BUYERS)],
            "nom": [f"Maître d'ouvrage {i}" for i in range(BUYERS)],
            "email": [f"mo{i}@example.org" for i in range(BUYERS)]}),
        "Entreprises": pd.DataFrame({"siret": sirets, "nom": [f"Ent {i}" for i in range(COMPANIES)],
                                     "email": [f"e{i}@example.org" for i in range(COMPANIES)]}),
        "Marchés": pd.DataFrame({
            "code_marche": [f"M{i:04d}" for i in range(MARKETS)],
            "intitule": [f"Marché {i}" for i in range(MARKETS)],
            "code_mo": [f"MO{i % BUYERS:03d}" for i in range(MARKETS)],
            "siret": [sirets[i % COMPANIES] for i in range(MARKETS)],
            "date_debut": datetime(2025, 1, 1), "date_fin": datetime(2029, 12, 31),
            "heures_objectif": 20_000.0, "heures_reprise": None, "reprise_au": None}),
        "Participants": pd.DataFrame({
            "id_participant": [f"P{i:06d}" for i in range(participants)],
            "nom": [f"Nom{i}" for i in range(participants)],
            "prenom": [f"Prénom{i}" for i in range(participants)],
            "date_naissance": [datetime(1960 + i % 45, 1 + i % 12, 1) for i in range(participants)],
            "sexe": ["F", "H"] * (participants // 2), "commune": "Niort",
            "qpv": "non", "niveau_formation": "3", "criteres": "DELD",
            "prescripteur": "France Travail", "date_prescription": datetime(2025, 9, 1),
            "date_validation": datetime(2025, 9, 15),
            "code_structure": [f"S{i // PER_STRUCTURE:03d}" for i in range(participants)]}),
        "Décisions": pd.DataFrame(columns=list(REGISTER_COLUMNS["Décisions"])),
    }
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for sheet, frame in frames.items():
            frame.rename(columns=REGISTER_COLUMNS[sheet]).to_excel(writer, sheet_name=sheet,
                                                                   index=False)


def _lines(structure: int, month: str) -> pd.DataFrame:
    first = structure * PER_STRUCTURE
    people = np.arange(first, first + PER_STRUCTURE)
    start = pd.Timestamp(f"{month}-01")
    statut = np.where(people % 17 == 0, "rejetée",
                      np.where(people % 11 == 0, "acceptée avec alerte", "acceptée"))
    return pd.DataFrame({
        "feuille": "Relevé", "ligne": np.arange(5, 5 + PER_STRUCTURE),
        "id_participant": [f"P{p:06d}" for p in people],
        "code_marche": [f"M{p % MARKETS:04d}" for p in people],
        "mois": month, "heures": (35 + people % 100).astype(float),
        "date_debut_mission": start, "date_fin_mission": start + pd.offsets.MonthEnd(0),
        "type_contrat": "CDDI", "entreprise": None, "poste": "Manœuvre", "statut": statut,
        "motifs": np.where(statut == "rejetée", "TOTAL_INCOHERENT", ""),
        "explications": np.where(statut == "rejetée", "Le total ne correspond pas.", ""),
        "decision": None,
    })


def build(root: Path, months: int) -> Config:
    """A workspace at `root` with `months` months of national history from January 2026."""
    init_workspace(root)
    config = load_config(root / "config.yaml")
    write_registers(config.registers_path)
    with Ledger.from_config(config) as ledger:
        for offset in range(months):
            month = add_months(FIRST_MONTH, offset)
            received = datetime.fromisoformat(add_months(month, 1) + "-08T09:00")
            for structure in range(STRUCTURES):
                code = f"S{structure:03d}"
                sha = hashlib.sha256(f"{code}/{month}".encode()).hexdigest()
                lines = _lines(structure, month)
                ledger.record_file(FileRecord(
                    sha256=sha, code_structure=code, nom_fichier=f"releve-{month}.xlsx",
                    chemin_archive=f"archive/{sha[:2]}/{sha}.xlsx", taille=20_000,
                    modifie_le=received, recu_le=received, type="relevé d'heures", mois=month,
                    statut="traité", motif=None, message=None, en_retard=False,
                    lignes=len(lines), acceptees=int((lines["statut"] == "acceptée").sum()),
                    alertes=int((lines["statut"] == "acceptée avec alerte").sum()),
                    rejetees=int((lines["statut"] == "rejetée").sum())), hours=lines)
    return config
