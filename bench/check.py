"""Benchmark of checking one relevé (not a test): read, match, rules, per 162-line file.

    .venv/bin/python bench/check.py                  # demo territory of 600 participants
    .venv/bin/python bench/check.py --lines 500 --repeat 20 --no-profile

Builds the demo territory (`clauses.demo.build_demo`) in a temporary folder, keys its registers
once (`RegisterIndex.of`, as an ingest pass does), writes a realistic relevé of its participants
(title block, « Période : » cell, a Total line, a few lines breaking a rule), then times
`read_submission`, `match_participants` and `check_lines` (best of `--repeat` runs, as
`checking._hour_statement` calls them) next to calamine reading the same file, and prints a
cProfile top-20 of `check_lines`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clauses.checking.facts import RegisterIndex  # noqa: E402
from clauses.checking.matching import match_participants  # noqa: E402
from clauses.checking.rules import check_lines  # noqa: E402
from clauses.config import load_config  # noqa: E402
from clauses.demo import build_demo  # noqa: E402
from clauses.reading.submission import read_submission  # noqa: E402
from clauses.registers.load import Registers, load_registers  # noqa: E402

MONTH = "2026-10"
TODAY = date(2026, 11, 9)
STRUCTURE = "AI-NIORT"


def write_statement(path: Path, registers: Registers, lines: int) -> None:
    """A relevé of October 2026 as a structure fills it in: most lines accepted, a few not."""
    people = registers.participants
    validated = people["date_validation"].between(pd.Timestamp("2024-11-01"), pd.Timestamp(
        "2026-09-30"))
    people = people[validated & (people["code_structure"] == STRUCTURE)]
    people = people.sort_values("id_participant").reset_index(drop=True)
    markets = registers.markets
    running = (markets["date_debut"] <= pd.Timestamp("2026-10-01")) & (
        markets["date_fin"] >= pd.Timestamp("2026-10-31"))
    markets = markets[running].sort_values("code_marche").reset_index(drop=True)
    companies = registers.companies.set_index("siret")["nom"]
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Relevé")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write(0, 0, "Relevé d'heures d'insertion")
    sheet.write(1, 0, "Période : octobre 2026")
    headers = ["N° participant", "Nom", "Prénom", "Date de naissance", "Code marché",
               "Date de début de mission", "Date de fin de mission", "Nb heures",
               "Type de contrat", "Entreprise", "Poste"]
    sheet.write_row(3, 0, headers)
    total = 0.0
    for i in range(lines):
        person = people.iloc[i % len(people)]
        market = markets.iloc[(i + 3 * (i // len(people))) % len(markets)]
        row = 4 + i
        identifier = person["id_participant"] if i % 10 else None  # one line in ten by name
        if i % 53 == 17:
            identifier = "P-INCONNU"
        hours = 35 + (i % 100) + (0.5 if i % 4 == 0 else 0)
        if i % 61 == 30:
            hours = 250
        total += hours
        company = companies.get(market["siret"], "") if i % 3 == 0 else None
        if i % 47 == 5:
            company = "Sous-traitance SA"
        sheet.write_row(row, 0, [identifier, person["nom"], person["prenom"]])
        sheet.write_datetime(row, 3, person["date_naissance"].to_pydatetime(), dates)
        sheet.write(row, 4, market["code_marche"])
        sheet.write_datetime(row, 5, datetime(2026, 10, 1), dates)
        if i % 5 == 0:
            sheet.write_datetime(row, 6, datetime(2026, 10, 31), dates)
        sheet.write_row(row, 7, [hours, "CDDI", company, "Ouvrier polyvalent"])
    sheet.write_row(4 + lines, 0, ["Total", None, None, None, None, None, None, total])
    book.close()


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=162)
    parser.add_argument("--participants", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-profile", action="store_true", help="sans profil cProfile")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clauses-check-"))
    try:
        build_demo(root / "ws", participants=args.participants, months=3, last_month=MONTH)
        config = load_config(root / "ws" / "config.yaml")
        registers = load_registers(config.registers_path, extra_aliases=config.entetes)
        start = time.perf_counter()
        index = RegisterIndex.of(registers)
        keyed = (time.perf_counter() - start) * 1000
        path = root / "releve.xlsx"
        write_statement(path, registers, args.lines)

        def read():
            return read_submission(path, extra_aliases=config.entetes,
                                   max_lines=config.depot.lignes_max)

        submission = read()
        matched = match_participants(submission.lines, index.participants)

        def check():
            return check_lines(matched, registers=index, rules=config.regles,
                               code_structure=STRUCTURE, unreadable=submission.unreadable,
                               declared_total=submission.declared_total, today=TODAY)

        checked = check()
        timings = {
            "calamine (pd.read_excel)": best_of(args.repeat, lambda: pd.read_excel(
                path, sheet_name=None, header=None, engine="calamine")),
            "read_submission": best_of(args.repeat, read),
            "match_participants": best_of(args.repeat, lambda: match_participants(
                submission.lines, index.participants)),
            "check_lines": best_of(args.repeat, check),
        }
        statuses = checked["statut"].value_counts().to_dict()
        print(f"relevé de {len(checked)} lignes, registre de {len(registers.participants)} "
              f"participants ; statuts : {statuses}")
        print(f"RegisterIndex.of (une fois par passage) : {keyed:7.2f} ms")
        for name, ms in timings.items():
            print(f"{name:<40}: {ms:7.2f} ms  (meilleur de {args.repeat})")
        overhead = timings["read_submission"] - timings["calamine (pd.read_excel)"]
        print(f"{'lecture au-delà de calamine':<40}: {overhead:7.2f} ms")
        if not args.no_profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.repeat):
                check()
            profile.disable()
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(20)
            print(out.getvalue())
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
