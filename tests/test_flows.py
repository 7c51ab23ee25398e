"""Prefect, for real: a temporary local server, the served deployments, an ingest run's artifacts.

One server is started for the whole module (10–20 s on this machine); pure-logic tests never
start one.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from workspace_factory import drop_statement, make_workspace

from clauses.app.serve import local_prefect_server
from clauses.config import load_config

pytestmark = pytest.mark.slow

NOW_ISO = "2026-11-09T08:00:00"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefect")
    (root / "config.yaml").write_text(f"prefect:\n  port: {_free_port()}\n", encoding="utf-8")
    config = load_config(root / "config.yaml")
    config.state.mkdir(parents=True, exist_ok=True)
    with local_prefect_server(config, timeout=120) as api:
        previous = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_HOME")}
        os.environ["PREFECT_API_URL"] = api
        os.environ["PREFECT_HOME"] = str(config.state / "prefect")
        yield api
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _deployments(api: str) -> dict[str, object]:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return {d.name: d for d in client.read_deployments()}


def test_serve_registers_every_deployment_with_its_schedule_in_paris_time(prefect_server, tmp_path):
    config = make_workspace(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "clauses.cli", "--config", str(config.source), "serve"],
        # The runner looks for due runs every second (10 s by default): the run below starts at
        # once instead of waiting for the next look.
        env={**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        found: dict[str, object] = {}
        while time.monotonic() < deadline and len(found) < 5:
            time.sleep(1)
            found = _deployments(prefect_server)
            assert process.poll() is None, process.stdout.read().decode()
        # Scheduled runs are executed by this served process, as in production: the flows load
        # there from a pickled copy, with their parameter models rebuilt from their annotations.
        from prefect.deployments import run_deployment

        drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
        ingest = run_deployment("ingest-inbox/releve-du-depot", timeout=120, poll_interval=1,
                                as_subflow=False, parameters={"now": NOW_ISO})
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert ingest.state.is_completed(), ingest.state.message
    assert list((config.archive).rglob("*.xlsx")), "the served ingest archived the relevé"
    assert set(found) == {"releve-du-depot", "rapports-mensuels", "tableaux-semestriels",
                          "bilan-annuel", "relances"}
    monthly = found["rapports-mensuels"].schedules[0].schedule
    assert monthly.cron == "0 7 11 * *"
    assert monthly.timezone == "Europe/Paris"
    interval = found["releve-du-depot"].schedules[0].schedule
    assert interval.interval.total_seconds() == 5 * 60
    # Every deployment writes or sends: one run at a time each; a pass due while one runs is
    # cancelled rather than queued behind it.
    assert {name: d.global_concurrency_limit.limit for name, d in found.items()} == dict.fromkeys(
        found, 1)
    assert found["releve-du-depot"].concurrency_options.collision_strategy == "CANCEL_NEW"
    assert found["tableaux-semestriels"].schedules[0].schedule.cron == "0 7 15 1,7 *"


def test_ingest_flow_run_is_named_after_what_it_processed_and_leaves_artifacts(
    prefect_server, tmp_path
):
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.ingest import ingest_inbox_flow

    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    results, _ = ingest_inbox_flow(config_path=str(config.source),
                                   now=datetime.fromisoformat(NOW_ISO))
    assert [r.statut for r in results] == ["traité"]
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        run = next(r for r in runs if r.name.startswith("ingest AI-NIORT"))
        assert run.name == "ingest AI-NIORT 2026-10"
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    keys = {a.key for a in artifacts}
    assert {"fichiers-recus", "a-examiner"} <= keys
    table = next(a for a in artifacts if a.key == "fichiers-recus")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert rows[0]["Structure"] == "AI-NIORT"
    assert rows[0]["Type"] == "relevé d'heures"
    assert rows[0]["Acceptées"] == 2


def test_cli_records_its_run_in_a_reachable_server(prefect_server, tmp_path):
    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    reply = subprocess.run(
        [sys.executable, "-m", "clauses.cli", "--config", str(config.source), "ingest",
         "--date", NOW_ISO],
        env={**os.environ, "PREFECT_API_URL": prefect_server}, capture_output=True, text=True,
        timeout=120,
    )
    assert reply.returncode == 0, reply.stderr
    assert "Exécution enregistrée dans Prefect" in reply.stdout
    assert not any(Path(config.inbox).rglob("*.xlsx"))


def test_cli_finds_the_server_clauses_serve_started_for_the_workspace(prefect_server, tmp_path):
    """`clauses serve` writes its URL in state/prefect/api-url; a command run with no Prefect
    variable at all must record its run there, not in a throwaway temporary server."""
    from prefect.client.orchestration import get_client

    from clauses.app.prefect_api import api_url_file

    config = make_workspace(tmp_path)
    api_url_file(config).parent.mkdir(parents=True, exist_ok=True)
    api_url_file(config).write_text(prefect_server, encoding="utf-8")
    drop_statement(config, "ETTI-SUD", "releve-etti.xlsx",
                   rows=[("P003", "M-002", "16/10/2026", "", "20", "CDD")])
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home-vide")
    reply = subprocess.run(
        [sys.executable, "-m", "clauses.cli", "--config", str(config.source), "ingest",
         "--date", NOW_ISO], env=env, capture_output=True, text=True, timeout=120,
    )
    assert reply.returncode == 0, reply.stderr
    with get_client(sync_client=True) as client:
        names = [r.name for r in client.read_flow_runs()]
    assert "ingest ETTI-SUD 2026-10" in names


def test_report_command_is_recorded_with_a_meaningful_name(prefect_server, tmp_path):
    from prefect.client.orchestration import get_client

    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-octobre.xlsx")
    env = {**os.environ, "PREFECT_API_URL": prefect_server}
    for args in (["ingest", "--date", NOW_ISO], ["report", "monthly", "2026-10",
                                                  "--date", "2026-11-11T07:00:00"]):
        reply = subprocess.run([sys.executable, "-m", "clauses.cli", "--config",
                                str(config.source), *args], env=env, capture_output=True,
                               text=True, timeout=120)
        assert reply.returncode == 0, reply.stderr
    assert "Exécution enregistrée dans Prefect" in reply.stdout
    with get_client(sync_client=True) as client:
        names = [r.name for r in client.read_flow_runs()]
    assert "rapports mensuels 2026-10" in names


def _flow_run_named(client, prefix: str):
    return next(r for r in client.read_flow_runs() if r.name.startswith(prefix))


def test_each_file_is_a_task_that_takes_only_its_name_and_hash(prefect_server, tmp_path):
    """The heavy pass context stays in the flow's process: Prefect walks every task parameter,
    and walking national registers took seconds per file."""
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.ingest import ingest_inbox_flow

    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-a.xlsx")
    drop_statement(config, "ETTI-SUD", "releve-b.xlsx",
                   rows=[("P003", "M-002", "16/10/2026", "", "20", "CDD")])
    results, _ = ingest_inbox_flow(config_path=str(config.source),
                                   now=datetime.fromisoformat(NOW_ISO))
    assert [r.statut for r in results] == ["traité", "traité"]
    with get_client(sync_client=True) as client:
        run = _flow_run_named(client, "ingest AI-NIORT ETTI-SUD")
        for _ in range(40):  # the server records task states in batches, each second
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
            if len(tasks) == 2:
                break
            time.sleep(0.25)
    assert sorted(t.name for t in tasks) == ["AI-NIORT/releve-a.xlsx", "ETTI-SUD/releve-b.xlsx"]
    assert all(set(t.task_inputs) == {"structure", "name", "sha256"} for t in tasks)
    # Each file's state reaches the UI with the server's event feed off (its default).
    assert all(t.state is not None and t.state.is_completed() for t in tasks)


def test_the_local_server_keeps_no_event_feed_unless_asked(tmp_path):
    """Three events per file recorded were half of the server's work during a pass: the event
    persister service is off unless `prefect.journal_evenements` (docs/PREFECT.md)."""
    from clauses.app.serve import prefect_environment

    setting = "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED"
    for written, expected in (("", "false"), ("  journal_evenements: true\n", "true")):
        (tmp_path / "config.yaml").write_text(f"prefect:\n  port: 4300\n{written}",
                                             encoding="utf-8")
        assert prefect_environment(load_config(tmp_path / "config.yaml"))[setting] == expected


def test_an_empty_pass_leaves_no_artifact(prefect_server, tmp_path):
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.ingest import ingest_inbox_flow

    config = make_workspace(tmp_path)
    state = ingest_inbox_flow(config_path=str(config.source),
                              now=datetime.fromisoformat(NOW_ISO), return_state=True)
    assert state.is_completed()
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    assert artifacts == []


def test_an_empty_pass_leaves_the_months_review_intact(prefect_server, tmp_path):
    """A file refused at 08:00 is still « à régler » on `a-examiner-2026-10` after another
    structure's pass at 09:00 and an empty pass at 10:00 (issue 16.4)."""
    from datetime import datetime, timedelta

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort
    from workspace_factory import drop_bytes

    from flows.ingest import ingest_inbox_flow

    config = make_workspace(tmp_path)
    first = datetime.fromisoformat(NOW_ISO)
    drop_bytes(config, "AI-NIORT", "releve-casse.xlsx", b"pas un classeur",
               at=first - timedelta(hours=2))
    ingest_inbox_flow(config_path=str(config.source), now=first)
    drop_statement(config, "ETTI-SUD", "releve-etti.xlsx", at=first - timedelta(hours=1))
    ingest_inbox_flow(config_path=str(config.source), now=first + timedelta(hours=1))
    ingest_inbox_flow(config_path=str(config.source), now=first + timedelta(hours=2))
    with get_client(sync_client=True) as client:
        (latest,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["a-examiner-2026-10"])),
            sort=ArtifactSort.CREATED_DESC, limit=1)
    assert "AI-NIORT / `releve-casse.xlsx`" in latest.data
    assert "FICHIER_ILLISIBLE" in latest.data and "**à régler**" in latest.data


def test_the_run_log_keeps_the_summary_without_a_finished_line_per_file(prefect_server, tmp_path):
    """Each file's task shows its state in the UI; 370 « Finished in state Completed() » lines
    buried the pass's summary in the run's log."""
    from datetime import datetime

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from flows.ingest import ingest_inbox_flow

    config = make_workspace(tmp_path)
    drop_statement(config, "AI-NIORT", "releve-a.xlsx")
    drop_statement(config, "ETTI-SUD", "releve-b.xlsx",
                   rows=[("P003", "M-002", "16/10/2026", "", "20", "CDD")])
    state = ingest_inbox_flow(config_path=str(config.source),
                              now=datetime.fromisoformat(NOW_ISO), return_state=True)
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        for _ in range(40):  # logs reach the server in batches
            logs = client.read_logs(log_filter=LogFilter(
                flow_run_id=LogFilterFlowRunId(any_=[run_id])))
            if any(log.message.startswith("2 fichiers reçus") for log in logs):
                break
            time.sleep(0.25)
    messages = [log.message for log in logs]
    assert any(m.startswith("2 fichiers reçus : 2 traités") for m in messages), messages
    assert not [log for log in logs if log.task_run_id is not None
                and log.message.startswith("Finished in state")]
