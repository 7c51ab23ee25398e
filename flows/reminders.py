"""Flow `reminders`: structures whose relevé of last month is missing get a reminder (SPEC §9)."""

# No `from __future__ import annotations` in a module that defines flows: a served flow runs
# from a copy pickled by value whose parameter model resolves the annotations in the copy's
# own globals; as strings they named types it lacked (tests/test_flow_parameters.py).

from datetime import datetime

from prefect import flow

from clauses.app.jobs import run_reminders
from clauses.clock import now_or
from clauses.config import load_config
from flows.artifacts import log_report, publish_job_artifacts
from flows.clock import run_clock


def _run_name() -> str:
    return f"relances {run_clock():%Y-%m-%d}"


@flow(name="reminders", flow_run_name=_run_name)
def reminders_flow(config_path: str = "config.yaml", now: datetime | None = None) -> list[str]:
    config = load_config(config_path)
    report = run_reminders(config, now=now_or(now, config.zone))
    publish_job_artifacts("relances", report, config)
    log_report(report)
    return report.lines
