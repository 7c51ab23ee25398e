"""Flows `monthly-reports`, `semester-reports`, `annual-report`: write, then send (SPEC §8–§10)."""

# No `from __future__ import annotations` in a module that defines flows: a served flow runs
# from a copy pickled by value whose parameter model resolves the annotations in the copy's
# own globals; as strings they named types it lacked (tests/test_flow_parameters.py).

from datetime import date, datetime

from prefect import flow, get_run_logger
from prefect.runtime import flow_run

from clauses.app.jobs import run_annual, run_monthly, run_semester
from clauses.app.review import monthly_overview_of
from clauses.clock import now_or
from clauses.config import Config, load_config
from clauses.periods import previous_month, previous_semester, previous_year
from flows.artifacts import log_report, publish_job_artifacts
from flows.clock import run_clock
from flows.lots import run_lots

MONTHLY_BATCHES = "monthly-reports/rapports-mensuels-par-lot"


def _now(now: datetime | None, config: Config) -> datetime:
    """The run's clock, in the workspace's zone (a scheduled run on the 1st at 00:30 in Paris is
    in the new month even on a UTC server)."""
    return now_or(now, config.zone)


def _parameter(name: str):
    return flow_run.parameters.get(name)


def _today() -> date:
    return run_clock().date()


# Scheduled runs pass no period: the name must show the one the run will compute.
def _monthly_name() -> str:
    return f"rapports mensuels {_parameter('month') or previous_month(_today())}"


def _semester_name() -> str:
    return f"tableaux semestriels {_parameter('period') or previous_semester(_today())}"


def _annual_name() -> str:
    return f"bilan annuel {_parameter('year') or previous_year(_today())}"


@flow(name="monthly-reports", flow_run_name=_monthly_name)
def monthly_reports_flow(config_path: str = "config.yaml", month: str | None = None,
                         now: datetime | None = None, lots: int = 1,
                         lot: int | None = None) -> list[str]:
    """Month M defaults to the month before today: run on the 11th, after the deadline.
    `lots` > 1: the recipients are split into that many batches, each written and sent by a run
    of the `rapports-mensuels-par-lot` deployment (`lot` set) on whichever worker is free."""
    logger = get_run_logger()
    config = load_config(config_path)
    now = _now(now, config)
    month = month or previous_month(now.date())
    if lots > 1 and lot is None:
        runs = run_lots(MONTHLY_BATCHES, [
            {"config_path": config_path, "month": month, "now": now.isoformat(), "lots": lots,
             "lot": index} for index in range(lots)])
        return [f"Rapports mensuels de {month} : {len(runs)} lots terminés."]
    logger.info("Rapports mensuels de %s : calcul depuis le registre des heures.", month)
    report = run_monthly(config, month, now=now, lot=lot, lots=lots)
    report.overview = monthly_overview_of(config, month, report, now)
    suffix = "" if lot is None else f"-lot-{lot + 1}"
    publish_job_artifacts(f"rapports-mensuels-{month}{suffix}", report, config)
    log_report(report)
    return report.lines


@flow(name="semester-reports", flow_run_name=_semester_name)
def semester_reports_flow(config_path: str = "config.yaml", period: str | None = None,
                          provisoire: bool = False, now: datetime | None = None) -> list[str]:
    config = load_config(config_path)
    now = _now(now, config)
    period = period or previous_semester(now.date())
    get_run_logger().info("Tableaux des salariés en parcours clauses, %s.", period)
    report = run_semester(config, period, provisoire=provisoire, now=now)
    publish_job_artifacts(f"tableaux-semestriels-{period}".lower(), report, config)
    log_report(report)
    return report.lines


@flow(name="annual-report", flow_run_name=_annual_name)
def annual_report_flow(config_path: str = "config.yaml", year: int | None = None,
                       provisoire: bool = False, now: datetime | None = None) -> list[str]:
    config = load_config(config_path)
    now = _now(now, config)
    year = year or previous_year(now.date())
    get_run_logger().info("Bilan annuel %s.", year)
    report = run_annual(config, year, provisoire=provisoire, now=now)
    publish_job_artifacts(f"bilan-annuel-{year}", report, config)
    log_report(report)
    return report.lines
