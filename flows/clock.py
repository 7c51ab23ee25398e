"""The clock a flow run is named with: the workspace's, as the run itself uses (clauses/clock.py)."""

from __future__ import annotations

from datetime import datetime

from prefect.runtime import flow_run

from clauses import clock
from clauses.config import load_config
from clauses.errors import ClausesError


def run_clock() -> datetime:
    """The run's `now` parameter, or now, in the workspace's zone. A configuration that does not
    load is the run's own failure to report: its name then uses the default zone."""
    given = flow_run.parameters.get("now")
    try:
        zone = load_config(flow_run.parameters.get("config_path") or "config.yaml").zone
    except ClausesError:
        zone = clock.zone_of(clock.DEFAULT_ZONE)
    return clock.now_or(given, zone)
