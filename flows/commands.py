"""What the CLI runs: each job as its Prefect flow when a server is up, so the facilitator sees
the run in the UI, else the same job directly (SPEC §10); and `clauses serve`.

Both ways give the same French lines. The flow modules import Prefect, which takes seconds: they
are imported inside the functions, only once a server is known to be there.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from clauses.app.jobs import JobReport, run_ingest, summarise_ingest
from clauses.app.prefect_api import prefect_api, reachable_prefect_api
from clauses.app.serve import local_prefect_server, prefect_environment
from clauses.config import Config
from clauses.ledger import Ledger


def _flow(name: str) -> Any:
    # Imported here: Prefect takes seconds to import (see the module's docstring).
    from flows.reminders import reminders_flow
    from flows.reports import annual_report_flow, monthly_reports_flow, semester_reports_flow

    return {
        "monthly-reports": monthly_reports_flow,
        "semester-reports": semester_reports_flow,
        "annual-report": annual_report_flow,
        "reminders": reminders_flow,
    }[name]


def recorded(config: Config, flow_name: str, job: Callable[..., JobReport], **kwargs: Any) -> list[str]:
    """Run a report or mail job as its Prefect flow when a server is up (so the facilitator
    sees it in the UI), else directly; both give the same French lines."""
    api = reachable_prefect_api(config)
    if not api:
        return job(config, **kwargs).lines
    with prefect_api(api):
        lines = _flow(flow_name)(config_path=str(config.source), **kwargs)
    return [*lines, f"Exécution enregistrée dans Prefect ({api})."]


def ingest(config: Config, *, now: datetime | None = None) -> list[str]:
    """One pass over the inbox, as the `ingest-inbox` flow when a server is up."""
    api = reachable_prefect_api(config)
    if not api:
        return run_ingest(config, now=now)
    with Ledger.from_config(config) as probe:
        probe.lock_pass()  # a pass already running: say so here (exit 5), not in the UI only
    # Imported here: Prefect takes seconds to import (see the module's docstring).
    from flows.ingest import ingest_inbox_flow

    with prefect_api(api):
        results, waiting = ingest_inbox_flow(config_path=str(config.source), now=now)
    return [*summarise_ingest(results, waiting, config),
            f"Exécution enregistrée dans Prefect ({api})."]


def serve_workspace(config: Config, config_path: Path) -> None:
    """Serve every deployment with its schedule until Ctrl-C."""
    existing = os.environ.get("PREFECT_API_URL")
    if existing:
        print(f"Serveur Prefect existant : {existing}")
        _serve(config, config_path, existing)
        return
    print("Démarrage du serveur Prefect local (10 à 20 secondes)…")
    with local_prefect_server(config) as api:
        os.environ.update(prefect_environment(config))
        print(f"Interface Prefect : {api.removesuffix('/api')}  (Ctrl-C pour arrêter)")
        try:
            _serve(config, config_path, api)
        except KeyboardInterrupt:
            print("Arrêt demandé : les flux et le serveur s'arrêtent proprement.")


def _serve(config: Config, config_path: Path, api: str) -> None:
    # Prefect binds its settings when imported: point it at the server before importing it
    # (here, not at the top: Prefect's import time), and override them after.
    os.environ["PREFECT_API_URL"] = api
    from flows.deployments import serve_deployments

    with prefect_api(api):
        serve_deployments(config, str(Path(config_path).resolve()))
