"""The documented work-pool recipe, for real (docs/PREFECT.md 4b): a Prefect server, a process
work pool, two workers and the repository's `prefect.yaml`, with the ledger on PostgreSQL.

An ingest split into two batches and the monthly reports split into two batches of recipients:
every file recorded once, every report written once and sent once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from workspace_factory import drop_statement, make_workspace

from clauses.app.prefect_api import prefect_api
from clauses.app.serve import local_prefect_server
from clauses.config import load_config
from clauses.ledger import Ledger
from tests.postgres_cluster import empty_postgres

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOW_ISO = "2026-11-09T08:00:00"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prefect(env: dict[str, str], *args: str) -> None:
    reply = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=180, check=False)
    assert reply.returncode == 0, reply.stdout + reply.stderr


def _rows(url: str, query: str) -> list[tuple]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.exec_driver_sql(query)]
    finally:
        engine.dispose()


@pytest.fixture
def pool(postgres_url, tmp_path, monkeypatch):
    """A workspace with its ledger on PostgreSQL, a server, the deployments, two workers."""
    empty_postgres(postgres_url)
    config = make_workspace(tmp_path / "espace")
    with open(config.source, "a", encoding="utf-8") as handle:
        handle.write(f'\nbase_de_donnees: "{postgres_url}"\nprefect:\n  port: {_free_port()}\n')
    config = load_config(config.source)
    config.state.mkdir(parents=True, exist_ok=True)
    # Only the runs this test asks for: the schedules' own runs would race with them.
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED", "false")
    with local_prefect_server(config, timeout=120) as api:
        env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "home"),
               "CLAUSES_HOME": str(ROOT), "CLAUSES_CONFIG": str(config.source),
               "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}
        _prefect(env, "work-pool", "create", "clauses", "--type", "process")
        _prefect(env, "--no-prompt", "deploy", "--all")
        workers = [subprocess.Popen(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", "clauses",
             "--name", name], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for name in ("machine-a", "machine-b")]
        try:
            with prefect_api(api):
                yield config
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()


def _run(deployment: str, **parameters) -> object:
    from prefect.deployments import run_deployment

    run = run_deployment(deployment, parameters=parameters, timeout=600, poll_interval=1,
                         as_subflow=False)
    assert run.state is not None and run.state.is_completed(), run.state
    return run


def _batch_runs(deployment_name: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with get_client(sync_client=True) as client:
        return client.read_flow_runs(deployment_filter=DeploymentFilter(
            name=DeploymentFilterName(any_=[deployment_name])))


def test_two_workers_ingest_and_report_each_file_and_report_once(pool):
    config = pool
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    drop_statement(config, "ETTI-SUD", "releve-etti.xlsx",
                   rows=[("P003", "M-002", "16/10/2026", "", "20", "CDD")])
    started = time.monotonic()

    # prefect.yaml splits the pass into two batches of structures (`lots: 2`), one per worker;
    # each batch locks only its structures, so neither is « Ignorée ».
    _run("ingest-inbox/releve-du-depot", now=NOW_ISO)
    ingests = _batch_runs("releve-par-lot")
    assert len(ingests) == 2, ingests
    assert all(run.state.is_completed() and run.state.name == "Completed" for run in ingests), [
        run.state for run in ingests]
    files = _rows(config.database_url, "SELECT code_structure, statut FROM fichiers")
    assert sorted(files) == [("AI-NIORT", "traité"), ("ETTI-SUD", "traité")]
    assert not [p for p in config.inbox.rglob("*") if p.is_file()]

    _run("monthly-reports/rapports-mensuels", month="2026-10", now="2026-11-11T07:00:00")
    batches = _batch_runs("rapports-mensuels-par-lot")
    assert len(batches) == 2 and all(run.state.is_completed() for run in batches)
    written = sorted(p.relative_to(config.outbox / "2026-10").as_posix()
                     for p in (config.outbox / "2026-10").rglob("*.xlsx"))
    assert "suivi-depots-2026-10.xlsx" in written
    assert not [name for name in written if "-ed" in name]  # each written once
    recorded = _rows(config.database_url,
                     "SELECT type, destinataire, numero FROM editions WHERE periode = '2026-10'")
    assert len(recorded) == len(written) and {n for *_, n in recorded} == {1}
    with Ledger(config.database_url) as ledger:
        log = ledger.sends()
    sends = list(zip(log["key"], log["recipient"], log["status"], strict=True))
    monthly = [s for s in sends if s[0].startswith("rapport-mensuel")]
    assert monthly, sends
    assert max(Counter((key, recipient) for key, recipient, _ in sends).values()) == 1
    reports = [name for name in written if not name.startswith("suivi-depots")]
    assert len([s for s in monthly if s[2] == "envoyé"]) == len(reports)
    assert time.monotonic() - started < 240
