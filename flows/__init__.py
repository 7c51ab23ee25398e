"""Prefect flows: thin orchestration around the jobs of `clauses.app` (one module per flow);
`commands.py` runs them for the CLI, `deployments.py` serves them on their schedules."""
