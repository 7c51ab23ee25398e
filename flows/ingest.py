"""Flow `ingest-inbox`: one task per received file (not per line), artifacts for the facilitator."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from clauses.app.jobs import send_control_reports
from clauses.clock import now_or
from clauses.config import load_config
from clauses.ingest import WAITING, FileResult, IngestRun, failed_result, ingest_candidate
from clauses.workspace.inbox import Candidate, scan_inbox
from flows.artifacts import publish_ingest_artifacts, rename_flow_run


@task(name="ingérer-un-fichier", task_run_name="{candidate.structure}/{candidate.name}",
      cache_policy=NO_CACHE)
def ingest_file(run: IngestRun, candidate: Candidate) -> FileResult:
    return ingest_candidate(run, candidate)


def _run_name() -> str:
    config = load_config(flow_run.parameters.get("config_path") or "config.yaml")
    return f"ingest {now_or(flow_run.parameters.get('now'), config.zone):%Y-%m-%d %H:%M}"


@flow(name="ingest-inbox", flow_run_name=_run_name, log_prints=False)
def ingest_inbox_flow(
    config_path: str = "config.yaml", now: datetime | None = None
) -> tuple[list[FileResult], list[Path]]:
    logger = get_run_logger()
    config = load_config(config_path)
    run = IngestRun.open(config, now)
    try:
        candidates, waiting = scan_inbox(
            config.inbox, now=run.now, stable_seconds=config.depot.delai_stabilite_secondes
        )
        logger.info("Dépôt relevé : %d fichier(s) prêt(s), %d en cours d'écriture.",
                    len(candidates), len(waiting))
        results = []
        for candidate in candidates:
            state = ingest_file(run, candidate, return_state=True)
            if state.is_completed():
                result = state.result()
                if result.statut == WAITING:  # changed while read: the next pass takes it
                    waiting.append(candidate.path)
                    continue
                results.append(result)
            else:
                logger.error("Fichier %s/%s laissé dans le dépôt après une erreur inattendue.",
                             candidate.structure, candidate.name)
                results.append(failed_result(candidate))
    finally:
        run.ledger.close()
    sends = send_control_reports(config, results, run.now)
    failed = [s for s in sends if s.failed]
    if failed:
        logger.warning("%d courriel(s) de compte rendu en échec : ils seront retentés.", len(failed))
    rename_flow_run(flow_run.get_id(), results)
    publish_ingest_artifacts(results, waiting, sends)
    logger.info("Terminé : %d fichier(s) traité(s).", len(results))
    return results, waiting
