"""Flow `ingest-inbox`: the CLI's pass (clauses/ingest.py `run_pass`), one task per recorded file.

The tasks take only a file's structure, name and hash. What they work on — the checked file and
the pass's context (registers, lookups, ledger) — stays in this process and is handed over by
reference: Prefect walks every task parameter, and walking a national register took seconds
per file. The spreadsheets are checked in worker processes exactly as the CLI does.
"""

# No `from __future__ import annotations` in a module that defines flows: a served flow runs
# from a copy pickled by value whose parameter model resolves the annotations in the copy's
# own globals; as strings they named types it lacked (tests/test_flow_parameters.py).


import logging
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from prefect.states import Completed

from clauses.app.jobs import send_control_reports, summarise_ingest
from clauses.app.review import months_received_since
from clauses.clock import as_shown, now_or
from clauses.config import Config, load_config
from clauses.errors import PassInProgress
from clauses.ingest.inbox_pass import (
    FileResult,
    IngestRun,
    batch_codes,
    commit_checked,
    in_batch,
    run_pass,
    without_waiting,
)
from clauses.ingest.one_file import Checked, Received
from clauses.workspace.inbox import scan_inbox
from flows.artifacts import (
    publish_ingest_artifacts,
    publish_month_reviews,
    publish_reviews,
    rename_flow_run,
)
from flows.clock import run_clock
from flows.lots import run_lots

# The file a task is about to record, by hash: set by the flow just before it calls the task;
# and what the task recorded, taken back by the flow (a completed state's `result()` goes
# through Prefect's event loop thread: 2 ms a file).
_HANDED_OVER: dict[str, tuple[IngestRun, Received, Checked | str]] = {}
_RECORDED: dict[str, FileResult] = {}


@task(name="ingérer-un-fichier", task_run_name="{structure}/{name}", cache_policy=NO_CACHE)
def record_file(structure: str, name: str, sha256: str) -> FileResult:
    """Record one checked file in the ledger and take it out of the inbox (all or nothing)."""
    run, received, outcome = _HANDED_OVER.pop(sha256)
    _RECORDED[sha256] = result = commit_checked(run, received, outcome)
    return result


def _record_in_a_task(run: IngestRun, received: Received, outcome: Checked | str) -> FileResult:
    candidate = received.candidate
    _HANDED_OVER[received.sha] = (run, received, outcome)
    try:
        state = record_file(candidate.structure, candidate.name, received.sha, return_state=True)
    finally:
        _HANDED_OVER.pop(received.sha, None)
        recorded = _RECORDED.pop(received.sha, None)
    if state.is_completed() and recorded is not None:
        return recorded
    if not state.is_completed():
        get_run_logger().error("Fichier %s/%s laissé dans le dépôt après une erreur inattendue.",
                               candidate.structure, candidate.name)
    return state.result()  # raises the task's error: run_pass logs it and keeps the file


class _WithoutFinishedLines(logging.Filter):
    """Drops the task engine's « Finished in state Completed() » line, one per file: the file's
    task already shows its state, and 370 such lines buried the pass's summary in the run's
    log (and cost the flow and the server 4 ms a file). Failures are still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.INFO
                    and str(record.msg).startswith("Finished in state Completed"))


@contextmanager
def _quiet_task_endings() -> Iterator[None]:
    quiet = _WithoutFinishedLines()
    logger = logging.getLogger("prefect.task_runs")
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _run_name() -> str:
    return f"ingest {run_clock():%Y-%m-%d %H:%M}"


@flow(name="ingest-inbox", flow_run_name=_run_name, log_prints=False)
def ingest_inbox_flow(
    config_path: str = "config.yaml", now: datetime | None = None,
    structures: list[str] | None = None, lots: int = 1,
) -> tuple[list[FileResult], list[Path]]:
    """One pass over the inbox. `structures`: only these structures' files (one batch).
    `lots` > 1: split the structures with files waiting into that many batches, each ingested
    by a run of the `releve-par-lot` deployment on whichever worker is free (docs/PREFECT.md)."""
    logger = get_run_logger()
    config = load_config(config_path)
    if lots > 1 and structures is None:
        return _dispatch(config, config_path, now, lots)
    try:
        run = IngestRun.open(config, now, structures)
    except PassInProgress as busy:
        # Another pass (CLI or flow, any machine) holds the workspace or one of this batch's
        # structures: this run ends visibly skipped (state « Ignorée »), having touched nothing;
        # its files wait in the inbox for the next pass.
        logger.warning("%s", busy)
        return Completed(name="Ignorée", message=str(busy), data=([], []))  # type: ignore[return-value]
    try:
        candidates, waiting = scan_inbox(
            config.inbox, now=run.now, stable_seconds=config.depot.delai_stabilite_secondes
        )
        candidates = in_batch(candidates, structures)
        if candidates or waiting:
            logger.info("Dépôt relevé : %d fichier(s) prêt(s), %d en cours d'écriture.",
                        len(candidates), len(waiting))
        with _quiet_task_endings():
            results, waiting = without_waiting(
                candidates, run_pass(run, candidates, record=_record_in_a_task), waiting)
    finally:
        run.close()
    # Also what an earlier pass recorded but could not mail (a crash, the server down).
    sends = send_control_reports(config, results, run.now)
    if not results and not waiting and not sends:
        # An empty pass leaves its run record (the heartbeat) and nothing else: 288 a day.
        logger.info("Dépôt vide : rien à signaler.")
        return results, waiting
    failed = [s for s in sends if s.failed]
    if failed:
        logger.warning("%d courriel(s) de compte rendu en échec : ils seront retentés.", len(failed))
    rename_flow_run(flow_run.get_id(), results)
    publish_ingest_artifacts(results, waiting, sends, run.reevaluated)
    reviewed = publish_month_reviews(config, results, run.now)
    for line in summarise_ingest(results, waiting, config):
        logger.info(line)
    if reviewed:
        logger.info("À examiner, mois par mois : %s.",
                    ", ".join(f"a-examiner-{m}" for m in reviewed))
    return results, waiting


def batches(structures: Collection[str], count: int) -> list[list[str]]:
    """Split structures into `count` batches of about the same size, each structure in one."""
    ordered = sorted(structures)
    return [batch for batch in (ordered[i::count] for i in range(max(count, 1))) if batch]


BATCH_DEPLOYMENT = "ingest-inbox/releve-par-lot"


def _dispatch(config: Config, config_path: str, now: datetime | None,
              lots: int) -> tuple[list[FileResult], list[Path]]:
    """Scan only (cheap), then one batch run per group of structures; a structure's files all
    go to one batch, so its relevés are still recorded in the order they were dropped."""
    candidates, waiting = scan_inbox(config.inbox, now=now_or(now, config.zone),
                                     stable_seconds=config.depot.delai_stabilite_secondes)
    # By register code as the pass matches folders (`ai-niort` is AI-NIORT): one structure's
    # folders always go to one batch, which holds that structure's lock.
    groups = batches(batch_codes(c.structure for c in candidates), lots)
    if groups:
        started = now_or(now, config.zone)
        stamp = None if now is None else now.isoformat()
        run_lots(BATCH_DEPLOYMENT, [{"config_path": config_path, "now": stamp,
                                     "structures": group} for group in groups])
        # Each batch published its months' pages as it ended, maybe before the other batch
        # recorded its files: the page of each month is published again once all are in.
        months = months_received_since(config, as_shown(started))
        reviewed = publish_reviews(config, months, started)
        if reviewed:
            get_run_logger().info("À examiner, mois par mois : %s.",
                                  ", ".join(f"a-examiner-{m}" for m in reviewed))
    return [], waiting
