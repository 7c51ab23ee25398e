"""`clauses serve` (SPEC §10): a local Prefect server for the workspace (its deployments are
served by `flows/deployments.py`).

The server is started as a child process (SQLite, 127.0.0.1, analytics off, PREFECT_HOME in the
workspace's `state/prefect`) unless `PREFECT_API_URL` points at one already; its URL is written
to `state/prefect/api-url` so that CLI commands record their runs there while it is up.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from clauses.app.prefect_api import api_url_file, is_reachable
from clauses.config import Config
from clauses.errors import ClausesError


def prefect_environment(config: Config) -> dict[str, str]:
    home = (config.state / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": "127.0.0.1",
        "PREFECT_SERVER_API_PORT": str(config.prefect.port),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_UI_API_URL": f"http://127.0.0.1:{config.prefect.port}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # Retention (docs/PREFECT.md): runs, their logs and artifacts go after 90 days; the
        # ledger, not Prefect, is the audit trail.
        "PREFECT_SERVER_SERVICES_DB_VACUUM_ENABLED": "events,flow_runs",
        "PREFECT_SERVER_SERVICES_DB_VACUUM_RETENTION_PERIOD": str(90 * 24 * 3600),
        # Task states reach the server as events; by default it writes them one at a time,
        # which cost the server 25 ms of CPU per file of a pass, on the cores that check the
        # files. In batches they cost 11 ms; the UI shows a file's state within a second.
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
        "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
        # The event feed stores every event (three per file recorded): half of the server's
        # work during a pass. Runs, task runs, logs, artifacts and automations do not need it
        # (the task run recorder and the triggers read the event stream, not the stored feed).
        "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": str(
            config.prefect.journal_evenements).lower(),
    }


# `python -m prefect` at a lower CPU priority (nice 10), set before any thread starts: on a
# small machine the server's bookkeeping of a pass (the states of hundreds of file tasks) would
# otherwise take cores from the files being checked; it catches up as soon as they are free.
_LOWER_PRIORITY = "import os, runpy; os.nice(10); runpy.run_module('prefect', run_name='__main__')"


@contextmanager
def local_prefect_server(config: Config, *, timeout: float = 90) -> Iterator[str]:
    """Start a Prefect server for this workspace and yield its API URL; stop it afterwards."""
    api = f"http://127.0.0.1:{config.prefect.port}/api"
    if is_reachable(api):
        raise ClausesError(
            f"Le port {config.prefect.port} est déjà occupé par un serveur Prefect : "
            "arrêtez-le ou changez « prefect.port » dans config.yaml."
        )
    env = {**os.environ, **prefect_environment(config)}
    log = open(config.state / "prefect" / "serveur.log", "ab")  # noqa: SIM115 — closed below
    process = subprocess.Popen(
        [sys.executable, "-c", _LOWER_PRIORITY, "server", "start", "--analytics-off"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + timeout
        while not is_reachable(api):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ClausesError(
                    "Le serveur Prefect n'a pas démarré ; voir "
                    f"{config.state / 'prefect' / 'serveur.log'}."
                )
            time.sleep(0.5)
        marker = api_url_file(config)
        marker.write_text(api, encoding="utf-8")
        yield api
    finally:
        api_url_file(config).unlink(missing_ok=True)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
