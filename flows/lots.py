"""A pass split into batches, one flow run each, run in parallel by the pool's workers.

The dispatching run creates one run of a batch deployment per batch (`run_deployment`, linked to
it as sub-runs in the UI), then waits until every batch run is over. Which worker takes which
batch is Prefect's business; the batches never overlap (structures for the ingest, recipients
for the reports), so nothing is processed, written or sent twice.
"""

from __future__ import annotations

import time
from typing import Any

from prefect import get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

POLL_SECONDS = 2.0


def run_lots(deployment: str, parameter_sets: list[dict[str, Any]]) -> list[FlowRun]:
    """Start one run of `deployment` per parameter set, wait for all, return their final runs;
    raise if one did not complete (its batch is retried by the next pass)."""
    logger = get_run_logger()
    started: list[FlowRun] = []
    for parameters in parameter_sets:
        run = run_deployment(deployment, parameters=parameters, timeout=0)
        # Called from sync code, run_deployment returns the run, never a coroutine.
        assert isinstance(run, FlowRun), run
        started.append(run)
    logger.info("%d lot(s) confiés aux workers (%s).", len(started), deployment)
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(run.id) for run in started]
            if all(run.state is not None and run.state.is_final() for run in runs):
                break
            time.sleep(POLL_SECONDS)
    failed = [run.name for run in runs if run.state is None or not run.state.is_completed()]
    if failed:
        raise RuntimeError(f"Lot(s) en échec : {', '.join(failed)} (voir leurs exécutions).")
    return runs
