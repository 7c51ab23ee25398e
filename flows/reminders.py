"""Flow `reminders`: structures whose relevé of last month is missing get a reminder (SPEC §9)."""

from __future__ import annotations

from datetime import datetime

from prefect import flow

from clauses.app.jobs import run_reminders
from clauses.config import load_config
from flows.artifacts import publish_job_artifacts


@flow(name="reminders", flow_run_name=lambda: f"relances {datetime.now():%Y-%m-%d}")
def reminders_flow(config_path: str = "config.yaml", now: datetime | None = None) -> list[str]:
    config = load_config(config_path)
    report = run_reminders(config, now=now or datetime.now())
    publish_job_artifacts("relances", report, config)
    return report.lines
