"""Benchmark of the reports (not a test): a month of monthly reports, and control reports.

    .venv/bin/python bench/reports.py                     # builds the demo year first (~2 min)
    .venv/bin/python bench/reports.py --workspace /tmp/x  # reuses `clauses demo /tmp/x`
    .venv/bin/python bench/reports.py --control 370 --lines 162

(a) The monthly reports of the demo territory's last month (10 structures, 80 marchés, 40
companies, 600 participants): reading the ledger, the figures alone (computed once for every
marché, then sliced per maître d'ouvrage and company), and the whole `write_monthly_reports`
(figures + ~50 workbooks, written in a temporary outbox).
(b) N control reports of L lines × 16 columns (a national month: 370 files of 162 lines), against
the floor of writing the same cells into one plain xlsxwriter workbook per file.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clauses.config import load_config  # noqa: E402
from clauses.demo.run import run_demo  # noqa: E402
from clauses.ledger import Ledger  # noqa: E402
from clauses.registers.load import load_registers  # noqa: E402
from clauses.reports.control import lines_table, write_control_report  # noqa: E402
from clauses.reports.monthly import figures as fig  # noqa: E402
from clauses.reports.monthly.writer import write_monthly_reports  # noqa: E402

RECEIVED = datetime(2026, 11, 8, 9, 0)


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def _line(label: str, times: list[float], per: int = 1) -> str:
    best, median = min(times) / per, statistics.median(times) / per
    return f"  {label:44s} min {best * 1000:8.1f} ms   médiane {median * 1000:8.1f} ms"


def monthly(workspace: Path, repeat: int) -> None:
    config = load_config(workspace / "config.yaml")
    registers = load_registers(config.registers_path, extra_aliases=config.entetes)
    ledger = Ledger.from_config(config)
    try:
        month = str(ledger.hours()["mois"].max())
        frames: dict[str, pd.DataFrame] = {}

        def read() -> None:
            frames["hours"] = ledger.hours(until_month=month)
            frames["files"] = ledger.files()
            frames["history"] = ledger.hours(until_month=month, current_only=False)

        reads = _timed(read, repeat)
    finally:
        ledger.close()
    hours, files, history = frames["hours"], frames["files"], frames["history"]

    def figures() -> None:
        figures = fig.month_figures(registers, hours, month)
        for by in ("code_mo", "siret"):
            fig.group_figures(figures, by)
        for kind in ("structure", "contrat"):
            fig.breakdowns(figures, registers.structures, "code_mo", kind)
        fig.participant_tables(figures, registers.participants, registers.structures)
        fig.corrections(hours, history, files, month, config.depot.jour_limite)

    out = Path(tempfile.mkdtemp(prefix="clauses-bench-mensuel-"))
    written: list[Path] = []

    def write() -> None:
        target = config.model_copy(update={"root": out})
        written[:] = write_monthly_reports(target, registers, hours, files, month,
                                           RECEIVED, hours_history=history)

    figure_times, write_times = _timed(figures, repeat), _timed(write, repeat)
    print(f"(a) rapports mensuels de {month} : {len(hours)} lignes d'heures, "
          f"{len(written)} classeurs")
    print(_line("lecture du registre des heures", reads))
    print(_line("chiffres du mois (tous marchés, une passe)", figure_times))
    print(_line("write_monthly_reports (chiffres + classeurs)", write_times))
    print(_line("  soit par classeur", write_times, per=len(written)))
    shutil.rmtree(out, ignore_errors=True)


def control_frames(lines: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A relevé as a structure sends it (14 columns as typed) and its checked lines: mostly
    accepted, one line in 11 with an alert, one in 17 rejected for two reasons."""
    index = range(lines)
    raw = pd.DataFrame({
        "Feuille": ["Octobre" if i < lines // 2 else "Novembre" for i in index],
        "Ligne": [5 + i for i in index],
        "N° participant": [f"P{i % 600:06d}" for i in index],
        "Nom": [f"NOM{i % 600}" for i in index], "Prénom": [f"Prénom{i % 600}" for i in index],
        "Date de naissance": [f"{1 + i % 28:02d}/0{1 + i % 9}/19{60 + i % 40}" for i in index],
        "Code marché": [f"M{i % 80:03d}" for i in index],
        "Mois": ["octobre 2026" if i < lines // 2 else "novembre 2026" for i in index],
        "Nb heures": [f"{35 + i % 100},5" for i in index],
        "Début de mission": ["01/10/2026"] * lines, "Fin de mission": ["31/10/2026"] * lines,
        "Type de contrat": ["CDDI" if i % 3 else "mission d'intérim" for i in index],
        "Entreprise": [f"Entreprise {i % 40}" for i in index],
        "Poste": ["Manœuvre", "Maçon", "Agent d'entretien", ""] * (lines // 4)
        + [""] * (lines % 4),
    })
    rejected = [i % 17 == 16 for i in index]
    alert = [i % 11 == 10 and not r for i, r in zip(index, rejected, strict=True)]
    checked = pd.DataFrame({
        "mois": ["2026-10" if i < lines // 2 else "2026-11" for i in index],
        "heures": [35.5 + i % 100 for i in index],
        "statut": ["rejetée" if r else "acceptée avec alerte" if a else "acceptée"
                   for r, a in zip(rejected, alert, strict=True)],
        "motifs": ["PARTICIPANT_INCONNU;MARCHE_INCONNU" if r else "ENTREPRISE_DIFFERENTE" if a
                   else "" for r, a in zip(rejected, alert, strict=True)],
        "explications": [
            "Le participant n'est pas dans le registre d'éligibilité. ; Le marché n'existe pas "
            "dans le registre." if r else "L'entreprise n'est pas l'attributaire du marché."
            if a else "" for r, a in zip(rejected, alert, strict=True)],
    })
    return raw, checked


def _plain_workbook(path: Path, cells: pd.DataFrame) -> None:
    book = xlsxwriter.Workbook(path, {"in_memory": True})
    sheet = book.add_worksheet("Lignes")
    sheet.write_row(0, 0, [str(c) for c in cells.columns])
    for row, values in enumerate(cells.to_numpy(dtype=object).tolist(), start=1):
        sheet.write_row(row, 0, values)
    book.close()


def control(count: int, lines: int) -> None:
    raw, checked = control_frames(lines)
    out = Path(tempfile.mkdtemp(prefix="clauses-bench-controle-"))
    cells = lines_table(raw, checked)
    reports, plain = [], []
    for index in range(count):  # interleaved, so that both see the same machine load
        start = time.perf_counter()
        write_control_report(out / f"{index}-controle.xlsx", structure="S001",
                             file_name=f"releve-{index}.xlsx", kind="relevé d'heures",
                             received=RECEIVED, late=False, raw=raw, checked=checked,
                             territory="Banc d'essai")
        reports.append(time.perf_counter() - start)
        start = time.perf_counter()
        _plain_workbook(out / f"{index}-brut.xlsx", cells)
        plain.append(time.perf_counter() - start)
    print(f"(b) {count} comptes rendus de contrôle de {lines} lignes × "
          f"{len(cells.columns)} colonnes")
    print(_line("compte rendu de contrôle", reports))
    print(_line("plancher : mêmes cellules, xlsxwriter brut", plain))
    print(f"  total {sum(reports):.2f} s contre {sum(plain):.2f} s, "
          f"rapport {statistics.median(reports) / statistics.median(plain):.2f}× (médianes)")
    shutil.rmtree(out, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="espace de démonstration existant")
    parser.add_argument("--repeat", type=int, default=3, help="mesures du mois")
    parser.add_argument("--control", type=int, default=370, help="comptes rendus à écrire")
    parser.add_argument("--lines", type=int, default=162)
    parser.add_argument("--keep", action="store_true", help="garder la démonstration construite")
    args = parser.parse_args()
    workspace, built = args.workspace, args.workspace is None
    if built:
        workspace = Path(tempfile.mkdtemp(prefix="clauses-bench-demo-")) / "demo"
        start = time.perf_counter()
        run_demo(workspace)
        print(f"démonstration construite en {time.perf_counter() - start:.0f} s : {workspace}")
    try:
        monthly(workspace, args.repeat)
        control(args.control, args.lines)
    finally:
        if built and not args.keep:
            shutil.rmtree(workspace.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
