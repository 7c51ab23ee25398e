"""Benchmark of the ingest (not a test): N relevé lines across files, whole ingest vs parse floor.

    .venv/bin/python bench/ingest.py                 # national month: 370 files × 162 lines
    .venv/bin/python bench/ingest.py --files 620 --lines 162   # ≈ 100 000 lines

Prints the time of merely parsing the files with calamine (the floor), of parsing them and
writing one xlsxwriter workbook per file (the read-and-write floor), and of the whole ingest
(archive, read, match, rules, ledger, control report), with lines per second.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clauses.config import load_config  # noqa: E402
from clauses.ingest import ingest_inbox  # noqa: E402
from clauses.siret import luhn_complete  # noqa: E402
from clauses.workspace.init import init_workspace  # noqa: E402
from schemas.registers import REGISTER_COLUMNS  # noqa: E402

MONTH = "2026-10"


def write_registers(path: Path, structures: int, participants: int, markets: int) -> None:
    sirets = [luhn_complete(f"{100000000 + i:09d}0001") for i in range(20)]
    frames = {
        "Structures": pd.DataFrame({
            "code_structure": [f"S{i:03d}" for i in range(structures)],
            "nom": [f"Structure {i}" for i in range(structures)], "type": "AI",
            "siret": None, "email": [f"s{i}@example.org" for i in range(structures)]}),
        "Maîtres d'ouvrage": pd.DataFrame({"code_mo": ["MO1"], "nom": ["Agglo"], "email": None}),
        "Entreprises": pd.DataFrame({"siret": sirets, "nom": [f"Ent {i}" for i in range(20)],
                                     "email": None}),
        "Marchés": pd.DataFrame({
            "code_marche": [f"M{i:03d}" for i in range(markets)],
            "intitule": [f"Marché {i}" for i in range(markets)], "code_mo": "MO1",
            "siret": [sirets[i % 20] for i in range(markets)],
            "date_debut": datetime(2025, 1, 1), "date_fin": datetime(2027, 12, 31),
            "heures_objectif": 5000.0}),
        "Participants": pd.DataFrame({
            "id_participant": [f"P{i:06d}" for i in range(participants)],
            "nom": [f"Nom{i}" for i in range(participants)],
            "prenom": [f"Prénom{i}" for i in range(participants)],
            "date_naissance": datetime(1990, 1, 1), "sexe": "F", "commune": "Niort",
            "qpv": "non", "niveau_formation": "3", "criteres": "DELD",
            "prescripteur": "France Travail", "date_prescription": datetime(2025, 9, 1),
            "date_validation": datetime(2025, 9, 15),
            "code_structure": [f"S{i % structures:03d}" for i in range(participants)]}),
        "Décisions": pd.DataFrame(columns=list(REGISTER_COLUMNS["Décisions"])),
    }
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        for sheet, frame in frames.items():
            frame.rename(columns=REGISTER_COLUMNS[sheet]).to_excel(writer, sheet_name=sheet, index=False)


def write_statement(path: Path, structure: int, lines: int, participants: int) -> None:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Relevé")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, f"Relevé d'heures – Structure {structure}")
    sheet.write(1, 0, "Période : octobre 2026")
    headers = ["N° participant", "Nom", "Prénom", "Code marché", "Date de début de mission",
               "Date de fin de mission", "Nb heures", "Type de contrat"]
    sheet.write_row(3, 0, headers)
    for i in range(lines):
        p = (structure * lines + i) % participants
        row = 4 + i
        sheet.write_row(row, 0, [f"P{p:06d}", f"Nom{p}", f"Prénom{p}", f"M{(p + i) % 80:03d}"])
        sheet.write_datetime(row, 4, datetime(2026, 10, 1), dates)
        sheet.write_datetime(row, 5, datetime(2026, 10, 31), dates)
        sheet.write_row(row, 6, [35 + (i % 100), "CDDI"])
    sheet.write_row(4 + lines, 0, ["Total"])
    book.close()


def parse_floor(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        pd.read_excel(path, sheet_name=None, header=None, engine="calamine")
    return time.perf_counter() - start


def read_write_floor(files: list[Path], out: Path) -> float:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for index, path in enumerate(files):
        frame = pd.read_excel(path, header=3, engine="calamine")
        book = xlsxwriter.Workbook(out / f"{index}.xlsx")
        sheet = book.add_worksheet("Lignes")
        sheet.write_row(0, 0, [str(c) for c in frame.columns])
        cells = frame.to_numpy(dtype=object)
        cells[pd.isna(cells)] = None
        for row, values in enumerate(cells.tolist(), start=1):
            sheet.write_row(row, 0, values)
        book.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=370)
    parser.add_argument("--lines", type=int, default=162)
    parser.add_argument("--structures", type=int, default=37)
    parser.add_argument("--participants", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help="garder l'espace de travail")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clauses-bench-"))
    init_workspace(root / "ws")
    config = load_config(root / "ws" / "config.yaml")
    write_registers(config.registers_path, args.structures, args.participants, 80)
    source = root / "source"
    source.mkdir()
    files = []
    for index in range(args.files):
        path = source / f"S{index % args.structures:03d}" / f"releve-{index:04d}.xlsx"
        path.parent.mkdir(exist_ok=True)
        write_statement(path, index, args.lines, args.participants)
        files.append(path)
    total = args.files * args.lines
    floor = parse_floor(files)
    rw_floor = read_write_floor(files, root / "rw")
    shutil.copytree(source, config.inbox, dirs_exist_ok=True)
    stamp = (datetime(2026, 11, 8, 9, 0)).timestamp()
    for path in config.inbox.rglob("*.xlsx"):
        os.utime(path, (stamp, stamp))
    start = time.perf_counter()
    results, _ = ingest_inbox(config, now=datetime(2026, 11, 9, 8, 0))
    ingest = time.perf_counter() - start
    accepted = sum(r.acceptees + r.alertes for r in results)
    print(f"{args.files} fichiers × {args.lines} lignes = {total} lignes ({accepted} comptées)")
    print(f"lecture seule (calamine)          : {floor:6.2f} s  {total / floor:9.0f} lignes/s")
    print(f"lecture + écriture xlsxwriter     : {rw_floor:6.2f} s  {total / rw_floor:9.0f} lignes/s")
    print(f"ingestion complète (+ comptes rendus): {ingest:6.2f} s  {total / ingest:9.0f} lignes/s")
    print(f"rapport ingestion / plancher lecture+écriture : {ingest / rw_floor:.2f}×")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"espace de travail gardé : {root / 'ws'}")


if __name__ == "__main__":
    main()
