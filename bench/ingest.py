"""Benchmark of the ingest (not a test): a national month, CLI and Prefect flow vs the floor.

    .venv/bin/python bench/ingest.py                 # national month: 370 files × 162 lines
    .venv/bin/python bench/ingest.py --no-flow       # without the Prefect server (CLI only)
    .venv/bin/python bench/ingest.py --files 620 --lines 162   # ≈ 100 000 lines
    .venv/bin/python bench/ingest.py --lots 0        # without the pass split in two batches
    .venv/bin/python bench/ingest.py --repetitions 5 # more rounds (3 by default)

National registers by default: 370 structures, 59 940 participants, 1 500 marchés. Prints, in
the same run: the time of merely parsing the files with calamine, of parsing them and writing
one xlsxwriter workbook per file (the read-and-write floor), of the whole ingest through the CLI
path (archive, read, match, rules, ledger, control report), and of the same month ingested by
the `ingest-inbox` flow on a real local Prefect server, run by `serve` in its own process as in
production (the flow run's own duration, and the wall time from the request to its end), and
of the month split into two batches of structures ingested at once, as two workers of one
machine run the `releve-par-lot` deployment.

A shared machine's speed drifts by a quarter from one minute to the next, so the floor, the CLI
and the flow are measured in turns, `--repetitions` rounds of each on fresh copies of the same
workspace, each ratio against the floor of its own round; the summary gives the median ratio.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clauses.app.jobs import send_control_reports  # noqa: E402
from clauses.app.prefect_api import prefect_api  # noqa: E402
from clauses.app.serve import local_prefect_server, prefect_environment  # noqa: E402
from clauses.config import Config, load_config  # noqa: E402
from clauses.ingest import ingest_inbox  # noqa: E402
from clauses.ingest.inbox_pass import register_context  # noqa: E402
from clauses.siret import complete_siret  # noqa: E402
from clauses.workspace.init import init_workspace  # noqa: E402
from flows.ingest import batches  # noqa: E402 — the flow's own split into batches
from schemas.registers import REGISTER_COLUMNS  # noqa: E402

MONTH = "2026-10"
NOW = datetime(2026, 11, 9, 8, 0)
ROOT = Path(__file__).resolve().parents[1]


def write_registers(path: Path, structures: int, participants: int, markets: int) -> None:
    sirets = [complete_siret(f"{10000000 + i:08d}00001") for i in range(20)]
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


def write_statement(path: Path, structure: int, lines: int, participants: int,
                    markets: int = 80) -> None:
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
        sheet.write_row(row, 0, [f"P{p:06d}", f"Nom{p}", f"Prénom{p}", f"M{(p + i) % markets:03d}"])
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _drop_inbox(source: Path, config: Config) -> None:
    shutil.copytree(source, config.inbox, dirs_exist_ok=True)
    stamp = (datetime(2026, 11, 8, 9, 0)).timestamp()
    for path in config.inbox.rglob("*.xlsx"):
        os.utime(path, (stamp, stamp))


@dataclass
class FlowTimes:
    run: float  # the flow run's duration, as Prefect records it
    pass_part: float  # from the run's start to the end of its last file's task
    wall: float  # from the request to the end of the run, as a person waits for it
    tasks: int
    archived: int


def _task_runs(client, run_id, run_filter, id_filter) -> list:  # noqa: ANN001 — Prefect types
    tasks: list = []
    while True:
        more = client.read_task_runs(flow_run_filter=run_filter(id=id_filter(any_=[run_id])),
                                     limit=200, offset=len(tasks))
        tasks += more
        if len(more) < 200:
            return tasks


class FlowBench:
    """A local Prefect server and the `ingest-inbox` flow served by `serve` in its own process
    (as a worker would), started once for every round."""

    def __init__(self, config: Config) -> None:
        self.config = config.model_copy(update={"prefect": config.prefect.model_copy(
            update={"port": _free_port()})})
        self.config.state.mkdir(parents=True, exist_ok=True)
        self._server = local_prefect_server(self.config, timeout=120)
        self._serve: subprocess.Popen | None = None

    def __enter__(self) -> FlowBench:
        api = self._server.__enter__()
        try:
            env = {**os.environ, **prefect_environment(self.config), "PREFECT_API_URL": api,
                   "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PYTHONPATH": str(ROOT)}
            self._serve = subprocess.Popen(
                [sys.executable, "-c", "from flows.ingest import ingest_inbox_flow; "
                 "ingest_inbox_flow.serve(name='banc', print_starting_message=False)"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._api = prefect_api(api)
            self._api.__enter__()
            from prefect.client.orchestration import get_client

            deadline = time.monotonic() + 120
            with get_client(sync_client=True) as client:
                while True:  # `serve` has declared its deployment
                    try:
                        client.read_deployment_by_name("ingest-inbox/banc")
                        return self
                    except Exception:  # noqa: BLE001 — not there yet
                        if time.monotonic() > deadline or self._serve.poll() is not None:
                            raise
                        time.sleep(0.5)
        except BaseException:
            self.__exit__(None, None, None)
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._serve is not None:
                self._serve.terminate()
                self._serve.wait(timeout=30)
            if hasattr(self, "_api"):
                self._api.__exit__(None, None, None)
        finally:
            self._server.__exit__(None, None, None)

    def ingest(self, config: Config) -> FlowTimes:
        """The month in `config`'s inbox ingested by one run of the served deployment."""
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
        from prefect.deployments import run_deployment

        start = time.perf_counter()
        run = run_deployment(
            "ingest-inbox/banc", poll_interval=1, timeout=3600, as_subflow=False,
            parameters={"config_path": str(config.source), "now": NOW.isoformat()})
        wall = time.perf_counter() - start
        assert run.state is not None and run.state.is_completed(), run.state
        # The pass itself ends with its last file's task; the control-report e-mails, the
        # artifacts and the month's review come after, in the same run. The server records
        # task states in batches, up to a second after they end.
        archived = len(list(config.archive.rglob("*.xlsx")))
        deadline = time.monotonic() + 30
        with get_client(sync_client=True) as client:
            while True:
                tasks = _task_runs(client, run.id, FlowRunFilter, FlowRunFilterId)
                if len(tasks) >= archived or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
        ends = [t.end_time for t in tasks if t.end_time is not None]
        assert run.start_time is not None and run.end_time is not None and ends
        pass_part = (max(ends) - run.start_time).total_seconds()
        return FlowTimes(run.total_run_time.total_seconds(), pass_part, wall, len(tasks),
                         archived)


