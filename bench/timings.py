"""Timings that used to be wall-clock asserts in tests (not a test: a loaded machine made them
fail while nothing was wrong). Prints each time next to its target.

    .venv/bin/python bench/timings.py

- `clauses --help` (target: well under 5 s; the CLI imports the package, not Prefect);
- `clauses ingest` on an empty inbox, no Prefect server (target: under 10 s, Prefect not started);
- a 162-line control report (target: ~20 ms);
- a year of files recorded in a SQLite ledger, 370 files × 162 lines (target: well under 20 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from clauses.ledger import FileRecord, Ledger  # noqa: E402
from clauses.reports.control import write_control_report  # noqa: E402
from clauses.workspace.init import init_workspace  # noqa: E402

RECEIVED = datetime(2026, 11, 5, 9, 30)


def _clauses(*args: str, cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PYTHONPATH"] = str(REPO)
    subprocess.run([sys.executable, "-m", "clauses.cli", *args], cwd=cwd, env=env, check=True,
                   capture_output=True, timeout=120)


def _timed(name: str, target: str, action: Callable[[], object]) -> None:
    started = time.perf_counter()
    action()
    print(f"{name:<52} {time.perf_counter() - started:7.2f} s   (cible : {target})")


def _control_report(folder: Path) -> None:
    lines = pd.DataFrame({
        "feuille": "Relevé", "ligne": range(5, 167), "id_participant": "P001", "nom": "Martin",
        "prenom": "Léa", "code_marche": "M01", "mois": "2026-10", "heures": 35.0,
        "statut": "acceptée", "motifs": "", "explications": "",
    })
    write_control_report(folder / "big.xlsx", structure="AI", file_name="r.xlsx",
                         kind="relevé d'heures", received=RECEIVED, late=False, raw=lines,
                         checked=lines)


def _ledger_year(folder: Path) -> None:
    months = [f"2026-{number:02d}" for number in range(1, 13)]
    lines = pd.DataFrame({"feuille": "Relevé", "ligne": range(5, 167), "id_participant": "P001",
                          "code_marche": "M01", "heures": 7.0, "statut": "acceptée",
                          "motifs": "", "en_retard": False})
    with Ledger(f"sqlite:///{folder / 'clauses.sqlite'}") as ledger:
        for index in range(370):
            month = months[index % 12]
            record = FileRecord(
                sha256=f"{index:064d}", code_structure=f"S{index // 12:02d}",
                nom_fichier="releve.xlsx", chemin_archive="archive/x.xlsx", taille=1,
                modifie_le=RECEIVED - timedelta(hours=1), recu_le=RECEIVED,
                type="relevé d'heures", mois=month, statut="traité", motif=None, message=None,
                en_retard=False,
            )
            ledger.record_file(record, hours=lines.assign(mois=month))


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        init_workspace(folder / "espace")
        _timed("clauses --help", "< 5 s", lambda: _clauses("--help", cwd=folder))
        _timed("clauses ingest (dépôt vide, sans Prefect)", "< 10 s",
               lambda: _clauses("--config", str(folder / "espace" / "config.yaml"), "ingest",
                                cwd=folder))
        _timed("compte rendu de contrôle de 162 lignes", "≈ 0,02 s",
               lambda: _control_report(folder))
        _timed("registre : 370 fichiers × 162 lignes (SQLite)", "< 20 s",
               lambda: _ledger_year(folder))


if __name__ == "__main__":
    main()
