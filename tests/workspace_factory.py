"""A small real workspace for end-to-end tests: registers on disk, files dropped in the inbox."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml

from clauses.clock import in_zone
from clauses.config import Config, load_config
from clauses.siret import complete_siret
from clauses.workspace import inbox
from clauses.workspace.init import init_workspace
from schemas.registers import REGISTER_COLUMNS

SIRET_A = complete_siret("7328293200007")
SIRET_B = complete_siret("4400000000001")
DROPPED_AT = datetime(2026, 11, 8, 9, 30)


def set_file_time(path: Path, at: datetime) -> None:
    """The file's mtime, `at` being the workspace's wall-clock time (Europe/Paris)."""
    stamp = in_zone(at, "Europe/Paris").timestamp()
    os.utime(path, (stamp, stamp))


@contextmanager
def arrived_when_written(at: datetime | None = None, *,
                         per_file: dict[str, datetime] | None = None) -> Iterator[None]:
    """Stand in for the inbox's file system, which a test cannot set back: a file's inode change
    time is `per_file[its name]` or `at` (the workspace's wall-clock times), or else its mtime,
    as if it had been dropped then. The production path reads `st_ctime` (workspace/inbox.py)."""

    def changed(path: Path, stat: os.stat_result) -> float:
        when = (per_file or {}).get(path.name, at)
        return stat.st_mtime if when is None else in_zone(when, "Europe/Paris").timestamp()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inbox, "inode_change_time", changed)
        yield


def register_frames() -> dict[str, pd.DataFrame]:
    return {
        "Structures": pd.DataFrame({
            "code_structure": ["AI-NIORT", "ETTI-SUD"],
            "nom": ["AI Niort Insertion", "ETTI Sud Deux-Sèvres"], "type": ["AI", "ETTI"],
            "siret": [None, None], "email": ["ai@example.org", "etti@example.org"]}),
        "Maîtres d'ouvrage": pd.DataFrame({
            "code_mo": ["CAN"], "nom": ["Communauté d'Agglomération du Niortais"],
            "email": ["mo@example.org"]}),
        "Entreprises": pd.DataFrame({
            "siret": [SIRET_A, SIRET_B], "nom": ["Bâtiments du Marais", "Verts Espaces"],
            "email": ["a@example.org", "b@example.org"]}),
        "Marchés": pd.DataFrame({
            "code_marche": ["M-001", "M-002"],
            "intitule": ["Réhabilitation de 48 logements – lot 3", "Espaces verts – secteur nord"],
            "code_mo": ["CAN", "CAN"], "siret": [SIRET_A, SIRET_B],
            "date_debut": [datetime(2025, 1, 1), datetime(2026, 3, 1)],
            "date_fin": [datetime(2027, 6, 30), datetime(2026, 12, 31)],
            "heures_objectif": [2000.0, 800.0]}),
        "Participants": pd.DataFrame({
            "id_participant": ["P001", "P002", "P003"],
            "nom": ["Martin", "Le Goff", "N'Diaye"],
            "prenom": ["Éloïse", "Jean-Baptiste", "Awa"],
            "date_naissance": [datetime(1990, 5, 4), datetime(1968, 2, 1), datetime(2003, 9, 9)],
            "sexe": ["F", "M", "F"], "commune": ["Niort", "Chauray", "Niort"],
            "qpv": ["oui", "non", "oui"], "niveau_formation": ["3", "infra 3", "4"],
            "criteres": ["RSA", "DELD;SENIOR", "JEUNE;QPV"],
            "prescripteur": ["France Travail", "Cap Emploi", "Mission Locale"],
            "date_prescription": [datetime(2026, 1, 5)] * 3,
            "date_validation": [datetime(2026, 1, 20), datetime(2026, 1, 20), datetime(2026, 10, 15)],
            "code_structure": ["AI-NIORT", "AI-NIORT", "ETTI-SUD"]}),
        "Décisions": pd.DataFrame(columns=list(REGISTER_COLUMNS["Décisions"])),
    }


def write_registers(path: Path, frames: dict[str, pd.DataFrame] | None = None) -> None:
    frames = frames or register_frames()
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        datetime_format="dd/mm/yyyy", date_format="dd/mm/yyyy") as writer:
        for sheet, frame in frames.items():
            frame.rename(columns=REGISTER_COLUMNS[sheet]).to_excel(writer, sheet_name=sheet,
                                                                   index=False)


def make_workspace(root: Path) -> Config:
    init_workspace(root)
    (root / "registers" / "referentiel.xlsx").unlink()
    write_registers(root / "registers" / "referentiel.xlsx")
    return load_config(root / "config.yaml")


STATEMENT_ROWS = [
    # Identifiant, Code marché, Début de mission, Fin, Heures, Type de contrat
    ("P001", "M-001", "01/10/2026", "", "151,67", "CDDI"),
    ("P002", "M-001", "06/10/2026", "31/10/2026", "7h30", "mission d'intérim"),
]



def with_unattached_participant(config: Config) -> Config:
    """The territory plus P004 (Lucas Bernard), attached to no structure: any structure may
    declare him, which is how two structures come to declare the same month (SPEC §6)."""
    frames = register_frames()
    people = frames["Participants"]
    extra = people.iloc[[0]].assign(id_participant="P004", nom="Bernard", prenom="Lucas",
                                    code_structure=None)
    frames["Participants"] = pd.concat([people, extra], ignore_index=True)
    write_registers(config.registers_path, frames)
    return config

def drop_statement(config: Config, structure: str, name: str, *,
                   rows: list[tuple] | None = None, month_cell: str = "Période : octobre 2026",
                   at: datetime = DROPPED_AT) -> Path:
    """A relevé as a structure writes it: title rows, a period cell, French notations."""
    rows = STATEMENT_ROWS if rows is None else rows
    frame = pd.DataFrame(rows, columns=["N° participant", "Code marché",
                                        "Date de début de mission", "Date de fin de mission",
                                        "Nb heures", "Type de contrat"])
    path = config.inbox / structure / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        frame.to_excel(writer, sheet_name="Relevé", index=False, startrow=3)
        sheet = writer.sheets["Relevé"]
        sheet.write(0, 0, f"Relevé d'heures – {structure}")
        sheet.write(1, 0, month_cell)
    set_file_time(path, at)
    return path


def drop_bytes(config: Config, structure: str, name: str, content: bytes,
               at: datetime = DROPPED_AT) -> Path:
    path = config.inbox / structure / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    set_file_time(path, at)
    return path


def with_settings(config: Config, **sections: dict) -> Config:
    """Change some settings in the workspace's `config.yaml` (section → {key: value}) and
    reload it, as a facilitator editing the file would."""
    raw = yaml.safe_load(config.source.read_text(encoding="utf-8")) or {}
    for section, values in sections.items():
        raw.setdefault(section, {}).update(values)
    config.source.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False),
                             encoding="utf-8")
    return load_config(config.source)


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file and folder under `root`: relative path → (sha256 or "<dossier>", mtime_ns)."""
    found: dict[str, tuple[str, int]] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_dir():
            found[key] = ("<dossier>", 0)
        else:
            found[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return found