# One batch of a split pass, as a worker of the `releve-par-lot` deployment runs it (the CLI
# path of the batch, without Prefect): its own process, its structures only.
_BATCH = """
import sys
from datetime import datetime
from clauses.config import load_config
from clauses.ingest import ingest_inbox
config = load_config(sys.argv[1])
results, _ = ingest_inbox(config, now=datetime.fromisoformat(sys.argv[2]),
                          structures=sys.argv[3].split(","))
print(len(results))
"""


def batches_ingest(config: Config, lots: int) -> tuple[float, int]:
    """The month split into `lots` batches of structures ingested at once, one process each
    (what `lots: 2` does on two workers of one machine): wall time, files recorded."""
    structures = sorted(p.name for p in config.inbox.iterdir() if p.is_dir())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith("PREFECT_")}
    start = time.perf_counter()
    runs = [subprocess.Popen([sys.executable, "-c", _BATCH, str(config.source), NOW.isoformat(),
                              ",".join(group)], env=env, stdout=subprocess.PIPE, text=True)
            for group in batches(structures, lots)]
    counts = [int(run.communicate(timeout=3600)[0].strip() or 0) for run in runs]
    return time.perf_counter() - start, sum(counts)


@dataclass
class Round:
    read: float  # parsing every file with calamine
    floor: float  # reading and writing one xlsxwriter workbook per file
    cli: float  # `clauses ingest` without its e-mails
    mail: float  # then the control reports' e-mails
    flow: FlowTimes | None
    counted: int


def _round(root: Path, source: Path, files: list[Path], index: int,
           flows: FlowBench | None) -> Round:
    """One round: the floor, then the CLI and the flow, each on a fresh copy of the workspace."""
    read = parse_floor(files)
    floor = read_write_floor(files, root / f"rw-{index}")
    shutil.rmtree(root / f"rw-{index}", ignore_errors=True)
    config = _fresh(root, f"ws-cli-{index}", source)
    # What `clauses ingest` runs (clauses/app/jobs.py `ingest_and_send`), timed in two parts.
    start = time.perf_counter()
    results, _ = ingest_inbox(config, now=NOW)
    cli = time.perf_counter() - start
    start = time.perf_counter()
    sends = send_control_reports(config, results, NOW)
    mail = time.perf_counter() - start
    assert len(sends) == len(files), len(sends)
    flow = None if flows is None else flows.ingest(_fresh(root, f"ws-flux-{index}", source))
    counted = sum(r.acceptees + r.alertes for r in results)
    print(f"tour {index} : lecture {read:5.2f} s ; plancher {floor:5.2f} s ; "
          f"CLI {cli:5.2f} s ({cli / floor:.2f}×), + courriels {mail:4.2f} s "
          f"({(cli + mail) / floor:.2f}×)"
          + ("" if flow is None else
             f" ; flux : relève {flow.pass_part:5.2f} s ({flow.pass_part / floor:.2f}×), "
             f"exécution entière {flow.run:5.2f} s ({flow.run / floor:.2f}×)"), flush=True)
    return Round(read, floor, cli, mail, flow, counted)


