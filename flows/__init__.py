"""Prefect flows: thin orchestration around the pure functions of the `clauses` package."""

from __future__ import annotations

from typing import Any


def by_name(name: str) -> Any:
    """The flow object of a deployment's flow (imported on demand: Prefect is slow to load)."""
    from flows.ingest import ingest_inbox_flow
    from flows.reminders import reminders_flow
    from flows.reports import annual_report_flow, monthly_reports_flow, semester_reports_flow

    return {
        "ingest-inbox": ingest_inbox_flow,
        "monthly-reports": monthly_reports_flow,
        "semester-reports": semester_reports_flow,
        "annual-report": annual_report_flow,
        "reminders": reminders_flow,
    }[name]
