"""Every deployment with its schedule in the workspace's time zone (SPEC §10), served together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import Flow, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron, Interval

from clauses.config import Config
from flows.ingest import ingest_inbox_flow
from flows.reminders import reminders_flow
from flows.reports import annual_report_flow, monthly_reports_flow, semester_reports_flow


def _deployment(flow: Flow[..., Any], **options: Any) -> RunnerDeployment:
    """`flow.to_deployment(...)`. Prefect returns a coroutine instead when it is called from
    async code; these are built from sync code, and a coroutine here would be a silent no-op."""
    deployment = flow.to_deployment(**options)
    if not isinstance(deployment, RunnerDeployment):
        raise TypeError("to_deployment appelé depuis du code asynchrone : attendez-le (await)")
    return deployment


def build_deployments(config: Config, config_path: str) -> list[RunnerDeployment]:
    plan = config.planification
    tz = plan.fuseau
    parameters = {"config_path": config_path}
    return [
        _deployment(ingest_inbox_flow,
            name="releve-du-depot", parameters=parameters,
            schedules=[Interval(timedelta(minutes=plan.ingestion_minutes), timezone=tz)],
            # Every deployment that writes or sends runs one at a time. A pass due while the
            # previous one still runs (a national month) is cancelled, not queued: the running
            # pass or the next one takes its files, and runs never pile up behind a slow one.
            concurrency_limit=ConcurrencyLimitConfig(
                limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
            description="Relève le dossier de dépôt des structures et contrôle chaque fichier.",
        ),
        _deployment(monthly_reports_flow,
            name="rapports-mensuels", parameters=parameters,
            schedules=[Cron(plan.mensuel, timezone=tz)], concurrency_limit=1,
            description="Rapports mensuels des maîtres d'ouvrage et des entreprises, suivi des dépôts.",
        ),
        _deployment(semester_reports_flow,
            name="tableaux-semestriels", parameters=parameters,
            schedules=[Cron(plan.semestriel, timezone=tz)], concurrency_limit=1,
            description="Tableaux des salariés en parcours clauses, un par structure.",
        ),
        _deployment(annual_report_flow,
            name="bilan-annuel", parameters=parameters,
            schedules=[Cron(plan.annuel, timezone=tz)], concurrency_limit=1,
            description="Bilan annuel du guichet unique pour la DDETS-PP et les structures.",
        ),
        _deployment(reminders_flow,
            name="relances", parameters=parameters,
            schedules=[Cron(plan.relances, timezone=tz)], concurrency_limit=1,
            description="Rappels aux structures dont le relevé du mois précédent manque.",
        ),
    ]


def serve_deployments(config: Config, config_path: str) -> None:
    serve(*build_deployments(config, config_path), print_starting_message=False)