def _fresh(root: Path, name: str, source: Path) -> Config:
    shutil.copytree(root / "ws", root / name)
    config = load_config(root / name / "config.yaml")
    _drop_inbox(source, config)
    return config


def _summary(rounds: list[Round]) -> None:
    def line(label: str, seconds: list[float], floors: list[float]) -> str:
        ratios = [s / f for s, f in zip(seconds, floors, strict=True)]
        return (f"{label:58s}: médiane {statistics.median(seconds):6.2f} s  "
                f"{statistics.median(ratios):.2f}× le plancher  "
                f"(tours : {', '.join(f'{r:.2f}×' for r in ratios)})")

    floors = [r.floor for r in rounds]
    print(f"\nen {len(rounds)} tours (médianes ; chaque rapport contre le plancher de son tour), "
          f"{rounds[0].counted} lignes comptées :")
    print(f"{'lecture seule (calamine)':58s}: médiane "
          f"{statistics.median(r.read for r in rounds):6.2f} s")
    print(f"{'plancher : lecture + un classeur xlsxwriter par fichier':58s}: médiane "
          f"{statistics.median(floors):6.2f} s  (tours : "
          f"{', '.join(f'{f:.2f} s' for f in floors)})")
    print(line("`clauses ingest` (sans les courriels)", [r.cli for r in rounds], floors))
    print(line("`clauses ingest` avec les courriels", [r.cli + r.mail for r in rounds], floors))
    flows = [r.flow for r in rounds if r.flow is not None]
    if flows:
        print(line("flux ingest-inbox : relève (dernier fichier enregistré)",
                   [f.pass_part for f in flows], floors))
        print(line("flux ingest-inbox : exécution entière (+ courriels, revue)",
                   [f.run for f in flows], floors))
        print(line("flux ingest-inbox : de la demande à la fin", [f.wall for f in flows],
                   floors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=370)
    parser.add_argument("--lines", type=int, default=162)
    parser.add_argument("--structures", type=int, default=370)
    parser.add_argument("--participants", type=int, default=59_940)
    parser.add_argument("--markets", type=int, default=1_500)
    parser.add_argument("--no-flow", action="store_true", help="sans le flux Prefect")
    parser.add_argument("--lots", type=int, default=2,
                        help="relève découpée en autant de lots simultanés (0 : sans)")
    parser.add_argument("--repetitions", type=int, default=3,
                        help="tours plancher, CLI et flux mesurés à la suite (3 par défaut)")
    parser.add_argument("--keep", action="store_true", help="garder l'espace de travail")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="clauses-bench-"))
    init_workspace(root / "ws")
    config = load_config(root / "ws" / "config.yaml")
    write_registers(config.registers_path, args.structures, args.participants, args.markets)
    source = root / "source"
    source.mkdir()
    files = []
    for index in range(args.files):
        path = source / f"S{index % args.structures:03d}" / f"releve-{index:04d}.xlsx"
        path.parent.mkdir(exist_ok=True)
        write_statement(path, index, args.lines, args.participants, args.markets)
        files.append(path)
    total = args.files * args.lines
    # A new register version is read, checked and cached once (state/cache/), by the first pass
    # that sees it; the monthly passes then find it cached. Timed apart from the ingest.
    start = time.perf_counter()
    register_context(config)
    registers = time.perf_counter() - start
    print(f"{args.files} fichiers × {args.lines} lignes = {total} lignes ; registres : "
          f"{args.structures} structures, {args.participants} participants, "
          f"{args.markets} marchés")
    print(f"référentiel lu et mis en cache (une fois par version) : {registers:.2f} s")
    if args.lots > 1:
        shutil.copytree(root / "ws", root / "ws-lots")
    with contextlib.ExitStack() as stack:
        if not args.no_flow:  # the server's own database in a workspace of its own
            shutil.copytree(root / "ws", root / "ws-prefect")
        flows = None if args.no_flow else stack.enter_context(
            FlowBench(load_config(root / "ws-prefect" / "config.yaml")))
        rounds = [_round(root, source, files, index, flows)
                  for index in range(1, args.repetitions + 1)]
    _summary(rounds)
    if args.lots > 1:
        lots_config = load_config(root / "ws-lots" / "config.yaml")
        _drop_inbox(source, lots_config)
        rw_floor = read_write_floor(files, root / "rw-lots")
        split, recorded = batches_ingest(lots_config, args.lots)
        print(f"relève en {args.lots} lots simultanés (un processus chacun) : {split:6.2f} s  "
              f"{total / split:9.0f} lignes/s  {split / rw_floor:.2f}× le plancher "
              f"mesuré juste avant ({rw_floor:.2f} s ; {recorded} fichiers)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"espace de travail gardé : {root / 'ws'}")


if __name__ == "__main__":
    main()
