"""Benchmark of the reports on a national network (not a test): time and peak memory.

    .venv/bin/python bench/national_reports.py                 # 12 months: M1, M12, S1, 2026
    .venv/bin/python bench/national_reports.py --months 36     # and M36, 2028-S2, bilan 2028
    .venv/bin/python bench/national_reports.py --workspace /tmp/nat --keep   # reuse a build
    .venv/bin/python bench/national_reports.py --workspace /tmp/nat --only bilan   # one report

Builds the ledger of bench/national.py (370 structures × 162 lines a month, 1 500 marchés), then
runs each report job (`clauses report …`, without sending: writing is what grows with history)
in a fresh process, and prints its wall time, its CPU time (the wall time on a shared
machine counts the others too) and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.national import FIRST_MONTH, build  # noqa: E402
from clauses.config import load_config  # noqa: E402
from clauses.ingest.inbox_pass import register_context  # noqa: E402
from clauses.periods import add_months  # noqa: E402

# Run in a child process so that its peak memory is its own (ru_maxrss of that process only).
CHILD = """
import json, resource, sys, time
from datetime import datetime
from clauses.app import jobs
from clauses.config import load_config
config = load_config(sys.argv[1])
kind, period = sys.argv[2], sys.argv[3]
now = datetime(2030, 1, 1, 7, 0)
start = time.perf_counter()
if kind == "monthly":
    report = jobs.run_monthly(config, period, now=now, send=False)
elif kind == "semester":
    report = jobs.run_semester(config, period, now=now, send=False)
else:
    report = jobs.run_annual(config, int(period), now=now, send=False)
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_SELF)
# The workbooks are written by forked workers (clauses/reports/parallel.py): their CPU counts,
# and the largest one's resident memory (pages shared with this process counted again).
workers = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed,
                  "cpu": usage.ru_utime + usage.ru_stime + workers.ru_utime + workers.ru_stime,
                  "peak": usage.ru_maxrss * 1024, "worker_peak": workers.ru_maxrss * 1024,
                  "written": len(report.written)}))
"""


def measure(config_path: Path, kind: str, period: str) -> dict[str, float]:
    reply = subprocess.run([sys.executable, "-c", CHILD, str(config_path), kind, period],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    if reply.returncode:
        raise SystemExit(f"{kind} {period} a échoué :\n{reply.stderr[-3000:]}")
    return json.loads(reply.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--workspace", type=Path, help="espace déjà construit (ou à construire)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", choices=["M1", "M12", "semestre", "bilan", "dernier-mois",
                                                   "dernier-semestre", "dernier-bilan"],
                        help="une seule des mesures (sur un espace déjà construit : une copie, "
                             "chaque passage ajoute des éditions)")
    args = parser.parse_args()
    root = args.workspace or Path(tempfile.mkdtemp(prefix="clauses-national-")) / "ws"
    if not (root / "config.yaml").exists():
        start = time.perf_counter()
        build(root, args.months)
        print(f"registre national de {args.months} mois construit en "
              f"{time.perf_counter() - start:.0f} s : {root}")
    config_path = root / "config.yaml"
    # In production the ingest has read (and cached) the registers before any report: measure
    # the reports, not the first read of a national register (about 10 s).
    register_context(load_config(config_path))
    last = add_months(FIRST_MONTH, args.months - 1)
    runs = [("M1", "monthly", FIRST_MONTH, "rapports mensuels M1"),
            ("M12", "monthly", add_months(FIRST_MONTH, 11), "rapports mensuels M12"),
            ("semestre", "semester", "2026-S1", "tableaux semestriels 2026-S1"),
            ("bilan", "annual", "2026", "bilan annuel 2026 (720 000 lignes)")]
    if args.months >= 36 or args.only == "dernier-mois":
        runs.append(("dernier-mois", "monthly", last, f"rapports mensuels M{args.months}"))
    if last[:4] > FIRST_MONTH[:4] and last.endswith("-12"):
        # The last half-year and year of the ledger: their reports must not grow with the
        # years before them (the first ones have no history to read).
        year = last[:4]
        runs.append(("dernier-semestre", "semester", f"{year}-S2",
                     f"tableaux semestriels {year}-S2"))
        runs.append(("dernier-bilan", "annual", year, f"bilan annuel {year}"))
    for key, kind, period, label in runs:
        if (period > last and kind == "monthly") or args.only not in (None, key):
            continue
        figures = measure(config_path, kind, period)
        # CPU time beside wall time: on a shared machine the wall time also counts the others.
        print(f"{label:38s} {figures['seconds']:7.1f} s (CPU {figures['cpu']:6.1f} s)   "
              f"pic mémoire {figures['peak'] / 2**20:7.0f} Mio (+ {figures['worker_peak'] / 2**20:4.0f} "
              f"Mio par processus d'écriture)   {figures['written']} classeur(s)")
    if not args.keep and not args.workspace:
        shutil.rmtree(root.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
